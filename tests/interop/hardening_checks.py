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
    for n in range(6):
        reply = login_reply(ALICE, f"not-the-password-{n}")
    eq(reply, "[UNAVAILABLE] Too many failed attempts; try again later", "after six wrong passwords")
    for user in (ALICE, f"{ALICE}%{ALICE}", f"{ADMIN}%{ALICE}", "alice@EXAMPLE.ORG"):
        eq(login_reply(user, ALICE_PW), "[UNAVAILABLE] Too many failed attempts; try again later", user)


# --- the original client address behind a trusted front end (issue 20) ------


def proxy_v2_header(source, port=40000):
    """A PROXY protocol v2 header (HAProxy's spec) for a TCP/IPv4 client."""
    import socket
    import struct

    signature = b"\r\n\r\n\x00\r\nQUIT\n"
    addresses = socket.inet_aton(source) + socket.inet_aton("127.0.0.1") + struct.pack("!HH", port, 143)
    return signature + bytes([0x21, 0x11]) + struct.pack("!H", len(addresses)) + addresses


def proxied_login(port_name, user, password, *, via_id=None, via_proxy=None):
    """LOGIN through a front end that names the client in ID or a PROXY
    header; returns the tagged reply."""
    from interop import LineClient

    c = LineClient(port(port_name), preamble=proxy_v2_header(via_proxy) if via_proxy else b"")
    try:
        c.until("* OK")
        if via_id:
            c.send(f'i1 ID ("name" "interop-proxy" "x-originating-ip" "{via_id}")')
            c.until("i1 ")
        c.send(f'a1 LOGIN {user} "{password}"')
        return c.until("a1 ")
    finally:
        c.close()


LOCKED = "a1 NO [UNAVAILABLE] Too many failed attempts; try again later"
WRONG = "a1 NO [AUTHENTICATIONFAILED] Authentication failed"


@check("proxy: failures relayed with ID x-originating-ip lock the original address, not the proxy")
def _():
    for n in range(6):
        reply = proxied_login("IMAP_PROXIED_PORT", ALICE, f"wrong-{n}", via_id="198.51.100.7")
    eq(reply, LOCKED, "the original client is locked")
    eq(proxied_login("IMAP_PROXIED_PORT", ALICE, ALICE_PW, via_id="198.51.100.8").split(" ")[1], "OK", "another client behind the proxy")
    eq(proxied_login("IMAP_PROXIED_PORT", ALICE, ALICE_PW).split(" ")[1], "OK", "the proxy's own address")


@check("proxy: a PROXY v2 header from a trusted proxy names the client the throttle judges")
def _():
    for n in range(6):
        reply = proxied_login("IMAP_PROXY_PROTOCOL_PORT", ALICE, f"wrong-{n}", via_proxy="198.51.100.9")
    eq(reply, LOCKED, "the original client is locked")
    eq(
        proxied_login("IMAP_PROXY_PROTOCOL_PORT", ALICE, ALICE_PW, via_proxy="198.51.100.10").split(" ")[1],
        "OK",
        "another client behind the proxy",
    )


@check("proxy: ID x-originating-ip from an untrusted peer is ignored")
def _():
    from interop import BOB

    # The hardening instance trusts no proxy: the claim changes nothing, so
    # failures count against 127.0.0.1 itself.
    for n in range(6):
        reply = proxied_login("IMAP_HARDENING_PORT", BOB, f"wrong-{n}", via_id=f"198.51.100.{20 + n}")
    eq(reply, LOCKED, "locked by its real address despite six different claims")


@check("hardening: a client resending the same wrong password counts once (neomutt, smtplib)")
def _():
    from interop import CAROL, CAROL_APP

    # Twelve tries of one typo would lock the pair (limit 5) if each
    # counted; they count once, so the right secret still gets in.
    for _ in range(12):
        eq(login_reply(CAROL, "one-typo"), "[AUTHENTICATIONFAILED] Authentication failed")
    eq(login_reply(CAROL, CAROL_APP).split(" ")[0], "OK")
