"""SCRAM-SHA-256(-PLUS) from Python's imaplib with scramp (a SCRAM client
of its own, installed by run.sh) against the example IMAP server over
implicit TLS: channel binding `tls-server-end-point` (RFC 5929), which is
what Python's ssl module can give; gsasl covers `tls-exporter`
(client_checks.py). alice has SCRAM keys beside her argon2id hash."""

import imaplib

from interop import ALICE, ALICE_PW, AuditLog, Skip, check, contains, eq, port, verified_tls


def scramp():
    try:
        import scramp as module
    except ImportError:
        raise Skip("the Python module scramp is not installed (run.sh installs it with pip)")
    return module


class Exchange:
    """imaplib's authobject: feeds each challenge to a scramp client."""

    def __init__(self, client):
        self.client = client
        self.step = 0
        self.server_signature_checked = False

    def __call__(self, challenge):
        self.step += 1
        if self.step == 1:
            return self.client.get_client_first().encode()
        if self.step == 2:
            self.client.set_server_first(challenge.decode())
            return self.client.get_client_final().encode()
        # `v=`: scramp raises if the server's signature is wrong.
        self.client.set_server_final(challenge.decode())
        self.server_signature_checked = True
        return b""


def authenticate(mechanisms, binding, password=ALICE_PW):
    """One AUTHENTICATE over implicit TLS; (the IMAP reply or the error,
    the exchange). `binding`: None, or a function of the TLS socket giving
    scramp's channel_binding."""
    module = scramp()
    with imaplib.IMAP4_SSL("localhost", port("IMAP_CLIENTS_TLS_PORT"), ssl_context=verified_tls(), timeout=30) as c:
        cb = binding(c.sock) if binding else None
        exchange = Exchange(module.ScramClient(mechanisms, ALICE, password, channel_binding=cb))
        try:
            typ, data = c.authenticate(exchange.client.mechanism_name, exchange)
            return f"{typ} {data[0].decode()}", exchange
        except imaplib.IMAP4.error as error:
            return str(error), exchange


def end_point(sock):
    return ("tls-server-end-point", sock)


@check("scramp + imaplib: SCRAM-SHA-256-PLUS bound with tls-server-end-point, server signature verified -> audit grant")
def _():
    audit = AuditLog("imap-clients")
    reply, exchange = authenticate(["SCRAM-SHA-256-PLUS"], end_point)
    contains(reply, f"Logged in as {ALICE} with password", reply)
    eq(exchange.server_signature_checked, True, "scramp checked v=")
    audit.expect(reply, count=1, outcome="grant", surface="imap", login=ALICE, credential_kind="password")


@check("scramp + imaplib: SCRAM-SHA-256 over TLS without binding (gs2 'n') -> grant")
def _():
    reply, exchange = authenticate(["SCRAM-SHA-256"], None)
    contains(reply, f"Logged in as {ALICE} with password", reply)
    eq(exchange.server_signature_checked, True, "scramp checked v=")


@check("scramp + imaplib: a client that could bind but says 'y' while -PLUS is offered -> refused as a downgrade")
def _():
    audit = AuditLog("imap-clients")
    reply, exchange = authenticate(["SCRAM-SHA-256"], end_point)
    contains(reply, "AUTHENTICATIONFAILED", reply)
    eq(exchange.step, 1, "refused at the client-first message")
    audit.expect(reply, count=1, outcome="deny", reason="channel-binding-refused", surface="imap")


@check("scramp + imaplib: -PLUS with another channel's binding (a relay in the middle) -> refused, no server signature")
def _():
    audit = AuditLog("imap-clients")
    reply, exchange = authenticate(["SCRAM-SHA-256-PLUS"], lambda sock: ("tls-server-end-point", b"\0" * 32))
    contains(reply, "AUTHENTICATIONFAILED", reply)
    eq(exchange.server_signature_checked, False, "no v= for a refused exchange")
    audit.expect(reply, count=1, outcome="deny", reason="channel-binding-refused", surface="imap", login=ALICE)
