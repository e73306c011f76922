#!/usr/bin/env bash
# A throw-away redis-server, and a three-node Redis Cluster, for
# portcullis-redis's integration tests.
#
#   .ci/services/redis.sh start [ENV_FILE]   install (if needed) and start them
#   .ci/services/redis.sh stop               stop them and remove their directory
#
# `start` prints `export PORTCULLIS_TEST_REDIS_URL=redis://127.0.0.1:PORT/`
# and `export PORTCULLIS_TEST_REDIS_CLUSTER=redis://127.0.0.1:P1/,…` (the
# cluster's three primaries, each owning a third of the slots, no
# replicas) on stdout (or appends them to ENV_FILE) so a caller can
# `source` them; everything else goes to stderr. The cluster's nodes take
# the first free ports from 27000 (their bus ports are 10000 above). The server listens on 127.0.0.1 only, on
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
  local pid file
  for file in "$DIR"/*.pid; do
    [[ -f $file ]] || continue
    pid=$(cat "$file")
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
  done
  rm -rf "$DIR"
}

# Waits until a server answers on $1; fails with its log after 5 s.
await_port() {
  local port=$1 name=$2
  for _ in $(seq 1 50); do
    if port_in_use "$port" && [[ -s $DIR/$name.pid ]]; then
      return
    fi
    sleep 0.1
  done
  log "redis-server did not start on 127.0.0.1:$port"
  cat "$DIR/$name.log" >&2 || true
  exit 1
}

# Three cluster-enabled servers joined into one cluster by redis-cli.
start_cluster() {
  local ports=() port next=27000 nodes=() urls=()
  for _ in 1 2 3; do
    # No override variable: each node takes the next free port.
    port=$(free_port "$next" PORTCULLIS_REDIS_CLUSTER_NO_OVERRIDE)
    next=$((port + 1))
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --cluster-enabled yes --cluster-config-file "$DIR/nodes-$port.conf" \
      --cluster-node-timeout 5000 \
      --daemonize yes --pidfile "$DIR/cluster-$port.pid" --logfile "$DIR/cluster-$port.log" \
      --dir "$DIR" >&2
    await_port "$port" "cluster-$port"
    ports+=("$port")
    nodes+=("127.0.0.1:$port")
    urls+=("redis://127.0.0.1:$port/")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2
  local ok=
  for _ in $(seq 1 100); do
    if redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok'; then
      ok=yes
      break
    fi
    sleep 0.1
  done
  if [[ -z $ok ]]; then
    log "the cluster on ${nodes[*]} did not become ready"
    exit 1
  fi
  log "cluster of three primaries on ${nodes[*]}"
  local IFS=,
  CLUSTER_URLS="${urls[*]}"
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
  await_port "$port" redis
  log "$(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (files in $DIR)"
  start_cluster
  local lines
  lines=$(printf 'export PORTCULLIS_TEST_REDIS_URL=redis://127.0.0.1:%s/\nexport PORTCULLIS_TEST_REDIS_CLUSTER=%s\n' "$port" "$CLUSTER_URLS")
  if [[ -n $env_file ]]; then
    printf '%s\n' "$lines" >>"$env_file"
  else
    printf '%s\n' "$lines"
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
