"""IMAP: curl and imaplib against the imap_server example."""

import imaplib

from interop import (
    ADMIN,
    ADMIN_APP,
    ADMIN_PW,
    AFTER_LOGIN_CAPS,
    ALICE,
    ALICE_APP,
    ALICE_PW,
    BOB,
    BOB_PW,
    CAROL,
    CAROL_APP,
    HONEST_IMPERSONATION,
    IMPERSONATE_ALICE,
    LineClient,
    absent,
    check,
    contains,
    curl,
    eq,
    mint,
    port,
    unverified_tls,
    xoauth2,
)

LIST_INBOX = '* LIST (\\HasNoChildren) "/" INBOX'


def imap_url(name="IMAP_PORT"):
    return f"imap://127.0.0.1:{port(name)}/"


def granted(who, kind):
    return f"OK [CAPABILITY {AFTER_LOGIN_CAPS}] Logged in as {who} with {kind}"


def curl_login_ok(result, mechanism, who, kind):
    eq(result.rc, 0, f"curl exit status\n{result!r}")
    contains(result.stdout, LIST_INBOX, "LIST output")
    contains(result.sent[1] if len(result.sent) > 1 else "", f"AUTHENTICATE {mechanism}", "mechanism curl used")
    eq(result.reply_to("AUTHENTICATE"), granted(who, kind), "tagged reply")


# --- curl ---------------------------------------------------------------------


@check("imap curl: CAPABILITY advertises SASL-IR, STARTTLS and AUTH= from the mechanism policy")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:{ALICE_PW}")
    greeting = r.received[0]
    eq(
        greeting,
        "* OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE STARTTLS AUTH=OAUTHBEARER AUTH=XOAUTH2 AUTH=SCRAM-SHA-256 AUTH=PLAIN AUTH=LOGIN]"
        " portcullis example IMAP server ready",
    )


@check("imap curl AUTH=PLAIN: password login (SASL-IR)")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:{ALICE_PW}", "--login-options", "AUTH=PLAIN")
    curl_login_ok(r, "PLAIN", ALICE, "password")


@check("imap curl AUTH=LOGIN: password login with a 334-style challenge")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:{ALICE_PW}", "--login-options", "AUTH=LOGIN")
    curl_login_ok(r, "LOGIN", ALICE, "password")
    contains(r.received, "+ UGFzc3dvcmQ6", "the Password: challenge")


