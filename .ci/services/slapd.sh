#!/usr/bin/env bash
# A throw-away OpenLDAP server for portcullis-ldap's integration tests.
#
#   .ci/services/slapd.sh start [ENV_FILE]   install (if needed), configure, seed, start
#   .ci/services/slapd.sh stop               kill it and remove its directory
#
# `start` prints `export PORTCULLIS_TEST_LDAP_…=…` lines on stdout (or writes
# them to ENV_FILE) so a caller can `source` them; everything else goes to
# stderr. The server listens on 127.0.0.1 only, on the first free port from
# 25389 (or $PORTCULLIS_SLAPD_PORT), with its config, database and pid file
# under $PORTCULLIS_SLAPD_DIR (default /tmp/portcullis-slapd). The Debian
# package's own configuration is never used or started.
#
# Seeded directory (suffix dc=example,dc=org; memberOf maintained by the
# memberof overlay):
#   cn=portcullis,ou=services   the service account (reads everything)
#   alice@example.org           {SSHA} "alice-secret", group mail-admins, tenant "example"
#   bob@example.org             {SSHA} "bob-secret", employeeType: disabled
#   carol@example.net           {CRYPT} sha512-crypt "carol-secret", tenant "other"
#   cn=mail-admins,ou=groups    groupOfNames with alice
set -euo pipefail

DIR=${PORTCULLIS_SLAPD_DIR:-/tmp/portcullis-slapd}
SUFFIX="dc=example,dc=org"
ROOT_DN="cn=admin,${SUFFIX}"
ROOT_PW="admin-$$-${RANDOM}"
SERVICE_DN="cn=portcullis,ou=services,${SUFFIX}"
SERVICE_PW="service-secret"

log() { printf 'slapd.sh: %s\n' "$*" >&2; }

install() {
  if command -v slapd >/dev/null && command -v ldapsearch >/dev/null && command -v slappasswd >/dev/null; then
    return
  fi
  log "installing slapd and ldap-utils"
  export DEBIAN_FRONTEND=noninteractive
  # The package's postinst would configure and start its own server; we use
  # neither (policy-rc.d usually forbids the start in containers anyway).
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends slapd ldap-utils >&2
}

# shellcheck source=ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
pick_port() { free_port 25389 PORTCULLIS_SLAPD_PORT; }

