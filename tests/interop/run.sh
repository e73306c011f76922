#!/usr/bin/env bash
# Interop tests: real clients (curl, Python imaplib/smtplib, and Debian's
# msmtp, swaks, imtest/smtptest, mbsync, fetchmail, gsasl) against the
# example servers, with tokens from a local IdP stand-in (the dev_idp
# example). Builds the examples, starts everything on 127.0.0.1 (and ::1),
# runs tests/interop/interop.py, stops what it started.
#
# The mail clients are installed with apt-get when missing (as root); a
# check whose client cannot be had is reported as "ok ... # SKIP <reason>".
#
#   bash tests/interop/run.sh            # everything
#   bash tests/interop/run.sh smtp       # only checks whose name contains "smtp"
#
# Exit status: 0 when every check passed (or when a required tool is missing
# and cannot be installed: then it prints SKIPPED), 1 otherwise. The last
# line is always "N passed, M failed".
#
# Environment:
#   INTEROP_BASE_PORT  first of the ports used (default 21100; uses +0..+99)
#   INTEROP_PROFILE    cargo profile for the examples (default: dev)
#   INTEROP_NO_INSTALL set to 1 to install no mail client (their checks skip)
#   CARGO_TARGET_DIR   honoured, as by cargo
set -uo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'interop: %s\n' "$*"; }
skip() {
  say "SKIPPED: $*"
  echo "0 passed, 0 failed"
  exit 0
}

# --- tools ---------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
can_install() { [ "$(id -u)" = 0 ] && have apt-get && [ "${INTEROP_NO_INSTALL:-0}" != 1 ]; }
apt_install() { # apt_install <package>...: quiet, bounded, `apt-get update` once if needed
  # Another apt-get (a second suite on this machine) holds the lock: wait.
  local lock=(-o DPkg::Lock::Timeout=120)
  local apt=(timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y --no-install-recommends)
  "${apt[@]}" "$@" >/dev/null 2>&1 && return 0
  if [ -z "${apt_updated:-}" ]; then
    apt_updated=1
    timeout 300 apt-get "${lock[@]}" update >/dev/null 2>&1
  fi
  "${apt[@]}" "$@" >/dev/null 2>&1
}
ensure() { # ensure <command> <apt package>
  have "$1" && return 0
  if can_install; then
    say "installing $2 (apt-get)"
    apt_install "$2"
  fi
  have "$1"
}
ensure curl curl || skip "curl is not installed and could not be installed"
ensure python3 python3 || skip "python3 is not installed and could not be installed"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
  skip "python3 >= 3.9 is needed (found $(python3 --version 2>&1))"
python3 -c 'import imaplib, smtplib, ssl' 2>/dev/null ||
  skip "this python3 lacks imaplib/smtplib/ssl"
# scramp: a SCRAM client of its own for the SCRAM-SHA-256(-PLUS) checks
# (tls-server-end-point from Python's ssl module).
if ! python3 -c 'import scramp' 2>/dev/null && [ "${INTEROP_NO_INSTALL:-0}" != 1 ]; then
  say "installing scramp (pip)"
  timeout 300 python3 -m pip install --quiet --disable-pip-version-check scramp==1.5.0 >/dev/null 2>&1 ||
    say "scramp could not be installed (its checks are skipped)"
fi
say "$(curl --version | head -n1)"
say "$(python3 --version 2>&1)"

# --- real mail clients (optional) -------------------------------------------------
# <command>:<Debian package>. imtest and smtptest live in /usr/lib/cyrus/bin.
export PATH="$PATH:/usr/lib/cyrus/bin"
clients=(msmtp:msmtp swaks:swaks imtest:cyrus-clients smtptest:cyrus-clients mbsync:isync
  fetchmail:fetchmail gsasl:gsasl openssl:openssl)
# What the checks need beside them, which --no-install-recommends leaves
# out: PLAIN and LOGIN for Cyrus SASL (imtest, smtptest, mbsync), and TLS
# for swaks.
helpers=(libsasl2-modules libnet-ssleay-perl libio-socket-ssl-perl)
missing=()
for client in "${clients[@]}"; do
  have "${client%%:*}" || missing+=("${client#*:}")
done
if have dpkg-query; then
  for package in "${helpers[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if can_install; then
    say "installing ${missing[*]} (apt-get)"
    # All at once; if one cannot be had, each on its own.
    apt_install "${missing[@]}" || for package in "${missing[@]}"; do apt_install "$package"; done
  else
    say "not installing ${missing[*]} (that needs root, apt-get and INTEROP_NO_INSTALL unset)"
  fi
