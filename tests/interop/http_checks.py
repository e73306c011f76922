"""HTTP: curl against the jmap_http example (JMAP session and portal login)."""

import base64
import json

from interop import (
    ADMIN,
    ADMIN_APP,
    ADMIN_PW,
    ALICE,
    ALICE_API_KEY,
    ALICE_APP,
    ALICE_PW,
    BOB,
    BOB_PW,
    BOB_TOTP,
    HONEST_IMPERSONATION,
    IMPERSONATE_ALICE,
    check,
    curl,
    eq,
    mint,
    port,
    totp,
)


class Http:
    def __init__(self, result):
        self.result = result
        self.status = None
        self.headers = {}
        for line in result.received:
            if line.startswith("HTTP/"):
                self.status = int(line.split()[1])
            elif ":" in line:
                key, _, value = line.partition(":")
                self.headers[key.strip().lower()] = value.strip()
        self.body = json.loads(result.stdout) if result.stdout else None


def get(path, *options, method="GET", data=None):
    args = [f"http://127.0.0.1:{port('HTTP_PORT')}{path}", *options]
    if data is not None:
        args += ["-X", method, "-H", "Content-Type: application/json", "--data", json.dumps(data)]
    return Http(curl(*args))


BASIC_CHALLENGE = 'Basic realm="example.org", charset="UTF-8"'


def problem(status, slug, title, detail):
    return {"type": f"urn:portcullis:problem:{slug}", "title": title, "status": status, "detail": detail}


def refused(response, status, slug, title, detail, challenge=None):
    eq(response.status, status, f"status\n{response.result!r}")
    eq(response.headers.get("content-type"), "application/problem+json")
    eq(response.headers.get("www-authenticate"), challenge, "WWW-Authenticate")
    eq(response.body, problem(status, slug, title, detail), "problem body")


def session_for(response, acting_as, account, kind, impersonation=False):
    eq(response.status, 200, f"status\n{response.result!r}")
    body = response.body
    eq(body["username"], acting_as)
    eq([a["name"] for a in body["accounts"].values()], [acting_as])
    eq(body["portcullis"]["account"], account)
    eq(body["portcullis"]["credential"]["kind"], kind)
    eq(body["portcullis"]["impersonation"], impersonation)
    eq(sorted(body["capabilities"]), ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"])


@check("http curl Basic: JMAP session for the password login")
def _():
    session_for(get("/.well-known/jmap", "-u", f"{ALICE}:{ALICE_PW}"), ALICE, ALICE, "password")


@check("http curl Bearer: JMAP session for a token from the local IdP")
def _():
    response = get("/.well-known/jmap", "-H", f"Authorization: Bearer {mint()}")
    session_for(response, ALICE, ALICE, "oidc-token")


@check("http curl --oauth2-bearer: an API key alone opens its account's JMAP session")
def _():
    response = get("/.well-known/jmap", "--oauth2-bearer", ALICE_API_KEY)
    session_for(response, ALICE, ALICE, "api-key")


@check("http curl: a forged API key and one naming no account get the same 401")
def _():
    def key(account, credential):
        payload = account.to_bytes(4, "big") + credential.to_bytes(4, "big") + bytes(range(20))
        return "API_" + base64.urlsafe_b64encode(payload).decode().rstrip("=")

    for token in [key(1, 4), key(77, 4)]:
        refused(
            get("/.well-known/jmap", "--oauth2-bearer", token),
            401, "authentication-failed", "Authentication failed", "Authentication failed",
            'Bearer realm="example.org", error="invalid_token"',
        )


@check("http curl: wrong password -> 401, Basic challenge, problem JSON")
def _():
    refused(
        get("/.well-known/jmap", "-u", f"{ALICE}:wrong"),
        401, "authentication-failed", "Authentication failed", "Authentication failed", BASIC_CHALLENGE,
    )


@check("http curl: no Authorization -> 401 with a Basic challenge")
def _():
    refused(
        get("/.well-known/jmap"),
        401, "authentication-failed", "Authentication failed", "Authorization required", BASIC_CHALLENGE,
    )


@check("http curl: bad bearer token -> 401, Bearer error=\"invalid_token\" (RFC 6750)")
def _():
    refused(
        get("/.well-known/jmap", "-H", "Authorization: Bearer not.a.token"),
        401, "authentication-failed", "Authentication failed", "Authentication failed",
        'Bearer realm="example.org", error="invalid_token"',
    )


@check("http curl: impersonation with the admin's password -> the target's JMAP session")
def _():
    response = get("/.well-known/jmap", "-u", f"{IMPERSONATE_ALICE}:{ADMIN_PW}")
    session_for(response, ALICE, ADMIN, "password", impersonation=True)


@check("http curl: impersonation with an app password -> 403 with the honest reason")
def _():
    refused(
        get("/.well-known/jmap", "-u", f"{IMPERSONATE_ALICE}:{ADMIN_APP}"),
        403, "not-allowed", "Not allowed", HONEST_IMPERSONATION,
    )


@check("http curl: the IMAP-only app password is refused on the portal surface -> 403")
def _():
    refused(
        get("/portal/login", "-u", f"{ALICE}:{ALICE_APP}"),
        403, "not-allowed", "Not allowed", "This credential may not be used for the web portal",
    )


@check("http curl: the IMAP-only app password is refused on JMAP -> 403")
def _():
    refused(
        get("/.well-known/jmap", "-u", f"{ALICE}:{ALICE_APP}"),
        403, "not-allowed", "Not allowed", "This credential may not be used for JMAP",
    )


@check("http curl: portal login with the primary password carries a session binding")
def _():
    response = get("/portal/login", "-u", f"{ALICE}:{ALICE_PW}")
    eq(response.status, 200, repr(response.result))
    binding = response.body["sessionBinding"]
    eq((binding["account"], binding["acting_as"], binding["credential"]), (ALICE, ALICE, {"id": None, "kind": "password"}))


@check("http curl: TOTP portal login: password alone -> 401 second factor; password + code once; replay refused")
def _():
    refused(
        get("/portal/login", "-u", f"{BOB}:{BOB_PW}"),
        401, "second-factor-required", "Second factor required",
        "Second factor required: enter your one-time code", BASIC_CHALLENGE,
    )
    code = totp(BOB_TOTP)
    form = {"username": BOB, "password": BOB_PW, "code": code}
    first = get("/portal/login", method="POST", data=form)
    eq(first.status, 200, repr(first.result))
    eq(first.body["account"], BOB)
    second = get("/portal/login", method="POST", data=form)
    eq(second.status, 401, f"the same code a second time\n{second.result!r}")
