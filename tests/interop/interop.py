#!/usr/bin/env python3
"""Interop checks: real clients (curl, imaplib, smtplib, and Debian's mail
clients) against the example servers. Standard library only. Started by
tests/interop/run.sh, which starts the servers and passes their ports in
the environment.

Each check is a function registered with @check; it raises AssertionError
(or any exception) to fail, or Skip when what it needs cannot be had here
(a client that is not installed, no IPv6 loopback): it is then printed as
`ok - <name> # SKIP <reason>` and counted as passed, and a line before the
summary counts the skips. The last line printed is `N passed, M failed`.
"""

import base64
import hashlib
import hmac
import importlib
import os
import re
import shutil
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


class Skip(Exception):
    """Raised by a check that cannot run here; its message says why."""


def need(command, package):
    """The path of `command`, or Skip naming the Debian package it is in."""
    found = shutil.which(command) or shutil.which(command, path="/usr/lib/cyrus/bin")
    if not found:
        raise Skip(f"{command} is not installed (Debian package {package}; run.sh installs it as root)")
    return found


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


def verified_tls():
    """Trusts the example servers' one certificate (its file), nothing else."""
    return ssl.create_default_context(cafile=env("TLS_CERT"))


def ipv6_loopback():
    """True when ::1 can be used here."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


# --- audit events in the servers' logs -----------------------------------------

AUDIT_FIELD = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def parse_audit(line):
    """The fields of one `portcullis::audit` log line, as a dict."""
    _, _, fields = line.partition("portcullis::audit:")
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in AUDIT_FIELD.finditer(fields)}


class AuditLog:
    """The audit events one server logs from now on: start it before running a
    client, then read what the client's attempt produced."""

    def __init__(self, server):
        self.path = os.path.join(env("INTEROP_LOG_DIR"), f"{server}.log")
        self.start = os.path.getsize(self.path)

    def lines(self):
        with open(self.path, "rb") as f:
            f.seek(self.start)
            return f.read().decode("utf-8", "replace").splitlines()

    def events(self, at_least=1, timeout=3.0):
        """The events since the start (waiting up to `timeout` for `at_least`)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [parse_audit(l) for l in self.lines() if "portcullis::audit" in l]
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def expect(self, context="", count=None, **fields):
        """Asserts the client caused at least one audit event (exactly `count`
        when given), each carrying `fields`; returns the events."""
        found = self.events(at_least=count or 1)
        if not found or (count is not None and len(found) != count):
            raise AssertionError(f"expected {count or 'some'} audit event(s) with {fields}, got {found}\n{context}")
        for event in found:
            wrong = {k: event.get(k) for k, v in fields.items() if event.get(k) != v}
            if wrong:
                raise AssertionError(f"audit event {event}\n  expected {fields}\n  differs in {wrong}\n{context}")
        return found

    def expect_none(self, context=""):
        found = self.events(at_least=1, timeout=0.5)
        if found:
            raise AssertionError(f"expected no audit event, got {found}\n{context}")


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
    for module in (
        "imap_checks",
        "smtp_checks",
        "http_checks",
        "example_checks",
        "tls_checks",
        "client_checks",
        "scram_checks",
        "audit_checks",
        "hardening_checks",
        "store_checks",
        "redis_checks",
    ):
        importlib.import_module(module)
    passed = failed = 0
    skipped = []
    for name, fn in CHECKS:
        if only and not any(o in name for o in only):
            continue
        started = time.monotonic()
        try:
            fn()
        except Skip as reason:
            passed += 1
            skipped.append(name)
            print(f"ok - {name} # SKIP {reason}")
        except Exception as error:  # noqa: BLE001 - every failure is reported
            failed += 1
            detail = str(error) if isinstance(error, AssertionError) else traceback.format_exc()
            print(f"not ok - {name} ({time.monotonic() - started:.2f}s)\n    " + detail.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok - {name} ({time.monotonic() - started:.2f}s)")
        sys.stdout.flush()
    if skipped:
        print(f"# {len(skipped)} of the passed checks were skipped (see SKIP above)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    # The check modules `import interop`: let them share this module's
    # CHECKS list instead of loading a second copy.
    sys.modules["interop"] = sys.modules[__name__]
    sys.exit(main())