fi
version() { # version <command> <how to print its version...>
  if have "$1"; then
    shift
    say "  $("$@" 2>&1 | grep -v -i -e '^$' -e warning | head -n1)"
  else
    say "  $1: not available (its checks are skipped)"
  fi
}
say "mail clients:"
version msmtp msmtp --version
version swaks swaks --version
version imtest dpkg-query -W -f='cyrus-clients (imtest, smtptest) ${Version}\n' cyrus-clients
version mbsync mbsync --version
version fetchmail fetchmail --version
version gsasl gsasl --version
version openssl openssl version

# --- build -----------------------------------------------------------------------
profile=${INTEROP_PROFILE:-dev}
# The root Cargo.toml optimises the hash crates in dev builds, so a debug
# build hashes at full speed and reuses what `cargo test` already built.
build=(cargo build -p portcullis-examples --examples --profile "$profile")
say "+ ${build[*]}"
if ! "${build[@]}"; then
  say "the examples do not build"
  echo "0 passed, 1 failed"
  exit 1
fi
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case "$profile" in dev) subdir=debug ;; *) subdir=$profile ;; esac
bin="$target_dir/$subdir/examples"
export EXAMPLES_BIN=$bin

# --- servers ---------------------------------------------------------------------
base=${INTEROP_BASE_PORT:-21100}
export IDP_URL="http://127.0.0.1:$((base + 0))"
# Nothing listens here: the "IdP is down" issuer.
export DEAD_IDP_URL="http://127.0.0.1:$((base + 1))"
export IMAP_PORT=$((base + 43)) IMAPS_PORT=$((base + 93))
export IMAP_XOAUTH2_PORT=$((base + 44)) IMAP_XOAUTH2_TLS_PORT=$((base + 94))
export IMAP_STRICT_PORT=$((base + 45)) IMAP_STRICT_TLS_PORT=$((base + 95))
export SMTP_PORT=$((base + 87)) SMTP_XOAUTH2_PORT=$((base + 88))
# Implicit TLS submission (RFC 8314; 465 in production, 1465 by default).
export SMTP_TLS_PORT=$((base + 65))
export HTTP_PORT=$((base + 80))
# The real mail clients get instances of their own: their audit events are
# read from these logs, and their wrong passwords lock nobody elsewhere.
export IMAP_CLIENTS_PORT=$((base + 50)) IMAP_CLIENTS_TLS_PORT=$((base + 51))
export SMTP_CLIENTS_PORT=$((base + 52)) SMTP_CLIENTS_TLS_PORT=$((base + 53))
# Free for checks that start servers of their own (+0..+9).
export INTEROP_SPARE_PORT=$((base + 56))
logs=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-interop.XXXXXX")
export INTEROP_LOG_DIR=$logs
export RUST_LOG=${RUST_LOG:-info}
# One certificate for every server of this run (made by the first to start).
export TLS_DIR="$logs/tls" TLS_CERT="$logs/tls/cert.pem"

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pids=()
}
trap stop_all EXIT

start() { # start <name> <example> <args...>: runs it, waits for "ready"/"issuer"
  local name=$1 example=$2
  shift 2
  case "$example" in imap_server | submission_server) set -- "$@" --tls-dir "$TLS_DIR" ;; esac
  "$bin/$example" "$@" >"$logs/$name.out" 2>"$logs/$name.log" &
  pids+=($!)
  local i
  for i in $(seq 1 300); do
    if grep -qE '^(ready|dev_idp: issuer)' "$logs/$name.out" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.2
  done
  say "$name did not start; its log:"
  cat "$logs/$name.out" "$logs/$name.log"
  echo "0 passed, 1 failed"
  exit 1
}

idp=(--idp-issuer "$IDP_URL")
start idp dev_idp --port "$((base + 0))"
start imap imap_server --port "$IMAP_PORT" --tls-port "$IMAPS_PORT" "${idp[@]}"
start imap-xoauth2 imap_server --port "$IMAP_XOAUTH2_PORT" --tls-port "$IMAP_XOAUTH2_TLS_PORT" \
  --mechanisms XOAUTH2,PLAIN,LOGIN "${idp[@]}"
start imap-strict imap_server --port "$IMAP_STRICT_PORT" --tls-port "$IMAP_STRICT_TLS_PORT" \
  --require-tls --idp-issuer "$DEAD_IDP_URL"
start smtp submission_server --port "$SMTP_PORT" --tls-port "$SMTP_TLS_PORT" "${idp[@]}"
start smtp-xoauth2 submission_server --port "$SMTP_XOAUTH2_PORT" --tls-port "$((base + 66))" \
  --mechanisms XOAUTH2,PLAIN,LOGIN "${idp[@]}"
# rustls's complaint about an IP address as SNI shows here at debug level
# (a check looks for it, and for no WARN).
RUST_LOG="$RUST_LOG,rustls::msgs::handshake=debug" \
  start imap-clients imap_server --port "$IMAP_CLIENTS_PORT" --tls-port "$IMAP_CLIENTS_TLS_PORT" "${idp[@]}"
