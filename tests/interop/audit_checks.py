"""The servers' logs: one audit event per decision, and never a secret."""

import glob
import os

from interop import (
    ADMIN_APP,
    ADMIN_PW,
    ALICE_API_KEY,
    ALICE_APP,
    ALICE_PW,
    BOB_PW,
    CAROL_APP,
    MINTED,
    check,
    env,
)


def logs():
    found = {}
    for path in sorted(glob.glob(os.path.join(env("INTEROP_LOG_DIR"), "*.log"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            found[os.path.basename(path)] = f.read()
    return found


@check("audit: every server logged grant and deny decisions under portcullis::audit")
def _():
    for name in ("imap.log", "smtp.log", "http.log"):
        text = logs().get(name, "")
        events = [l for l in text.splitlines() if "portcullis::audit" in l]
        if not any('outcome="grant"' in l for l in events) or not any('outcome="deny"' in l for l in events):
            raise AssertionError(f"{name}: expected grant and deny audit events, got {len(events)} events")
        for field in ("surface=", "remote_ip=", "login=", "account=", "acting_as=", "credential_kind=", "reason="):
            if not all(field in l for l in events):
                raise AssertionError(f"{name}: an audit event lacks {field}")


@check("audit: no password, app password or token appears in any server log")
def _():
    secrets = [ALICE_PW, ADMIN_PW, BOB_PW, ALICE_APP, ALICE_API_KEY, ADMIN_APP, CAROL_APP] + MINTED
    for name, text in logs().items():
        if name.startswith("idp"):
            continue
        for secret in secrets:
            if secret in text:
                raise AssertionError(f"{name} contains the secret {secret[:12]}...")


@check("audit: no WARN from rustls in any server log (clients sending an IP address as SNI are logged at debug)")
def _():
    for name, text in logs().items():
        warnings = [l for l in text.splitlines() if " WARN rustls" in l]
        if warnings:
            raise AssertionError(f"{name}: " + "\n".join(warnings[:3]))
