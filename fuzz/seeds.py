#!/usr/bin/env python3
"""Writes the seed inputs of fuzz/corpus/<target>/ (files named seed-*), from the test vectors
in crates/core/tests/data and a few hand-written header values, form bodies and scopes.

Run from anywhere: python3 fuzz/seeds.py. Files the fuzzer adds (40-hex-digit names) are
left alone; rerunning rewrites the seeds identically."""

import base64
import json
import pathlib
import re

FUZZ = pathlib.Path(__file__).resolve().parent
DATA = FUZZ.parent / "crates" / "core" / "tests" / "data"


def load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    (d / f"seed-{slug}").write_bytes(data)


def jwt_tokens():
    for case in load("jwt_accept.json")["cases"]:
        yield "accept-" + case["name"], case["token"]
    for case in load("jwt_reject.json")["cases"]:
        yield "reject-" + case["name"], case["token"]
    for tok in load("pyjwt_tokens.json")["tokens"]:
        yield "pyjwt-" + tok["name"], tok["token"]
    for tok in load("jwtio_hs256.json")["tokens"]:
        yield "jwtio-" + tok["name"], tok["token"]
    yield "rfc7515-a1", load("rfc7515_a1_hs256.json")["token"]


for name, token in jwt_tokens():
    write("jwt_verify", name, token)

accepted = load("jwt_accept.json")["cases"][0]["token"]
bearer = {
    "plain": f"Bearer {accepted}",
    "lowercase": f"bearer {accepted}",
    "mixed-case-spaces": f"bEaReR   {accepted}  ",
    "ows-around": f" \tBearer {accepted}\t ",
    "scheme-only": "Bearer",
    "scheme-space": "Bearer ",
    "no-space": f"Bearer{accepted}",
    "tab-after-scheme": f"Bearer\t{accepted}",
    "space-in-token": "Bearer a b",
    "basic": "Basic am9objpzZWNyZXQ=",
    "other-scheme": "Token abc",
    "empty": "",
    "b64token-chars": "Bearer AZaz09-._~+/==",
}
for name, value in bearer.items():
    write("bearer_parse", name, value)
write("bearer_parse", "non-utf8", b"Bearer \xff\xfeabc")
write("bearer_parse", "obs-text", b"Bearer caf\xe9")

forms = {
    "fastapi-tutorial": "grant_type=password&username=johndoe&password=secret",
    "no-grant-type": "username=johndoe&password=secret",
    "scopes": "grant_type=password&username=johndoe&password=secret&scope=me+items",
    "scope-whitespace": "username=johndoe&password=secret&scope=%20me%09%09items%0A",
    "scope-invalid": "username=johndoe&password=secret&scope=me%22",
    "escapes": "username=john%20doe&password=p%40ss+w%2Bord&client_id=x&client_secret=y&extra=%41",
    "utf8": "username=j%C3%B6hn&password=%F0%9F%98%80",
    "non-utf8": "username=a&password=%FF",
    "bad-escape": "username=a&password=%zz",
    "lone-percent": "username=a&password=%",
    "repeated": "username=a&username=b&password=c",
    "repeated-empty": "username=&username=b&password=c",
    "other-grant": "grant_type=client_credentials&username=a&password=b",
    "empty-values": "grant_type=&username=&password=&scope=",
    "no-equals": "username&password&&&",
    "escaped-name": "user%6Eame=a&pass%77ord=b",
}
for name, body in forms.items():
    write("form_parse", name, body)

scopes = {
    "empty": "",
    "single": "me",
    "two": "me items",
    "reordered": "items me",
    "colons": "read:items write:items admin",
    "openid": "openid profile email",
    "all-chars": "!#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~",
    "double-space": "me  items",
    "leading-space": " me",
    "trailing-space": "me ",
    "tab": "me\titems",
    "newlines": "\r\nme\x0citems\n",
    "quote": 'me"',
    "backslash": "me\\items",
    "non-ascii": "m\u00e9 items",
    "del": "me\x7f",
}
for name, scope in scopes.items():
    write("scope_parse", name, scope)

pwdlib = load("pwdlib_hashes.json")
for h in pwdlib["hashes"]:
    write("phc_parse", "pwdlib-" + h["name"], h["phc"])
rfc = load("rfc9106_argon2id.json")
salt = base64.b64encode(bytes.fromhex(rfc["salt_hex"])).decode().rstrip("=")
tag = base64.b64encode(bytes.fromhex(rfc["expected_tag_hex"])).decode().rstrip("=")
write("phc_parse", "rfc9106-params", f"$argon2id$v=19$m={rfc['m_kib']},t={rfc['t']},p={rfc['p']}${salt}${tag}")
good = pwdlib["hashes"][0]["phc"]
write("phc_parse", "no-version", good.replace("$v=19", ""))
write("phc_parse", "version-16", good.replace("$v=19", "$v=16"))
write("phc_parse", "leading-zero", good.replace("m=65536", "m=065536"))
write("phc_parse", "padded-salt", good.replace("$8dSp", "==$8dSp"))
write("phc_parse", "params-reordered", good.replace("m=65536,t=3", "t=3,m=65536"))
write("phc_parse", "keyid", good.replace("p=4", "p=4,keyid=AAAA"))
write("phc_parse", "huge-m", good.replace("m=65536", "m=4294967295"))
write("phc_parse", "scrypt", "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E")