start smtp-clients submission_server --port "$SMTP_CLIENTS_PORT" --tls-port "$SMTP_CLIENTS_TLS_PORT" "${idp[@]}"
start http jmap_http --port "$HTTP_PORT" "${idp[@]}"
# The review's attacks lock accounts out: they get an instance of their own.
export IMAP_HARDENING_PORT=$((base + 47))
start imap-hardening imap_server --port "$IMAP_HARDENING_PORT" --tls-port "$((base + 97))" "${idp[@]}"
# Behind a trusted front end: loopback plays the proxy, naming clients in
# IMAP ID or in a PROXY protocol v2 header.
export IMAP_PROXIED_PORT=$((base + 48)) IMAP_PROXY_PROTOCOL_PORT=$((base + 49))
start imap-proxied imap_server --port "$IMAP_PROXIED_PORT" --tls-port "$((base + 98))" \
  --trusted-proxy 127.0.0.1/32
start imap-proxy-protocol imap_server --port "$IMAP_PROXY_PROTOCOL_PORT" --tls-port "$((base + 99))" \
  --trusted-proxy 127.0.0.1/32 --proxy-protocol
# An instance over a copy of the directory, which one check edits and
# reloads (SIGHUP) to revoke an app password.
# The demo accounts from real stores, when .ci/run started them
# (.ci/services/postgres.sh and slapd.sh export their URLs).
if [ -n "${PORTCULLIS_TEST_POSTGRES_URL:-}" ] && have psql; then
  psql -q -v ON_ERROR_STOP=1 "$PORTCULLIS_TEST_POSTGRES_URL" \
    -f crates/portcullis-sql/migrations/0001_init.sql -f examples/data/demo.sql >/dev/null
  export IMAP_POSTGRES_PORT=$((base + 70))
  start imap-postgres imap_server --port "$IMAP_POSTGRES_PORT" --tls-port "$((base + 71))" \
    --directory "$PORTCULLIS_TEST_POSTGRES_URL"
fi
if [ -n "${PORTCULLIS_TEST_LDAP_URL:-}" ]; then
  export IMAP_LDAP_PORT=$((base + 72))
  start imap-ldap imap_server --port "$IMAP_LDAP_PORT" --tls-port "$((base + 73))" \
    --directory "$PORTCULLIS_TEST_LDAP_URL"
fi
# Two servers sharing throttling and revocations through Redis (issue 15),
# when .ci/run started redis-server (a throw-away server: the demo's keys
# of an earlier run are dropped first).
if [ -n "${PORTCULLIS_TEST_REDIS_URL:-}" ] && have redis-cli; then
  redis-cli -u "$PORTCULLIS_TEST_REDIS_URL" --scan --pattern 'portcullis:*' |
    xargs -r redis-cli -u "$PORTCULLIS_TEST_REDIS_URL" DEL >/dev/null
  export IMAP_REDIS_A_PORT=$((base + 74)) IMAP_REDIS_B_PORT=$((base + 76))
  start imap-redis-a imap_server --port "$IMAP_REDIS_A_PORT" --tls-port "$((base + 75))" \
    --redis "$PORTCULLIS_TEST_REDIS_URL"
  start imap-redis-b imap_server --port "$IMAP_REDIS_B_PORT" --tls-port "$((base + 77))" \
    --redis "$PORTCULLIS_TEST_REDIS_URL"
fi
export IMAP_RELOAD_PORT=$((base + 46)) IMAP_RELOAD_DIRECTORY="$logs/directory.toml"
cp examples/data/directory.toml "$IMAP_RELOAD_DIRECTORY"
start imap-reload imap_server --port "$IMAP_RELOAD_PORT" --tls-port "$((base + 96))" \
  --directory "$IMAP_RELOAD_DIRECTORY" --idp-issuer "$DEAD_IDP_URL"
export IMAP_RELOAD_PID=${pids[-1]}
# The servers fetch the IdP's keys in the background: wait until they have.
for name in imap imap-xoauth2 smtp smtp-xoauth2 http imap-hardening imap-clients smtp-clients; do
  for i in $(seq 1 100); do
    grep -q 'to="ready"' "$logs/$name.log" && break
    sleep 0.1
  done
done
say "servers up (logs in $logs)"

# --- checks ------------------------------------------------------------------------
python3 tests/interop/interop.py "$@" | tee "$logs/result.txt"
status=${PIPESTATUS[0]}
stop_all
if [ "$status" -ne 0 ]; then
  for f in "$logs"/*.log; do
    say "--- last lines of $f"
    tail -n 20 "$f"
  done
  # The summary stays the last line.
  tail -n 1 "$logs/result.txt"
fi
exit "$status"
