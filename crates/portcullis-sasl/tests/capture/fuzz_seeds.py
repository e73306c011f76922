#!/usr/bin/env python3
"""Write the sasl_* fuzz seed corpora from the test vectors and captures.

Usage: python3 fuzz_seeds.py   (writes ../../../../fuzz/corpus/sasl_*/seed-*)
"""

import base64
import binascii
import glob
import hashlib
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
CORPUS = os.path.join(HERE, "..", "..", "..", "..", "fuzz", "corpus")
NAMES = ["PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2"]


def expand(s):
    return re.sub(r"\{\{repeat:(.*?):(\d+)\}\}", lambda m: m.group(1) * int(m.group(2)), s)


def vectors(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip() and not l.startswith("#")]


def raw_input(v):
    if "input" in v:
        return expand(v["input"]).encode()
    if "input_hex" in v:
        return binascii.unhexlify(v["input_hex"])
    wire = expand(v["wire"]).rstrip("\r\n")
    if wire in ("*", "="):
        return b""
    try:
        return base64.b64decode(wire, validate=True)
    except binascii.Error:
        return wire.encode()


def write(target, name, data):
    # Very long vectors only test limits; they would slow every fuzz iteration.
    if len(data) > 4096:
        return
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", name)[:80]
    with open(os.path.join(d, f"seed-{safe}"), "wb") as f:
        f.write(data)


def chunked(parts):
    out = b""
    for p in parts:
        p = p[:255]
        out += bytes([len(p)]) + p
    return out


def main():
    for target, file in [("sasl_plain", "plain.jsonl"), ("sasl_login", "login.jsonl"),
                         ("sasl_oauthbearer", "oauthbearer.jsonl"), ("sasl_xoauth2", "xoauth2.jsonl")]:
        for v in vectors(file):
            write(target, v["name"], raw_input(v))
    selectors = {"imap": 0, "smtp": 1, "pop3": 2, "managesieve": 3}
    for v in vectors("framing.jsonl"):
        line = expand(v["line"]).encode()
        sel = (5 if v["protocol"] != "managesieve" else 3) if v.get("response") else selectors[v["protocol"]]
        write("sasl_framing", v["name"], bytes([sel]) + line)
    for path in sorted(glob.glob(os.path.join(DATA, "captures", "*.txt"))):
        base = os.path.basename(path)[:-4]
        with open(path, encoding="utf-8") as f:
            lines = [l[3:].rstrip("\n") for l in f if l.startswith("C: ")]
        for i, line in enumerate(lines):
            sel = 0 if base.split("-")[1] == "imap" and " " in line else (1 if " " in line else 4)
            write("sasl_framing", f"{base}-{i}", bytes([sel]) + line.encode() + b"\r\n")
    for v in vectors("exchange.jsonl"):
        mech = v["mechanism"].upper()
        if mech not in NAMES:
            continue
        flags = 0b1110_1000  # TLS, max_steps 8
        parts = []
        if v.get("initial") is not None:
            flags |= 1
            parts.append(raw_input({"wire": v["initial"]}))
        if v.get("fail_token"):
            flags |= 16
        parts += [raw_input({"wire": r}) for r in v.get("responses", [])]
        write("sasl_exchange", v["name"], bytes([NAMES.index(mech), flags]) + chunked(parts))
    print("seeds written under", os.path.normpath(CORPUS))


if __name__ == "__main__":
    main()
