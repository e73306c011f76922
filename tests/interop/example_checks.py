"""The non-server examples: quickstart and oidc_provider_check."""

import json
import os
import subprocess

from interop import check, eq, env


def run(example, *args):
    return subprocess.run(
        [os.path.join(env("EXAMPLES_BIN"), example), *args], capture_output=True, text=True, timeout=120
    )


@check("quickstart: one PLAIN login against an in-memory directory")
def _():
    result = run("quickstart")
    eq((result.returncode, result.stdout), (0, "OK: alice@example.org logged in with password\n"), result.stderr)


@check("oidc_provider_check: the local IdP is ready (discovery + JWKS), exit 0")
def _():
    result = run("oidc_provider_check", env("IDP_URL"))
    report = json.loads(result.stdout)
    eq(result.returncode, 0, result.stderr)
    eq((report["ready"], report["state"], report["keys"], report["error"]), (True, "ready", 1, None))


@check("oidc_provider_check: an unreachable issuer is reported not ready, exit 1")
def _():
    result = run("oidc_provider_check", env("DEAD_IDP_URL"), "--timeout", "3")
    report = json.loads(result.stdout)
    eq(result.returncode, 1, result.stderr)
    eq((report["ready"], report["state"], report["keys"]), (False, "degraded", 0))
