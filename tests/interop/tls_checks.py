"""The example servers' TLS: one certificate for localhost, 127.0.0.1 and ::1,
kept in a folder across restarts and shared by every server; implicit-TLS
submission (RFC 8314); listeners on ::1."""

import hashlib
import imaplib
import os
import shutil
import smtplib
import socket
import ssl
import stat
import subprocess
import tempfile
import time

from interop import (
    ALICE,
    ALICE_PW,
    AuditLog,
    Skip,
    check,
    contains,
    env,
    eq,
    ipv6_loopback,
    need,
    port,
    unverified_tls,
    verified_tls,
)


def colon_hex(digest):
    return ":".join(f"{b:02X}" for b in digest)


def fingerprint_of_der(der):
    return colon_hex(hashlib.sha256(der).digest())


def cert_file_fingerprint(path=None):
    with open(path or env("TLS_CERT"), encoding="ascii") as f:
        return fingerprint_of_der(ssl.PEM_cert_to_DER_cert(f.read()))


def printed_fingerprint(out_file):
    """The `sha256 Fingerprint=…` line a server printed at start."""
    with open(out_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("sha256 Fingerprint="):
                return line.partition("=")[2]
    raise AssertionError(f"{out_file} has no 'sha256 Fingerprint=' line")


def implicit_fingerprint(tls_port, host="127.0.0.1"):
    with socket.create_connection((host, tls_port), timeout=10) as raw:
        with unverified_tls().wrap_socket(raw, server_hostname="localhost") as tls:
            return fingerprint_of_der(tls.getpeercert(binary_form=True))


def starttls_fingerprint(plain_port, protocol):
    if protocol == "imap":
        with imaplib.IMAP4("127.0.0.1", plain_port, timeout=10) as c:
            c.starttls(ssl_context=unverified_tls())
            return fingerprint_of_der(c.sock.getpeercert(binary_form=True))
    with smtplib.SMTP("127.0.0.1", plain_port, timeout=10) as s:
        s.starttls(context=unverified_tls())
        return fingerprint_of_der(s.sock.getpeercert(binary_form=True))


def out_file(name):
    return os.path.join(env("INTEROP_LOG_DIR"), f"{name}.out")


@check("tls: one certificate on every TLS port (IMAP and SMTP, implicit and STARTTLS), as printed at start")
def _():
    expected = cert_file_fingerprint()
    seen = {
        "imaps": implicit_fingerprint(port("IMAPS_PORT")),
        "imap STARTTLS": starttls_fingerprint(port("IMAP_PORT"), "imap"),
        "smtps (implicit submission)": implicit_fingerprint(port("SMTP_TLS_PORT")),
        "smtp STARTTLS": starttls_fingerprint(port("SMTP_PORT"), "smtp"),
        "printed by imap_server": printed_fingerprint(out_file("imap")),
        "printed by submission_server": printed_fingerprint(out_file("smtp")),
    }
    for what, fingerprint in seen.items():
        eq(fingerprint, expected, f"{what} vs cert.pem")


@check("tls: the certificate folder is private (0700) and so is the key (0600); cert.pem holds no key")
def _():
    folder = env("TLS_DIR")
    eq(oct(stat.S_IMODE(os.stat(folder).st_mode)), oct(0o700), folder)
    eq(oct(stat.S_IMODE(os.stat(os.path.join(folder, "server.pem")).st_mode)), oct(0o600), "server.pem")
    with open(env("TLS_CERT"), encoding="ascii") as f:
        text = f.read()
    contains(text, "-----BEGIN CERTIFICATE-----")
    eq("PRIVATE KEY" in text, False, "cert.pem must not hold the key")


class Spare:
    """A submission_server of a check's own, on the spare ports."""

    def __init__(self, tls_dir, offset):
        self.plain = port("INTEROP_SPARE_PORT") + 2 * offset
        self.tls = self.plain + 1
        self.out = tempfile.NamedTemporaryFile(prefix="spare-", suffix=".out", dir=env("INTEROP_LOG_DIR"), delete=False)
        self.err = open(self.out.name[: -len(".out")] + ".stderr", "wb")
        self.process = subprocess.Popen(
            [
                os.path.join(env("EXAMPLES_BIN"), "submission_server"),
                "--port",
                str(self.plain),
                "--tls-port",
                str(self.tls),
                "--tls-dir",
                tls_dir,
                "--idp-issuer",
                env("DEAD_IDP_URL"),
            ],
            stdout=self.out,
            stderr=self.err,
        )

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.out.name, encoding="utf-8", errors="replace") as f:
                if any(line.strip() == "ready" for line in f):
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        with open(self.out.name, encoding="utf-8", errors="replace") as f, open(self.err.name, errors="replace") as e:
            raise AssertionError(f"submission_server did not start:\n{f.read()}\n{e.read()}")

    def banner(self):
        with open(self.out.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.out.close()
        self.err.close()


@check("tls: a restarted server presents the same certificate (kept in --tls-dir), and says it kept it")
def _():
    expected = cert_file_fingerprint()
    for attempt in ("first start", "restart"):
        server = Spare(env("TLS_DIR"), 0)
        try:
            server.wait_ready()
            eq(implicit_fingerprint(server.tls), expected, attempt)
            eq(printed_fingerprint(server.out.name), expected, f"{attempt}: printed")
            contains(server.banner(), "(kept from an earlier start)", attempt)
        finally:
            server.stop()


@check("tls: two servers starting at once on an empty folder make one certificate and both serve it")
def _():
    folder = tempfile.mkdtemp(prefix="tls-race-", dir=env("INTEROP_LOG_DIR"))
    os.rmdir(folder)  # the servers make it (mode 0700)
    servers = [Spare(folder, 1), Spare(folder, 2)]
    try:
        for server in servers:
            server.wait_ready()
        on_disk = cert_file_fingerprint(os.path.join(folder, "cert.pem"))
        for server in servers:
            eq(implicit_fingerprint(server.tls), on_disk, f"port {server.tls}")
        made = sum("(made now)" in server.banner() for server in servers)
        eq(made, 1, "exactly one server made the certificate")
        leftovers = [n for n in os.listdir(folder) if n.endswith(".tmp")]
        eq(leftovers, [], "temporary files left behind")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@check("tls smtplib SMTP_SSL: login on the implicit-TLS submission port, certificate verified (localhost, 127.0.0.1)")
def _():
    for host in ("localhost", "127.0.0.1"):
        audit = AuditLog("smtp")
        with smtplib.SMTP_SSL(host, port("SMTP_TLS_PORT"), context=verified_tls(), timeout=30) as s:
            s.ehlo()
            eq(s.has_extn("starttls"), False, "no STARTTLS inside implicit TLS")
            eq(s.login(ALICE, ALICE_PW)[0], 235, host)
        audit.expect(host, count=1, surface="smtp", login=ALICE, credential_kind="password", outcome="grant")


@check("tls imaplib IMAP4_SSL: the certificate verifies for localhost and 127.0.0.1")
def _():
    for host in ("localhost", "127.0.0.1"):
        with imaplib.IMAP4_SSL(host, port("IMAPS_PORT"), ssl_context=verified_tls(), timeout=30) as c:
            eq(c.login(ALICE, ALICE_PW)[0], "OK", host)


@check("tls curl --cacert: imaps://localhost and smtps://127.0.0.1 verify against the one certificate file")
def _():
    common = ["curl", "-sS", "--max-time", "30", "--cacert", env("TLS_CERT"), "-u", f"{ALICE}:{ALICE_PW}"]
    imap = subprocess.run(
        [*common, f"imaps://localhost:{port('IMAPS_PORT')}/"], capture_output=True, text=True, timeout=60
    )
    eq(imap.returncode, 0, imap.stderr)
    contains(imap.stdout, "INBOX")
    smtp = subprocess.run(
        [*common, f"smtps://127.0.0.1:{port('SMTP_TLS_PORT')}", "--mail-from", ALICE, "--mail-rcpt",
         "bob@example.org", "-T", "-"],
        input="Subject: interop\r\n\r\nhello\r\n", capture_output=True, text=True, timeout=60,
    )
    eq(smtp.returncode, 0, smtp.stderr)


@check("ipv6: logins over ::1 (IMAP implicit TLS, SMTP implicit TLS, HTTP), audit remote_ip=::1")
def _():
    if not ipv6_loopback():
        raise Skip("IPv6 loopback (::1) is unavailable here")
    audit = AuditLog("imap")
    with imaplib.IMAP4_SSL("::1", port("IMAPS_PORT"), ssl_context=verified_tls(), timeout=30) as c:
        eq(c.login(ALICE, ALICE_PW)[0], "OK")
    audit.expect("imap over ::1", count=1, surface="imap", remote_ip="::1", login=ALICE, outcome="grant")
    audit = AuditLog("smtp")
    with smtplib.SMTP_SSL("::1", port("SMTP_TLS_PORT"), context=verified_tls(), timeout=30) as s:
        eq(s.login(ALICE, ALICE_PW)[0], 235)
    audit.expect("smtp over ::1", count=1, surface="smtp", remote_ip="::1", login=ALICE, outcome="grant")
    audit = AuditLog("http")
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}", "-u", f"{ALICE}:{ALICE_PW}",
         f"http://[::1]:{port('HTTP_PORT')}/.well-known/jmap"],
        capture_output=True, text=True, timeout=60,
    )
    eq(result.stdout, "200", result.stderr)
    audit.expect("http over ::1", count=1, surface="jmap", remote_ip="::1", login=ALICE, outcome="grant")


@check("tls: an IP address as SNI (openssl s_client -servername 127.0.0.1) is logged at debug, never WARN")
def _():
    openssl = need("openssl", "openssl")
    audit = AuditLog("imap-clients")
    result = subprocess.run(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port('IMAP_CLIENTS_TLS_PORT')}", "-servername", "127.0.0.1",
         "-CAfile", env("TLS_CERT"), "-verify_return_error"],
        input="a LOGOUT\r\n", capture_output=True, text=True, timeout=30,
    )
    contains(result.stdout, "Verify return code: 0 (ok)", result.stderr)
    deadline = time.monotonic() + 3
    while True:
        new = audit.lines()
        if any("Illegal SNI" in l for l in new) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    sni = [l for l in new if "Illegal SNI" in l]
    if not sni:
        raise AssertionError("rustls logged nothing about the IP-address SNI (the instance runs with"
                             " rustls::msgs::handshake=debug): was it sent?\n" + "\n".join(new))
    for line in sni:
        contains(line, "DEBUG rustls::msgs::handshake", "the level")
