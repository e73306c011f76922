"""SMTP submission: curl and smtplib against the submission_server example."""

import smtplib

from interop import (
    ADMIN,
    ADMIN_APP,
    ADMIN_PW,
    ALICE,
    ALICE_APP,
    ALICE_PW,
    HONEST_IMPERSONATION,
    IMPERSONATE_ALICE,
    LineClient,
    check,
    contains,
    curl,
    eq,
    mint,
    port,
    unverified_tls,
    xoauth2,
)

MESSAGE = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: interop\r\n\r\nhello\r\n"
ACCEPTED = "250 2.0.0 Message accepted and discarded (example server)"


def smtp_url(name="SMTP_PORT"):
    return f"smtp://127.0.0.1:{port(name)}"


def send(user, secret, *options, name="SMTP_PORT"):
    return curl(
        smtp_url(name),
        "-u",
        f"{user}:{secret}",
        *options,
        "--mail-from",
        ALICE,
        "--mail-rcpt",
        "bob@example.org",
        "-T",
        "-",
        stdin=MESSAGE,
    )


def sent_ok(result, mechanism, who):
    eq(result.rc, 0, f"curl exit status\n{result!r}")
    contains([l for l in result.sent if l.startswith("AUTH ")][0], f"AUTH {mechanism}", "mechanism")
    contains(result.received, f"235 2.7.0 Authentication successful ({who})")
    contains(result.received, ACCEPTED)


@check("smtp curl: EHLO lists AUTH from the mechanism policy, and STARTTLS")
def _():
    r = send(ALICE, ALICE_PW, "--login-options", "AUTH=PLAIN")
    contains(r.received, "250-AUTH OAUTHBEARER XOAUTH2 SCRAM-SHA-256 PLAIN LOGIN")
    contains(r.received, "250-STARTTLS")


@check("smtp curl AUTH=PLAIN: password, message accepted")
def _():
    sent_ok(send(ALICE, ALICE_PW, "--login-options", "AUTH=PLAIN"), "PLAIN", ALICE)


@check("smtp curl AUTH=LOGIN: password with 334 Username:/Password: challenges")
def _():
    r = send(ALICE, ALICE_PW, "--login-options", "AUTH=LOGIN")
    sent_ok(r, "LOGIN", ALICE)
    contains(r.received, "334 UGFzc3dvcmQ6")


@check("smtp curl: wrong password -> 535 5.7.8, curl exit 67")
def _():
    r = send(ALICE, "wrong", "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67, repr(r))
    contains(r.received, "535 5.7.8 Authentication credentials invalid")


@check("smtp curl: the IMAP-only app password is refused for submission -> 535 5.7.8")
def _():
    r = send(ALICE, ALICE_APP, "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67, repr(r))
    contains(r.received, "535 5.7.8 This credential may not be used for SMTP submission")


@check("smtp curl AUTH=OAUTHBEARER --oauth2-bearer")
def _():
    sent_ok(send(ALICE, "", "--login-options", "AUTH=OAUTHBEARER", "--oauth2-bearer", mint()), "OAUTHBEARER", ALICE)


@check("smtp curl AUTH=XOAUTH2 --oauth2-bearer (server offering XOAUTH2, not OAUTHBEARER)")
def _():
    r = send(ALICE, "", "--login-options", "AUTH=XOAUTH2", "--oauth2-bearer", mint(), name="SMTP_XOAUTH2_PORT")
    sent_ok(r, "XOAUTH2", ALICE)


@check("smtp curl OAUTHBEARER: token for another audience -> 334 error challenge, then 535 5.7.8")
def _():
    r = send(ALICE, "", "--login-options", "AUTH=OAUTHBEARER", "--oauth2-bearer", mint(aud="some-other-client"))
    eq(r.rc, 67, repr(r))
    contains(r.received, "334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=")
    contains(r.received, "535 5.7.8 Authentication credentials invalid")


@check("smtp curl: impersonation with the admin's password, and honest refusal with an app password")
def _():
    sent_ok(send(IMPERSONATE_ALICE, ADMIN_PW, "--login-options", "AUTH=PLAIN"), "PLAIN", ALICE)
    r = send(IMPERSONATE_ALICE, ADMIN_APP, "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67, repr(r))
    contains(r.received, f"535 5.7.8 {HONEST_IMPERSONATION}")


# --- smtplib ----------------------------------------------------------------------


def smtp():
    return smtplib.SMTP("127.0.0.1", port("SMTP_PORT"), timeout=30)


@check("smtp smtplib: login() (AUTH PLAIN with initial response) and send")
def _():
    with smtp() as s:
        eq(s.login(ALICE, ALICE_PW), (235, f"2.7.0 Authentication successful ({ALICE})".encode()))
        eq(s.sendmail(ALICE, ["bob@example.org"], MESSAGE), {})


@check("smtp smtplib: AUTH LOGIN")
def _():
    with smtp() as s:
        s.ehlo()
        s.user, s.password = ALICE, ALICE_PW
        eq(s.auth("LOGIN", s.auth_login), (235, f"2.7.0 Authentication successful ({ALICE})".encode()))


@check("smtp smtplib: wrong password -> SMTPAuthenticationError 535 5.7.8")
def _():
    with smtp() as s:
        try:
            s.login(ADMIN, "wrong")
        except smtplib.SMTPAuthenticationError as e:
            eq((e.smtp_code, e.smtp_error), (535, b"5.7.8 Authentication credentials invalid"))
        else:
            raise AssertionError("login succeeded")


@check("smtp smtplib: AUTH XOAUTH2 with a token from the local IdP")
def _():
    token = mint()
    with smtp() as s:
        s.ehlo()
        reply = s.auth("XOAUTH2", lambda challenge=None: xoauth2(ALICE, token) if challenge is None else "")
        eq(reply, (235, f"2.7.0 Authentication successful ({ALICE})".encode()))


@check("smtp smtplib: STARTTLS, then login")
def _():
    with smtp() as s:
        s.ehlo()
        eq(s.starttls(context=unverified_tls())[0], 220)
        s.ehlo()
        eq(s.has_extn("starttls"), False)
        eq(s.login(ALICE, ALICE_PW)[0], 235)


@check("smtp raw: '*' cancels AUTH LOGIN -> 501 5.0.0; MAIL before AUTH -> 530 5.7.0")
def _():
    c = LineClient(port("SMTP_PORT"))
    try:
        c.until("220 ")
        c.send("EHLO interop.test")
        c.until("250 ")
        c.send("AUTH LOGIN")
        eq(c.line(), "334 VXNlcm5hbWU6")
        c.send("*")
        eq(c.line(), "501 5.0.0 Authentication cancelled")
        c.send(f"MAIL FROM:<{ALICE}>")
        eq(c.line(), "530 5.7.0 Authentication required")
        c.send("QUIT")
        eq(c.line(), "221 2.0.0 Bye")
    finally:
        c.close()


@check("smtp raw: an over-long AUTH line or SASL response -> 500 5.5.6 (RFC 4954 §4), session goes on")
def _():
    c = LineClient(port("SMTP_PORT"))
    try:
        c.until("220 ")
        c.send("EHLO interop.test")
        c.until("250 ")
        c.send("AUTH PLAIN " + "A" * 30_000)
        eq(c.line(), "500 5.5.6 Authentication Exchange line is too long")
        c.send("AUTH PLAIN")
        eq(c.line(), "334 ")
        c.send("A" * 30_000)
        eq(c.line(), "500 5.5.6 Authentication Exchange line is too long")
        c.send("NOOP")
        eq(c.line(), "250 2.0.0 OK")
    finally:
        c.close()
