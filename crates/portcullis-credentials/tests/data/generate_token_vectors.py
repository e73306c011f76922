#!/usr/bin/env python3
"""Regenerate tests/data/token-vectors.tsv: Stalwart-format app passwords and
API keys computed independently of this crate, with Python's standard
library (base64.b32encode + Stalwart's alphabet, base64.urlsafe_b64encode).

Stalwart (v0.16) builds an app password as "app_" + base32 of
u32-BE credential id || 18 random bytes, using its own alphabet
"abcdefghijklmnopqrstuvwxyz792013" (RFC 4648 bit order, no padding), and an
API key as "API_" + unpadded base64url of u32-BE account id ||
u32-BE credential id || 20 random bytes.

    python3 tests/data/generate_token_vectors.py > tests/data/token-vectors.tsv
"""

import base64
import struct
import sys

RFC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
STALWART = "abcdefghijklmnopqrstuvwxyz792013"
TO_STALWART = str.maketrans(RFC, STALWART)


def b32(raw, alphabet):
    text = base64.b32encode(raw).decode().rstrip("=")
    return text.translate(TO_STALWART) if alphabet == "stalwart" else text


cases = [
    (0, bytes(18)),
    (1, bytes(range(18))),
    (7, bytes([0xFF] * 18)),
    (0x01020304, bytes(range(100, 118))),
    (0xFFFFFFFF, bytes(range(200, 218))),
]
print(f"# Made by python {sys.version.split()[0]} standard library; see generate_token_vectors.py.")
print("# kind\tcredential_id\taccount_id\trandom_hex\ttext")
for cid, random in cases:
    payload = struct.pack(">I", cid) + random
    for alphabet in ["stalwart", "rfc4648"]:
        print(f"app-password-{alphabet}\t{cid}\t-\t{random.hex()}\tapp_{b32(payload, alphabet)}")
    print(f"app-password-legacy-space\t{cid}\t-\t{random.hex()}\tapp {b32(payload, 'stalwart')}")
for account, cid, random in [(1, 1, bytes(20)), (42, 7, bytes(range(20))), (0xFFFFFFFF, 0x80000000, bytes([0xAB] * 20))]:
    payload = struct.pack(">II", account, cid) + random
    text = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    print(f"api-key\t{cid}\t{account}\t{random.hex()}\tAPI_{text}")
