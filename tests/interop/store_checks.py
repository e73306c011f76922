"""The demo accounts from real stores: imap_server with --directory
postgres://… and ldap://… (issue 14), when .ci/run started PostgreSQL and
slapd. Each login is judged by the server's tagged reply."""

import os

from interop import ADMIN, ADMIN_PW, ALICE, ALICE_PW, Skip, check, curl, eq


def store_port(name, service):
    value = os.environ.get(name)
    if not value:
        raise Skip(f"{service} is not running (.ci/services/ starts it; .ci/run does)")
    return int(value)


def logins(port):
    url = f"imap://127.0.0.1:{port}/"
    granted = curl(url, "-u", f"{ALICE}:{ALICE_PW}", "--login-options", "AUTH=PLAIN")
    eq(granted.rc, 0, f"alice's password\n{granted!r}")
    wrong = curl(url, "-u", f"{ALICE}:not-the-password", "--login-options", "AUTH=PLAIN")
    eq(wrong.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Authentication failed")
    unknown = curl(url, "-u", "nobody@example.org:not-the-password", "--login-options", "AUTH=PLAIN")
    eq(unknown.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Authentication failed")
    acting = curl(url, "-u", f"{ALICE}%{ADMIN}:{ADMIN_PW}", "--login-options", "AUTH=PLAIN")
    eq(acting.rc, 0, f"admin acting as alice\n{acting!r}")
    eq(
        acting.reply_to("AUTHENTICATE").split("] ", 1)[-1],
        f"Logged in as {ALICE} (impersonated by {ADMIN}) with password",
    )


@check("store: imap_server --directory postgres://… logs the demo accounts in")
def _():
    logins(store_port("IMAP_POSTGRES_PORT", "PostgreSQL"))


@check("store: imap_server --directory ldap://… logs the demo accounts in")
def _():
    logins(store_port("IMAP_LDAP_PORT", "slapd"))
