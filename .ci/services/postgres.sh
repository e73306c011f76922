#!/usr/bin/env bash
# A throw-away PostgreSQL server for portcullis-sql's integration tests.
#
#   .ci/services/postgres.sh start [ENV_FILE]   install (if needed), initdb, start, create the database
#   .ci/services/postgres.sh stop               stop it and remove its directory
#
# `start` prints `export PORTCULLIS_TEST_POSTGRES_URL=…` on stdout (or writes
# it to ENV_FILE) so a caller can `source` it; everything else goes to
# stderr. The server listens on 127.0.0.1 only (no Unix socket outside its
# own directory), on the first free port from 25432 (or
# $PORTCULLIS_POSTGRES_PORT), with its data directory, socket and log under
# $PORTCULLIS_POSTGRES_DIR (default /tmp/portcullis-postgres). It runs as the
# `postgres` system user (PostgreSQL refuses to run as root) with fsync off:
# nothing is meant to survive. The Debian package's own cluster is never
# used or started.
#
# The database `portcullis` belongs to the role `portcullis` (password
# authentication, scram-sha-256). Each test creates its own schema in it.
set -euo pipefail

DIR=${PORTCULLIS_POSTGRES_DIR:-/tmp/portcullis-postgres}
DB=portcullis
DB_USER=portcullis
RUN_AS=${PORTCULLIS_POSTGRES_USER:-postgres}

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
      echo "$dir"
      return
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
  fi
}

install() {
  if [[ -n $(bindir) ]] && command -v psql >/dev/null; then
    return
  fi
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql postgresql-client >&2
}

# shellcheck source=ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
pick_port() { free_port 25432 PORTCULLIS_POSTGRES_PORT; }

as_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$RUN_AS" -- "$@"
  else
    "$@"
  fi
}

stop() {
  local bin
  bin=$(bindir)
  if [[ -f $DIR/data/postmaster.pid && -n $bin ]]; then
    as_user "$bin/pg_ctl" -D "$DIR/data" -m immediate -w stop >&2 || true
    log "stopped postgres"
  fi
  rm -rf "$DIR"
}

start() {
  local env_file=${1:-}
  install
  local bin
  bin=$(bindir)
  if [[ -z $bin ]]; then
    log "initdb/pg_ctl not found after installing postgresql"
    exit 1
  fi
  stop
  mkdir -p "$DIR"
  local port password
  port=$(pick_port)
  password="pw$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  if [[ $(id -u) -eq 0 ]]; then
    chown "$RUN_AS" "$DIR"
  fi
  # Superuser: trust over the private socket only; TCP needs a password.
  as_user "$bin/initdb" -D "$DIR/data" -U postgres -A scram-sha-256 \
    --auth-local=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    exit 1
  }
  as_user "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || {
    cat "$DIR/postgres.log" >&2
    exit 1
  }
  as_user "$bin/psql" -h "$DIR" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >&2 <<SQL
CREATE ROLE $DB_USER LOGIN PASSWORD '$password';
CREATE DATABASE $DB OWNER $DB_USER;
SQL
  local url="postgres://$DB_USER:$password@127.0.0.1:$port/$DB"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $DIR)"
  local line="export PORTCULLIS_TEST_POSTGRES_URL='$url'"
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
