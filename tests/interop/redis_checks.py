"""Two imap_server instances sharing one Redis (`--redis`, issue 15): the
failures counted through one server lock the account on the other. Each
login is judged by the server's tagged reply, through Python's imaplib."""

import imaplib
import os

from interop import ALICE, ALICE_PW, Skip, check, eq

LOCKED = "[UNAVAILABLE] Too many failed attempts; try again later"
WRONG = "[AUTHENTICATIONFAILED] Authentication failed"


def redis_port(name):
    value = os.environ.get(name)
    if not value:
        raise Skip("redis-server is not running (.ci/services/redis.sh starts it; .ci/run does)")
    return int(value)


def login_reply(port, user, password):
    """The text of the tagged LOGIN reply (OK's or NO's)."""
    with imaplib.IMAP4("127.0.0.1", port, timeout=30) as c:
        try:
            typ, data = c.login(user, password)
        except imaplib.IMAP4.error as e:
            return e.args[0].decode()
        return f"{typ} {data[0].decode()}"


@check("redis: failures through two servers add up, and the lock holds on both")
def _():
    a, b = redis_port("IMAP_REDIS_A_PORT"), redis_port("IMAP_REDIS_B_PORT")
    # Five distinct wrong guesses (a resent one counts once), split 3 + 2.
    for n, server in enumerate((a, a, a, b, b)):
        eq(login_reply(server, ALICE, f"not-the-password-{n}"), WRONG, f"guess {n}")
    for server in (a, b):
        eq(login_reply(server, ALICE, ALICE_PW), LOCKED, f"the right password on {server}")
