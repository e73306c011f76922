#!/usr/bin/env python3
"""Record what real SASL clients send, for portcullis-sasl's test vectors.

A tiny IMAP and SMTP server on 127.0.0.1 (standard library only) speaks just
enough of each protocol for curl and Python's imaplib/smtplib to log in. Each
client run is written to ../data/captures/<name>.txt as `S:`/`C:` lines with a
header naming the client, its version, the command and the credentials the
exchange must yield. The server's challenges are exactly what
portcullis-sasl's ServerExchange sends with its default policy, so the test
harness can compare both directions.

Usage: python3 capture.py [--out DIR]   (needs curl on PATH)

Never run against anything but loopback: the server binds 127.0.0.1 only and
every client is bounded by a timeout.
"""

import argparse
import base64
import imaplib
import json
import os
import smtplib
import socket
import socketserver
import subprocess
import sys
import threading

USER = "alice@example.org"
PASSWORD = "pässwörd 🔑"
# smtplib encodes AUTH responses as ASCII, so its runs use an ASCII password.
ASCII_PASSWORD = "correct horse battery staple"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLV8ufi8r"
ERROR_JSON = json.dumps({"status": "invalid_token"}, separators=(",", ":"))
XOAUTH2_ERROR_JSON = json.dumps({"status": "401", "schemes": "bearer"}, separators=(",", ":"))
MECHS = ["PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2"]


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


class Session:
    """Per-run settings shared with the handler, and the transcript."""

    def __init__(self, mechs, reject_token):
        self.mechs = mechs
        self.reject_token = reject_token
        self.lines = []


class Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def send(self, line):
        self.server.session.lines.append("S: " + line)
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def recv(self):
        raw = self.rfile.readline(100_000)
        if not raw:
            self.server.session.lines.append("C: <eof>")
            return None
        line = raw.rstrip(b"\r\n").decode("utf-8", "backslashreplace")
        self.server.session.lines.append("C: " + line)
        return line

    def sasl(self, mech, initial, cont):
        """Runs one exchange with the default challenges; returns success,
        or None when the client closed the connection."""
        mech = mech.upper()

        def answer():
            line = self.recv()
            return None if line is None else line != "*"

        if mech == "LOGIN":
            if initial is None or initial == "=":
                self.send(cont + b64("Username:"))
                if not (ok := answer()):
                    return ok
            self.send(cont + b64("Password:"))
            return answer()
        if initial is None:
            self.send(cont)
            if not (ok := answer()):
                return ok
        if mech in ("OAUTHBEARER", "XOAUTH2") and self.server.session.reject_token:
            self.send(cont + b64(ERROR_JSON if mech == "OAUTHBEARER" else XOAUTH2_ERROR_JSON))
            return None if self.recv() is None else False
        return True

    def handle(self):
        if self.server.protocol == "imap":
            self.imap()
        else:
            self.smtp()

    def imap(self):
        caps = "IMAP4rev1 SASL-IR " + " ".join("AUTH=" + m for m in self.server.session.mechs)
        self.send("* OK capture server ready")
        while (line := self.recv()) is not None:
            parts = line.split(" ")
            tag, cmd = parts[0], (parts[1].upper() if len(parts) > 1 else "")
            if cmd == "CAPABILITY":
                self.send("* CAPABILITY " + caps)
                self.send(tag + " OK CAPABILITY completed")
            elif cmd == "AUTHENTICATE":
                ok = self.sasl(parts[2], parts[3] if len(parts) > 3 else None, "+ ")
                if ok is None:
                    return
                if ok:
                    self.send(tag + " OK [CAPABILITY " + caps + "] Logged in")
                else:
                    self.send(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.")
            elif cmd == "LOGOUT":
                self.send("* BYE bye")
                self.send(tag + " OK LOGOUT completed")
                return
            elif cmd in ("LIST", "SELECT", "EXAMINE", "NOOP"):
                self.send(tag + " OK " + cmd + " completed")
            else:
                self.send(tag + " BAD unsupported")

    def smtp(self):
        self.send("220 capture.example ESMTP ready")
        while (line := self.recv()) is not None:
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.send("250-capture.example")
                self.send("250-AUTH " + " ".join(self.server.session.mechs))
                self.send("250 8BITMIME")
            elif verb == "AUTH":
                parts = line.split(" ")
                ok = self.sasl(parts[1], parts[2] if len(parts) > 2 else None, "334 ")
                if ok is None:
                    return
                if ok:
                    self.send("235 2.7.0 Authentication successful")
                else:
                    self.send("535 5.7.8 Authentication credentials invalid")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.send("250 2.0.0 OK")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                while (body := self.rfile.readline(100_000)) and body.rstrip(b"\r\n") != b".":
                    pass
                self.server.session.lines.append("C: <message body elided>")
                self.send("250 2.0.0 queued")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            else:
                self.send("502 5.5.2 unsupported")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(protocol, session):
    server = Server(("127.0.0.1", 0), Handler)
    server.protocol = protocol
    server.session = session
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def curl_version():
    return subprocess.run(["curl", "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]


def run_curl(protocol, port, args):
    url = f"{protocol}://127.0.0.1:{port}/"
    cmd = ["curl", "-s", "--max-time", "10", url] + args
    if protocol == "smtp":
        cmd += ["--mail-from", USER, "--mail-rcpt", "bob@example.org", "-T", "-"]
    subprocess.run(cmd, input=b"Subject: capture\r\n\r\nhello\r\n", capture_output=True, timeout=20)
    return " ".join(c if c != url else f"{protocol}://127.0.0.1:PORT/" for c in cmd)


def py_imap(port, kind):
    conn = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        if kind == "PLAIN":
            conn.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
        elif kind == "LOGIN":
            conn.authenticate("LOGIN", lambda ch: (USER if ch == b"Username:" else PASSWORD).encode())
        elif kind == "XOAUTH2":
            conn.authenticate("XOAUTH2", lambda _: f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01".encode())
        conn.logout()
    except imaplib.IMAP4.error:
        pass


def py_smtp(port, kind):
    conn = smtplib.SMTP("127.0.0.1", port, timeout=10)
    conn.ehlo("client.example")
    if kind in ("login()", "login()-LOGIN"):
        conn.login(USER, ASCII_PASSWORD)
    elif kind == "PLAIN-no-ir":
        conn.user, conn.password = USER, ASCII_PASSWORD
        conn.auth("PLAIN", conn.auth_plain, initial_response_ok=False)
    elif kind == "XOAUTH2":
        conn.auth("XOAUTH2", lambda _=None: f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01")
    conn.quit()


PLAIN_CREDS = {"mechanism": "PLAIN", "authzid": None, "authcid": USER, "password": PASSWORD}
LOGIN_CREDS = {"mechanism": "LOGIN", "authzid": None, "authcid": USER, "password": PASSWORD}
OB_CREDS = {"mechanism": "OAUTHBEARER", "authzid": USER, "host": "127.0.0.1", "port": "PORT", "token": TOKEN}
XO_CREDS = {"mechanism": "XOAUTH2", "user": USER, "token": TOKEN}


def curl_runs():
    up = ["-u", f"{USER}:{PASSWORD}"]
    bearer = ["-u", f"{USER}:", "--oauth2-bearer", TOKEN]
    runs = []
    for proto in ("imap", "smtp"):
        runs += [
            (f"curl-{proto}-plain", proto, ["--login-options", "AUTH=PLAIN"] + up, False, PLAIN_CREDS),
            (f"curl-{proto}-plain-sasl-ir", proto, ["--login-options", "AUTH=PLAIN", "--sasl-ir"] + up, False, PLAIN_CREDS),
            (f"curl-{proto}-login", proto, ["--login-options", "AUTH=LOGIN"] + up, False, LOGIN_CREDS),
            (f"curl-{proto}-login-sasl-ir", proto, ["--login-options", "AUTH=LOGIN", "--sasl-ir"] + up, False, LOGIN_CREDS),
            (f"curl-{proto}-oauthbearer", proto, ["--login-options", "AUTH=OAUTHBEARER"] + bearer, False, OB_CREDS),
            (f"curl-{proto}-oauthbearer-sasl-ir", proto, ["--login-options", "AUTH=OAUTHBEARER", "--sasl-ir"] + bearer, False, OB_CREDS),
            (f"curl-{proto}-oauthbearer-rejected", proto, ["--login-options", "AUTH=OAUTHBEARER", "--sasl-ir"] + bearer, True, OB_CREDS),
            (f"curl-{proto}-xoauth2-sasl-ir", proto, ["--login-options", "AUTH=XOAUTH2", "--sasl-ir"] + bearer, False, XO_CREDS),
            (f"curl-{proto}-xoauth2-rejected", proto, ["--login-options", "AUTH=XOAUTH2", "--sasl-ir"] + bearer, True, XO_CREDS),
            # curl 7.88 picks OAUTHBEARER whenever the server offers it, even with AUTH=XOAUTH2.
            (f"curl-{proto}-xoauth2-option-picks-oauthbearer", proto, ["--login-options", "AUTH=XOAUTH2", "--sasl-ir"] + bearer, False, OB_CREDS),
        ]
    runs += [
        ("curl-imap-plain-authzid", "imap", ["--login-options", "AUTH=PLAIN", "--sasl-ir", "--sasl-authzid", "shared@example.org"] + up, False,
         dict(PLAIN_CREDS, authzid="shared@example.org")),
        ("curl-smtp-plain-master-user", "smtp", ["--login-options", "AUTH=PLAIN", "--sasl-ir", "-u", "alice@example.org*master:s3cret"], False,
         dict(PLAIN_CREDS, authcid="alice@example.org*master", password="s3cret")),
        ("curl-imap-plain-target-actor", "imap", ["--login-options", "AUTH=PLAIN", "--sasl-ir", "-u", "alice@example.org%admin@example.org:s3cret"], False,
         dict(PLAIN_CREDS, authcid="alice@example.org%admin@example.org", password="s3cret")),
    ]
    return runs


def write(out, name, headers, lines):
    path = os.path.join(out, name + ".txt")
    with open(path, "w", encoding="utf-8") as f:
        for k, v in headers:
            f.write(f"# {k}: {v}\n")
        for line in lines:
            f.write(line + "\n")
    print("wrote", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "captures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    curl = curl_version()
    python = f"Python {sys.version.split()[0]}"

    for name, proto, cargs, reject, creds in curl_runs():
        # To see curl's XOAUTH2 at all, the server must not offer OAUTHBEARER.
        mechs = [m for m in MECHS if m != "OAUTHBEARER"] if "xoauth2" in name and "picks" not in name else MECHS
        session = Session(mechs, reject)
        server = serve(proto, session)
        port = server.server_address[1]
        cmd = run_curl(proto, port, cargs)
        server.shutdown()
        server.server_close()
        expect = dict(creds)
        if expect.get("port") == "PORT":
            expect["port"] = port
        headers = [("client", curl), ("protocol", proto), ("command", cmd)]
        if reject:
            headers.append(("server", "rejects the token"))
        headers.append(("expect", json.dumps(expect, ensure_ascii=False)))
        write(args.out, name, headers, session.lines)

    py_runs = [
        ("python-imaplib-plain", "imap", MECHS, lambda p: py_imap(p, "PLAIN"), "imaplib.IMAP4.authenticate('PLAIN', ...)", PLAIN_CREDS),
        ("python-imaplib-login", "imap", MECHS, lambda p: py_imap(p, "LOGIN"), "imaplib.IMAP4.authenticate('LOGIN', ...)", LOGIN_CREDS),
        ("python-imaplib-xoauth2", "imap", MECHS, lambda p: py_imap(p, "XOAUTH2"), "imaplib.IMAP4.authenticate('XOAUTH2', ...)", XO_CREDS),
        ("python-smtplib-login-method-plain", "smtp", MECHS, lambda p: py_smtp(p, "login()"), "smtplib.SMTP.login() (PLAIN chosen)", dict(PLAIN_CREDS, password=ASCII_PASSWORD)),
        ("python-smtplib-login-method-login", "smtp", ["LOGIN"], lambda p: py_smtp(p, "login()-LOGIN"), "smtplib.SMTP.login() (only AUTH LOGIN offered)", dict(LOGIN_CREDS, password=ASCII_PASSWORD)),
        ("python-smtplib-plain-no-ir", "smtp", MECHS, lambda p: py_smtp(p, "PLAIN-no-ir"), "smtplib.SMTP.auth('PLAIN', auth_plain, initial_response_ok=False)", dict(PLAIN_CREDS, password=ASCII_PASSWORD)),
        ("python-smtplib-xoauth2", "smtp", MECHS, lambda p: py_smtp(p, "XOAUTH2"), "smtplib.SMTP.auth('XOAUTH2', ...)", XO_CREDS),
    ]
    for name, proto, mechs, run, what, creds in py_runs:
        session = Session(mechs, False)
        server = serve(proto, session)
        run(server.server_address[1])
        server.shutdown()
        server.server_close()
        headers = [("client", python + " " + ("imaplib" if proto == "imap" else "smtplib")), ("protocol", proto),
                   ("command", what), ("expect", json.dumps(creds, ensure_ascii=False))]
        write(args.out, name, headers, session.lines)


if __name__ == "__main__":
    main()