@check("imap curl: wrong password -> NO [AUTHENTICATIONFAILED], curl exit 67")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:not-the-password", "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67, f"curl exit status (login denied)\n{r!r}")
    eq(r.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Authentication failed")


@check("imap curl: unknown user gets exactly the wrong-password reply")
def _():
    r = curl(imap_url(), "-u", "nobody@example.org:not-the-password", "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67)
    eq(r.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Authentication failed")


@check("imap curl: IMAP-only app password signs into IMAP")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:{ALICE_APP}", "--login-options", "AUTH=PLAIN")
    curl_login_ok(r, "PLAIN", ALICE, "app-password")


@check("imap curl: impersonation target%admin with the admin's password works")
def _():
    r = curl(imap_url(), "-u", f"{IMPERSONATE_ALICE}:{ADMIN_PW}", "--login-options", "AUTH=PLAIN")
    curl_login_ok(r, "PLAIN", f"{ALICE} (impersonated by {ADMIN})", "password")


@check("imap curl: impersonation with an app password -> honest NO [AUTHORIZATIONFAILED]")
def _():
    r = curl(imap_url(), "-u", f"{IMPERSONATE_ALICE}:{ADMIN_APP}", "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67, repr(r))
    eq(r.reply_to("AUTHENTICATE"), f"NO [AUTHORIZATIONFAILED] {HONEST_IMPERSONATION}")


@check("imap curl: TOTP account, password alone -> NO [AUTHENTICATIONFAILED] telling to use an app password")
def _():
    r = curl(imap_url(), "-u", f"{BOB}:{BOB_PW}", "--login-options", "AUTH=PLAIN")
    eq(r.rc, 67)
    eq(r.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Second factor required - use an app password")


@check("imap curl: OIDC principal logs in with its locally stored app password")
def _():
    r = curl(imap_url(), "-u", f"{CAROL}:{CAROL_APP}", "--login-options", "AUTH=PLAIN")
    curl_login_ok(r, "PLAIN", CAROL, "app-password")


@check("imap curl AUTH=OAUTHBEARER --oauth2-bearer: token from the local IdP")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:", "--login-options", "AUTH=OAUTHBEARER", "--oauth2-bearer", mint())
    curl_login_ok(r, "OAUTHBEARER", ALICE, "oidc-token")


@check("imap curl OAUTHBEARER: expired token -> RFC 7628 error challenge, then NO [AUTHENTICATIONFAILED]")
def _():
    r = curl(imap_url(), "-u", f"{ALICE}:", "--login-options", "AUTH=OAUTHBEARER", "--oauth2-bearer", mint(ttl=-600))
    eq(r.rc, 67)
    # base64 of {"status":"invalid_token"}
    contains(r.received, "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", "error challenge")
    contains(r.sent, "AQ==", "the client's %x01 answer")
    eq(r.reply_to("AUTHENTICATE"), "NO [AUTHENTICATIONFAILED] Authentication failed")


@check("imap curl AUTH=XOAUTH2 --oauth2-bearer (server offering XOAUTH2, not OAUTHBEARER)")
def _():
    # curl 7.88 ignores AUTH= when --oauth2-bearer is set and always prefers
    # OAUTHBEARER; this server instance offers XOAUTH2 only (--mechanisms).
    r = curl(imap_url("IMAP_XOAUTH2_PORT"), "-u", f"{ALICE}:", "--login-options", "AUTH=XOAUTH2", "--oauth2-bearer", mint())
    curl_login_ok(r, "XOAUTH2", ALICE, "oidc-token")


@check("imap curl: implicit TLS (imaps://, self-signed)")
def _():
    r = curl(f"imaps://127.0.0.1:{port('IMAPS_PORT')}/", "--insecure", "-u", f"{ALICE}:{ALICE_PW}")
    eq(r.rc, 0, repr(r))
    contains(r.stdout, LIST_INBOX)


@check("imap curl: STARTTLS (--ssl-reqd)")
def _():
    r = curl(imap_url(), "--ssl-reqd", "--insecure", "-u", f"{ALICE}:{ALICE_PW}")
    eq(r.rc, 0, repr(r))
    contains(r.stdout, LIST_INBOX)


# --- imaplib --------------------------------------------------------------------


def imap(name="IMAP_PORT"):
    return imaplib.IMAP4("127.0.0.1", port(name), timeout=30)


@check("imap imaplib: LOGIN command")
def _():
    with imap() as c:
        typ, data = c.login(ALICE, ALICE_PW)
        eq((typ, data), ("OK", [granted(ALICE, "password").removeprefix("OK ").encode()]))
        typ, data = c.select("INBOX")
        eq((typ, data), ("OK", [b"0"]))
        eq(c.namespace(), ("OK", [b'(("" "/")) NIL NIL']))
        eq(c.list(), ("OK", [b'(\\HasNoChildren) "/" INBOX']))
        eq(c.logout()[0], "BYE")


@check("imap imaplib: LOGIN with a wrong password -> [AUTHENTICATIONFAILED]")
def _():
    with imap() as c:
        try:
            c.login(ALICE, "still-not-it")
        except imaplib.IMAP4.error as e:
            eq(e.args[0], b"[AUTHENTICATIONFAILED] Authentication failed")
        else:
            raise AssertionError("login succeeded")


@check("imap imaplib: AUTHENTICATE PLAIN (challenge round trip, no SASL-IR)")
def _():
    with imap() as c:
        typ, data = c.authenticate("PLAIN", lambda _: f"\0{ALICE}\0{ALICE_PW}".encode())
        eq((typ, data), ("OK", [granted(ALICE, "password").removeprefix("OK ").encode()]))


@check("imap imaplib: AUTHENTICATE PLAIN with an authzid impersonates like target%actor")
def _():
    with imap() as c:
        typ, data = c.authenticate("PLAIN", lambda _: f"{ALICE}\0{ADMIN}\0{ADMIN_PW}".encode())
        eq(typ, "OK")
        eq(data, [granted(f"{ALICE} (impersonated by {ADMIN})", "password").removeprefix("OK ").encode()])


@check("imap imaplib: AUTHENTICATE XOAUTH2 with a token from the local IdP")
def _():
    token = mint()
    with imap() as c:
        typ, data = c.authenticate("XOAUTH2", lambda _: xoauth2(ALICE, token).encode())
        eq((typ, data), ("OK", [granted(ALICE, "oidc-token").removeprefix("OK ").encode()]))


@check("imap imaplib: XOAUTH2 with a token for another audience -> error challenge, then [AUTHENTICATIONFAILED]")
def _():
    token = mint(aud="some-other-client")
    challenges = []

    def respond(challenge):
        challenges.append(challenge)
        return xoauth2(ALICE, token).encode() if len(challenges) == 1 else b""

    with imap() as c:
        try:
            c.authenticate("XOAUTH2", respond)
        except imaplib.IMAP4.error as e:
            eq(str(e), "[AUTHENTICATIONFAILED] Authentication failed")
        else:
            raise AssertionError("authenticated")
    # XOAUTH2's error challenge is Google's JSON, not RFC 7628's.
    eq(challenges, [b"", b'{"status":"401","schemes":"bearer"}'], "challenges seen by the client")


@check("imap imaplib: '*' cancels AUTHENTICATE -> tagged BAD")
def _():
    with imap() as c:
        try:
            c.authenticate("LOGIN", lambda _: None)  # None makes imaplib send "*"
        except imaplib.IMAP4.error as e:
            eq(str(e), "AUTHENTICATE command error: BAD [b'Authentication cancelled']")
        else:
            raise AssertionError("authenticated")
        # The connection is still usable after the cancel.
        eq(c.login(ALICE, ALICE_PW)[0], "OK")


@check("imap raw: '*' cancel mid-exchange, then a literal LOGIN on the same connection")
def _():
    c = LineClient(port("IMAP_PORT"))
    try:
        c.until("* OK")
        c.send("a1 AUTHENTICATE PLAIN")
        eq(c.line(), "+ ")
        c.send("*")
        eq(c.line(), "a1 BAD Authentication cancelled")
        c.send(f"a2 LOGIN {ALICE} {{{len(ALICE_PW)}}}")
        eq(c.line(), "+ Ready for literal data")
        c.send(ALICE_PW)
        eq(c.line(), "a2 " + granted(ALICE, "password"))
        c.send("a3 LOGOUT")
        eq(c.line(), "* BYE Logging out")
    finally:
        c.close()


@check("imap imaplib: STARTTLS, then LOGIN")
def _():
    with imap() as c:
        contains(c.capabilities, "STARTTLS")
        eq(c.starttls(unverified_tls())[0], "OK")
        absent(c.capabilities, "STARTTLS", "capabilities after STARTTLS")
        eq(c.login(ALICE, ALICE_PW)[0], "OK")


@check("imap imaplib: implicit TLS (IMAP4_SSL)")
def _():
    with imaplib.IMAP4_SSL("127.0.0.1", port("IMAPS_PORT"), ssl_context=unverified_tls(), timeout=30) as c:
        eq(c.login(ALICE, ALICE_APP)[0], "OK")


# --- the strict instance: library default TLS policy, IdP unreachable -----------


@check("imap strict: without TLS, LOGINDISABLED and no AUTH= at all (passwords and tokens need TLS)")
def _():
    with imap("IMAP_STRICT_PORT") as c:
        caps = set(c.capabilities)
        for cap in ("LOGINDISABLED", "STARTTLS"):
            contains(caps, cap)
        for cap in ("AUTH=PLAIN", "AUTH=LOGIN", "AUTH=OAUTHBEARER", "AUTH=XOAUTH2"):
            absent(caps, cap)


@check("imap strict: a bearer token without TLS -> NO [PRIVACYREQUIRED], for both mechanisms")
def _():
    import base64

    token = mint()
    responses = {
        "OAUTHBEARER": f"n,a={ALICE},\x01auth=Bearer {token}\x01\x01",
        "XOAUTH2": xoauth2(ALICE, token),
    }
    # Sent by hand: a client would not try a mechanism that is not offered.
    c = LineClient(port("IMAP_STRICT_PORT"))
    try:
        c.until("* OK")
        for n, (mechanism, response) in enumerate(responses.items()):
            initial = base64.b64encode(response.encode()).decode()
            c.send(f"a{n} AUTHENTICATE {mechanism} {initial}")
            eq(
                c.until(f"a{n} "),
                f"a{n} NO [PRIVACYREQUIRED] Encryption required for this authentication mechanism",
                mechanism,
            )
    finally:
        c.close()


@check("imap strict: LOGIN without TLS -> NO [PRIVACYREQUIRED]")
def _():
    c = LineClient(port("IMAP_STRICT_PORT"))
    try:
        c.until("* OK")
        c.send(f'a1 LOGIN {ALICE} "{ALICE_PW}"')
        eq(c.line(), "a1 NO [PRIVACYREQUIRED] Encryption required for this authentication mechanism")
    finally:
        c.close()


@check("imap strict: after STARTTLS, AUTH=PLAIN is offered and works")
def _():
    with imap("IMAP_STRICT_PORT") as c:
        c.starttls(unverified_tls())
        for cap in ("AUTH=PLAIN", "AUTH=OAUTHBEARER", "AUTH=XOAUTH2"):
            contains(c.capabilities, cap)
        absent(c.capabilities, "LOGINDISABLED")
        typ, _ = c.authenticate("PLAIN", lambda _: f"\0{ALICE}\0{ALICE_PW}".encode())
        eq(typ, "OK")


@check("imap strict: IdP unreachable -> bearer login fails closed with NO [UNAVAILABLE]")
def _():
    from interop import env

    token = mint(iss=env("DEAD_IDP_URL"))  # the issuer this instance trusts, signed elsewhere
    url = f"imaps://127.0.0.1:{port('IMAP_STRICT_TLS_PORT')}/"
    r = curl(url, "--insecure", "-u", f"{ALICE}:", "--login-options", "AUTH=OAUTHBEARER", "--oauth2-bearer", token)
    eq(r.rc, 67, repr(r))
    eq(r.reply_to("AUTHENTICATE"), "NO [UNAVAILABLE] Authentication is temporarily unavailable; try again later")


@check("imap throttle: repeated failures lock out the (address, login) pair -> NO [UNAVAILABLE]")
def _():
    replies = []
    for n in range(7):
        with imap() as c:
            try:
                c.login("mallory@example.org", f"guess-{n}")
            except imaplib.IMAP4.error as e:
                replies.append(e.args[0].decode())
    eq(replies[0], "[AUTHENTICATIONFAILED] Authentication failed")
    eq(replies[-1], "[UNAVAILABLE] Too many failed attempts; try again later")
    # Another login from the same address is not locked out.
    with imap() as c:
        eq(c.login(ALICE, ALICE_PW)[0], "OK")


@check("imap revocation: deleting an app password ends the sessions it made, and only those")
def _():
    import os
    import signal
    import time

    from interop import env

    with imap("IMAP_RELOAD_PORT") as by_app, imap("IMAP_RELOAD_PORT") as by_password:
        eq(by_app.login(ALICE, ALICE_APP)[0], "OK")
        eq(by_password.login(ALICE, ALICE_PW)[0], "OK")
        eq(by_app.noop()[0], "OK")
        # Remove alice's app password #1 from the directory file and reload.
        path = env("IMAP_RELOAD_DIRECTORY")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        start = text.index("[[account.credential]]\nid = 1\n")
        end = text.index("\n\n", start)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text[:start] + text[end + 2 :])
        log = os.path.join(env("INTEROP_LOG_DIR"), "imap-reload.log")
        os.kill(int(env("IMAP_RELOAD_PID")), signal.SIGHUP)
        for _ in range(100):
            with open(log, encoding="utf-8") as f:
                if "directory reloaded" in f.read():
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the server did not log a reload")
        try:
            by_app.noop()
        except imaplib.IMAP4.abort as e:
            # imaplib reports the untagged BYE.
            eq(str(e), "command: NOOP => Your session is no longer valid; log in again")
        else:
            raise AssertionError("the app-password session survived the revocation")
        eq(by_password.noop()[0], "OK")
    with imap("IMAP_RELOAD_PORT") as c:
        try:
            c.login(ALICE, ALICE_APP)
        except imaplib.IMAP4.error as e:
            eq(e.args[0], b"[AUTHENTICATIONFAILED] Authentication failed")
        else:
            raise AssertionError("the deleted app password still logs in")


@check("imap raw: a 30 KB AUTHENTICATE line gets a tagged BAD within a second, session goes on")
def _():
    import time

    c = LineClient(port("IMAP_PORT"))
    try:
        c.until("* OK")
        started = time.monotonic()
        c.send("a1 AUTHENTICATE PLAIN " + "A" * 30_000)
        eq(c.line(), "a1 BAD Command line too long")
        elapsed = time.monotonic() - started
        if elapsed > 1.0:
            raise AssertionError(f"the reply took {elapsed:.2f} s")
        c.send("a2 NOOP")
        eq(c.until("a2 "), "a2 OK NOOP completed")
    finally:
        c.close()


@check("imap raw: an over-long line without a tag -> * BYE and the connection closes")
def _():
    c = LineClient(port("IMAP_PORT"))
    try:
        c.until("* OK")
        c.send("A" * 30_000)
        eq(c.line(), "* BYE Command line too long")
        try:
            rest = c.line()
        except ConnectionResetError:
            rest = ""  # closed with the client's bytes unread: a reset
        eq(rest, "", "connection closed")
    finally:
        c.close()
