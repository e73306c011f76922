#!/usr/bin/env python3
"""Interop checks: real clients (curl, imaplib, smtplib) against the example
servers. Standard library only. Started by tests/interop/run.sh, which
starts the servers and passes their ports in the environment.

Each check is a function registered with @check; it raises AssertionError
(or any exception) to fail. The last line printed is `N passed, M failed`.
"""

import base64
import hashlib
import hmac
import importlib
import os
import socket
import ssl
import struct
import subprocess
import sys
import time
import traceback
import urllib.parse
import urllib.request

CHECKS = []


def check(name):
    """Registers a check, run in registration order."""

    def register(fn):
        CHECKS.append((name, fn))
        return fn

    return register


def env(name):
    return os.environ[name]


def port(name):
    return int(env(name))


# --- Demo directory (examples/data/directory.toml) ---------------------------

ALICE = "alice@example.org"
ALICE_PW = "wonderland"
ALICE_APP = "app_aaaaaai922dkeq9vonubccn9a2nyk72xshlq"  # imap-only
ALICE_API_KEY = "API_AAAAAQAAAAQxMeJZ1mUsHA5AltpvF8Kwi9aGwQ"  # JMAP only, names account 1
ADMIN = "admin@example.org"
ADMIN_PW = "admin-secret"
ADMIN_APP = "app_aaaaaaxtuzkdlk92jcgrkjn2ivsxgth11qza"
BOB = "bob@example.org"
BOB_PW = "builder"
BOB_TOTP = "NYQDSSC5CEJ6CK7SI4KAV3TYNUKDTM53"
CAROL = "carol@example.org"
CAROL_APP = "app_aaaaaa0dybg9pa2igezkj3zc39gt3jnlumfa"  # OIDC principal, mail-only
IMPERSONATE_ALICE = f"{ALICE}%{ADMIN}"

AFTER_LOGIN_CAPS = "IMAP4rev1 SASL-IR ID ENABLE NAMESPACE UNSELECT"
HONEST_IMPERSONATION = "app passwords cannot be used to impersonate; use your account password"


def eq(actual, expected, what=""):
    if actual != expected:
        raise AssertionError(f"{what}\n  expected: {expected!r}\n  actual:   {actual!r}")


def contains(haystack, needle, what=""):
    if needle not in haystack:
        raise AssertionError(f"{what}\n  expected to contain: {needle!r}\n  in: {haystack!r}")


def absent(haystack, needle, what=""):
    if needle in haystack:
        raise AssertionError(f"{what}\n  expected NOT to contain: {needle!r}\n  in: {haystack!r}")


# --- Tokens from the local IdP stand-in (the dev_idp example) ---------------


MINTED = []


def mint(sub=ALICE, **params):
    """A token from dev_idp's /token endpoint (ES256, key made at its start)."""
    query = "&".join(f"{k}={urllib.parse.quote(str(v))}" for k, v in dict(sub=sub, **params).items())
    with urllib.request.urlopen(f"{env('IDP_URL')}/token?{query}", timeout=10) as response:
        token = response.read().decode().strip()
    MINTED.append(token)
    return token


def totp(secret_b32, at=None):
    """RFC 6238 TOTP (SHA-1, 6 digits, 30 s)."""
    key = base64.b32decode(secret_b32)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def xoauth2(user, token):
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def unverified_tls():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


# --- curl --------------------------------------------------------------------


class CurlResult:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        # `curl -v` shows what the server sent as "< line" and what curl sent
        # as "> line".
        self.received = [l[2:] for l in self.stderr.splitlines() if l.startswith("< ")]
        self.sent = [l[2:] for l in self.stderr.splitlines() if l.startswith("> ")]

    def reply_to(self, command):
        """The tagged IMAP reply to the first command starting with
        `command` (e.g. "AUTHENTICATE")."""
        for line in self.sent:
            tag, _, rest = line.partition(" ")
            if rest.upper().startswith(command):
                for got in self.received:
                    if got.startswith(tag + " "):
                        return got[len(tag) + 1 :]
        raise AssertionError(f"no reply to {command}; curl sent {self.sent}, got {self.received}")

    def __repr__(self):
        return f"curl rc={self.rc}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def curl(*args, stdin=None):
    completed = subprocess.run(
        ["curl", "-sS", "-v", "--max-time", "30", *args],
        input=stdin,
        capture_output=True,
        text=True,
    )
    return CurlResult(completed)


# --- a raw line client, for what no library client does (cancel, literals) ---


class LineClient:
    def __init__(self, port, tls=False, preamble=b""):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        if preamble:
            # What a proxy sends first (a PROXY protocol header).
            sock.sendall(preamble)
        if tls:
            sock = unverified_tls().wrap_socket(sock, server_hostname="localhost")
        self.sock = sock
        self.file = sock.makefile("rb")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        return self.file.readline().decode().rstrip("\r\n")

    def until(self, prefix):
        """Reads lines until one starts with `prefix`; returns it."""
        while True:
            got = self.line()
            if got.startswith(prefix) or got == "":
                return got

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    only = sys.argv[1:]
    for module in ("imap_checks", "smtp_checks", "http_checks", "example_checks", "audit_checks", "hardening_checks"):
        importlib.import_module(module)
    passed = failed = 0
    for name, fn in CHECKS:
        if only and not any(o in name for o in only):
            continue
        started = time.monotonic()
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - every failure is reported
            failed += 1
            detail = str(error) if isinstance(error, AssertionError) else traceback.format_exc()
            print(f"not ok - {name} ({time.monotonic() - started:.2f}s)\n    " + detail.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok - {name} ({time.monotonic() - started:.2f}s)")
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    # The check modules `import interop`: let them share this module's
    # CHECKS list instead of loading a second copy.
    sys.modules["interop"] = sys.modules[__name__]
    sys.exit(main())