stop() {
  if [[ -f $DIR/slapd.pid ]]; then
    local pid
    pid=$(cat "$DIR/slapd.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
      log "stopped slapd (pid $pid)"
    fi
  fi
  rm -rf "$DIR"
}

start() {
  local env_file=${1:-}
  install
  stop
  mkdir -p "$DIR/data"
  chmod 700 "$DIR"
  local port url tls_port tls_url
  port=$(pick_port)
  url="ldap://127.0.0.1:${port}/"
  tls_port=$((port + 1000))
  tls_url="ldaps://127.0.0.1:${tls_port}/"
  # A throw-away self-signed certificate for LDAPS and StartTLS.
  mkdir -p "$DIR/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" 2>/dev/null

  local root_hash service_hash alice_hash bob_hash carol_hash
  root_hash=$(slappasswd -h '{SSHA}' -s "$ROOT_PW")
  service_hash=$(slappasswd -h '{SSHA}' -s "$SERVICE_PW")
  alice_hash=$(slappasswd -h '{SSHA}' -s 'alice-secret')
  bob_hash=$(slappasswd -h '{SSHA}' -s 'bob-secret')
  carol_hash=$(slappasswd -h '{CRYPT}' -c '$6$%.16s' -s 'carol-secret')

  cat >"$DIR/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

TLSCertificateFile    $DIR/tls/cert.pem
TLSCertificateKeyFile $DIR/tls/key.pem

pidfile  $DIR/slapd.pid
argsfile $DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof

database mdb
suffix   "$SUFFIX"
rootdn   "$ROOT_DN"
rootpw   $root_hash
directory $DIR/data
index objectClass eq
index mail,uid,cn eq
index member eq

overlay memberof

# The service account reads everything (userPassword included: attribute
# mode); anonymous clients may only bind; nobody else reads passwords.
access to attrs=userPassword
  by dn.exact="$SERVICE_DN" read
  by anonymous auth
  by * none
access to *
  by dn.exact="$SERVICE_DN" read
  by self read
  by * none
EOF

  cat >"$DIR/seed.ldif" <<EOF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=services,$SUFFIX
objectClass: organizationalUnit
ou: services

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: $SERVICE_DN
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: portcullis
userPassword: $service_hash

dn: uid=alice,ou=people,$SUFFIX
objectClass: inetOrgPerson
uid: alice
cn: Alice Example
sn: Example
displayName: Alice Example
mail: alice@example.org
o: example
userPassword: $alice_hash

dn: uid=bob,ou=people,$SUFFIX
objectClass: inetOrgPerson
uid: bob
cn: Bob Example
sn: Example
mail: bob@example.org
employeeType: disabled
userPassword: $bob_hash

dn: uid=carol,ou=people,$SUFFIX
objectClass: inetOrgPerson
uid: carol
cn: Carol Other
sn: Other
mail: carol@example.net
o: other
userPassword: $carol_hash

dn: cn=mail-admins,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: mail-admins
member: uid=alice,ou=people,$SUFFIX
EOF

  log "starting slapd on $url (config in $DIR)"
  slapd -f "$DIR/slapd.conf" -h "$url $tls_url" >&2
  local ready=""
  for _ in $(seq 100); do
    if ldapsearch -x -LLL -H "$url" -D "$ROOT_DN" -w "$ROOT_PW" -s base -b "$SUFFIX" dn >/dev/null 2>&1 \
      || ldapsearch -x -LLL -H "$url" -s base -b "" namingContexts >/dev/null 2>&1; then
      ready=yes
      break
    fi
    sleep 0.1
  done
  if [[ -z $ready ]]; then
    log "slapd did not answer on $url"
    exit 1
  fi
  # Seed through the protocol so the memberof overlay fills memberOf.
  ldapadd -x -H "$url" -D "$ROOT_DN" -w "$ROOT_PW" -f "$DIR/seed.ldif" >/dev/null
  # The example servers' demo accounts (`--directory ldap://…`).
  local demo
  demo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/examples/data/demo.ldif"
  if [ -f "$demo" ]; then
    ldapadd -x -H "$url" -D "$ROOT_DN" -w "$ROOT_PW" -f "$demo" >/dev/null
  fi
  # Check the seed as the tests will see it: as the service account.
  local check
  check=$(ldapsearch -x -LLL -H "$url" -D "$SERVICE_DN" -w "$SERVICE_PW" -b "ou=people,$SUFFIX" \
    "(mail=alice@example.org)" memberOf userPassword)
  if [[ $check != *"memberOf: cn=mail-admins"* || $check != *"userPassword"* ]]; then
    log "the seeded directory does not answer as expected"
    exit 1
  fi

  local exports
  exports=$(cat <<EOF
export PORTCULLIS_TEST_LDAP_URL='$url'
export PORTCULLIS_TEST_LDAP_BIND_DN='$SERVICE_DN'
export PORTCULLIS_TEST_LDAP_BIND_PASSWORD='$SERVICE_PW'
export PORTCULLIS_TEST_LDAP_BASE='ou=people,$SUFFIX'
export PORTCULLIS_TEST_LDAPS_URL='$tls_url'
export PORTCULLIS_TEST_LDAP_CA='$DIR/tls/cert.pem'
EOF
)
  if [[ -n $env_file ]]; then
    printf '%s\n' "$exports" >"$env_file"
    log "wrote the environment to $env_file"
  else
    printf '%s\n' "$exports"
  fi
  log "ready"
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop ;;
  *)
    echo "usage: $0 start [ENV_FILE] | stop" >&2
    exit 2
    ;;
esac
