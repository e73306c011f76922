"""The security review's attacks (issue 19), replayed on the wire against a
dedicated imap_server instance with the example's default settings, so the
lockouts they cause touch no other check."""

import imaplib

from interop import ALICE, ALICE_PW, ADMIN, check, curl, eq, mint, port


def imap():
    return imaplib.IMAP4("127.0.0.1", port("IMAP_HARDENING_PORT"), timeout=30)


def login_reply(user, password):
    """The text of the tagged LOGIN reply (OK's or NO's)."""
    with imap() as c:
        try:
            typ, data = c.login(user, password)
        except imaplib.IMAP4.error as e:
            return e.args[0].decode()
        return f"{typ} {data[0].decode()}"


@check("hardening: a token whose username holds '%' never impersonates (OAUTHBEARER)")
def _():
    url = f"imap://127.0.0.1:{port('IMAP_HARDENING_PORT')}/"
    for username in (f"{ALICE}%{ADMIN}", f"{ADMIN}%{ADMIN}"):
        token = mint(sub="x", username=username)
        r = curl(url, "-u", f"{username}:", "--login-options", "AUTH=OAUTHBEARER", "--oauth2-bearer", token)
        eq(r.rc, 67, f"{username}\n{r!r}")
        eq(r.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Authentication failed", username)


@check("hardening: while alice is locked, alice%alice and admin%alice are locked too")
def _():
    for _ in range(6):
        reply = login_reply(ALICE, "not-the-password")
    eq(reply, "[UNAVAILABLE] Too many failed attempts; try again later", "after six wrong passwords")
    for user in (ALICE, f"{ALICE}%{ALICE}", f"{ADMIN}%{ALICE}", "alice@EXAMPLE.ORG"):
        eq(login_reply(user, ALICE_PW), "[UNAVAILABLE] Too many failed attempts; try again later", user)
