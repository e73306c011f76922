#!/usr/bin/env bash
# A throw-away redis-server for portcullis-redis's integration tests.
#
#   .ci/services/redis.sh start [ENV_FILE]   install (if needed) and start redis-server
#   .ci/services/redis.sh stop               stop it and remove its directory
#
# `start` prints `export PORTCULLIS_TEST_REDIS_URL=redis://127.0.0.1:PORT/`
# on stdout (or appends it to ENV_FILE) so a caller can `source` it;
# everything else goes to stderr. The server listens on 127.0.0.1 only, on
# the first free port from 26379 (or $PORTCULLIS_REDIS_PORT), without
# persistence (no RDB, no AOF: nothing is meant to survive), with its pid
# file, log and working directory under $PORTCULLIS_REDIS_DIR (default
# /tmp/portcullis-redis). The Debian package's own service is never used
# or started. Each test uses its own random key prefix, so one server
# serves every test.
set -euo pipefail

DIR=${PORTCULLIS_REDIS_DIR:-/tmp/portcullis-redis}

log() { printf 'redis.sh: %s\n' "$*" >&2; }

install() {
  if command -v redis-server >/dev/null; then
    return
  fi
  log "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # --no-install-recommends: no systemd unit is started in a container.
  apt-get install -y -qq --no-install-recommends redis-server >&2
}

# shellcheck source=ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
pick_port() { free_port 26379 PORTCULLIS_REDIS_PORT; }

stop() {
  local pid
  if [[ -f $DIR/redis.pid ]]; then
    pid=$(cat "$DIR/redis.pid")
    if [[ -n $pid ]] && kill "$pid" 2>/dev/null; then
      # SIGTERM: redis-server shuts down (nothing to save with --save '').
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
      fi
      log "stopped redis-server (pid $pid)"
    fi
  fi
  rm -rf "$DIR"
}

start() {
  local env_file=${1:-}
  install
  stop
  mkdir -p "$DIR"
  local port
  port=$(pick_port)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" \
    --dir "$DIR" >&2
  local ready=
  for _ in $(seq 1 50); do
    if port_in_use "$port" && [[ -s $DIR/redis.pid ]]; then
      ready=yes
      break
    fi
    sleep 0.1
  done
  if [[ -z $ready ]]; then
    log "redis-server did not start on 127.0.0.1:$port"
    cat "$DIR/redis.log" >&2 || true
    exit 1
  fi
  log "$(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (files in $DIR)"
  local line="export PORTCULLIS_TEST_REDIS_URL=redis://127.0.0.1:$port/"
  if [[ -n $env_file ]]; then
    printf '%s\n' "$line" >>"$env_file"
  else
    printf '%s\n' "$line"
  fi
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop ;;
  *)
    echo "usage: $0 start [ENV_FILE] | stop" >&2
    exit 2
    ;;
esac
