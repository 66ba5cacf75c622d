#!/usr/bin/env python3
"""Regenerates fastapi_form.json: how FastAPI reads OAuth2 password-grant form bodies.

Usage (from the repository root):

    pip install fastapi python-multipart httpx
    python3 crates/core/tests/data/fastapi_form.py > crates/core/tests/data/fastapi_form.json

Source of the expected values: the real FastAPI, Starlette and python-multipart, run here
(their versions are written into the JSON file). Each body in BODIES below is sent twice:

* to Starlette's own urlencoded form parser (starlette.formparsers.FormParser, which drives
  python-multipart's QuerystringParser and then applies urllib.parse.unquote_plus to the
  latin-1 reading of each name and value), giving the list of (name, value) pairs. The body
  is parsed once whole and once a byte at a time; both must agree.
* with fastapi.testclient.TestClient to a FastAPI app whose two routes take
  OAuth2PasswordRequestForm and OAuth2PasswordRequestFormStrict and answer the fields they
  received, so the file records FastAPI's status and exact response body (a 422 validation
  body byte for byte) for both forms.

Tessera's tests (crates/core/tests/vectors.rs, `fastapi_form_vectors`) parse each body in the
fastapi style and compare: the accepted fields, or the rendered 422 answer, byte for byte.
"""

import asyncio
import importlib.metadata as metadata
import json
import platform
import sys
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict
from fastapi.testclient import TestClient
from starlette.datastructures import Headers
from starlette.formparsers import FormParser

CT = "application/x-www-form-urlencoded"
OK = b"grant_type=password&username=johndoe&password=secret"

# (note, body). Bodies are bytes; many are deliberately not valid UTF-8 or percent-encoding.
BODIES = [
    ("plain login", OK),
    ("grant_type omitted", b"username=johndoe&password=secret"),
    ("plus is a space, %2B a plus", b"username=john+doe&password=a%2Bb+c"),
    ("lowercase and mixed-case hex escapes", b"username=%6a%6F%68%6E&password=p%c3%a9%C3%A9"),
    # Malformed escapes stay literal.
    ("%zz stays literal", b"username=johndoe&password=%zz"),
    ("lone % at the end", b"username=johndoe&password=abc%"),
    ("% with one hex digit at the end", b"username=johndoe&password=abc%4"),
    ("% followed by one hex digit and a non-hex", b"username=johndoe&password=%4g1"),
    ("%% then an escape", b"username=johndoe&password=%%41"),
    ("lone % only", b"username=%&password=%25"),
    # Escapes that do not decode as UTF-8 become U+FFFD.
    ("%E9 is not UTF-8", b"username=johndoe&password=%E9"),
    ("%FF", b"username=%FF&password=secret"),
    ("truncated 3-byte sequence", b"username=johndoe&password=%E2%82"),
    ("truncated sequence followed by ASCII", b"username=johndoe&password=%E2%82x"),
    ("overlong encoding of /", b"username=johndoe&password=%C0%AF"),
    ("encoded surrogate", b"username=johndoe&password=%ED%A0%80"),
    ("F0 then a bad second byte", b"username=johndoe&password=%F0%80%80%80"),
    ("above U+10FFFF", b"username=johndoe&password=%F4%90%80%80"),
    ("lone continuation bytes", b"username=johndoe&password=%80%BFa%80"),
    ("valid 4-byte escape", b"username=johndoe&password=%F0%9F%94%91"),
    ("encoded NUL", b"username=johndoe&password=a%00b"),
    # Raw bytes above 0x7f are read as latin-1, one character per byte.
    ("raw UTF-8 e-acute", "username=jos\u00e9&password=secret".encode("utf-8")),
    ("raw latin-1 e-acute", b"username=jos\xe9&password=secret"),
    ("raw bytes split an escape run", b"username=johndoe&password=%C3\xa9%A9"),
    ("raw byte between halves of an escaped character", b"username=johndoe&password=%C3\xff%A9x"),
    ("raw 0xFF and 0x80", b"username=\xff\x80&password=secret"),
    ("raw DEL and control bytes", b"username=a\x7fb&password=c\x01d"),
    # Structure: separators, empty names, names without '='.
    ("semicolon is not a separator", b"username=johndoe;x=1&password=secret"),
    ("double ampersands and leading/trailing ones", b"&&username=johndoe&&&password=secret&&"),
    ("empty name", b"=x&username=johndoe&password=secret"),
    ("name without '=' in the middle", b"username=johndoe&flag&password=secret"),
    ("value keeps later '='", b"username=johndoe&password=a=b=c"),
    ("escaped name", b"%75sername=johndoe&pass%77ord=secret"),
    ("plus in a name", b"user+name=x&username=johndoe&password=secret"),
    ("escaped '=' and '&' in a value", b"username=johndoe&password=a%3Db%26c"),
    # Repeats: the last occurrence wins, even when empty.
    ("repeat, last wins", b"username=a&username=johndoe&password=secret"),
    ("repeat, last empty", b"username=johndoe&password=p&password="),
    ("repeat, last without '='", b"username=johndoe&password=p&password"),
    ("repeat, first empty", b"username=johndoe&password=&password=p"),
    ("username without '=' at the end", b"password=secret&username=johndoe&username"),
    ("empty username and password", b"username=&password="),
    ("grant_type empty", b"grant_type=&username=johndoe&password=secret"),
    ("grant_type repeated, last empty", b"grant_type=client&grant_type=&username=johndoe&password=secret"),
    ("client_id and client_secret", b"username=johndoe&password=secret&client_id=c%20i&client_secret=s"),
    ("scope with extra spaces", b"username=johndoe&password=secret&scope=+me++items+"),
    # 422 echoes of grant_type: decoded, then written as Python's json.dumps writes them.
    ("grant_type wrong", b"grant_type=client_credentials&username=johndoe&password=secret"),
    ("grant_type with trailing newline", b"grant_type=password%0A&username=johndoe&password=secret"),
    ("grant_type with short-escape controls", b"grant_type=%08%09%0A%0C%0D&username=johndoe&password=secret"),
    ("grant_type with other controls and DEL", b"grant_type=%00%01%1B%1F%7F&username=johndoe&password=secret"),
    ("grant_type with quote and backslash", b"grant_type=%22%5C%2F&username=johndoe&password=secret"),
    ("grant_type with U+FFFD, raw latin-1 and non-BMP", b"grant_type=%E9\xe9%F0%9F%94%91&username=johndoe&password=secret"),
    ("grant_type with %zz", b"grant_type=pass%zzword&password=secret"),
    ("grant_type with U+2028", b"grant_type=%E2%80%A8"),
    ("nothing", b""),
    ("not one defined field", b"a=1&b"),
]


def starlette_pairs(body, chunks):
    async def stream():
        for c in chunks:
            yield c

    parser = FormParser(Headers({"content-type": CT}), stream())
    return asyncio.run(parser.parse()).multi_items()


app = FastAPI()


def fields(form):
    return {
        "grant_type": form.grant_type,
        "username": form.username,
        "password": form.password,
        "scopes": form.scopes,
        "client_id": form.client_id,
        "client_secret": form.client_secret,
    }


@app.post("/form")
def form_route(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    return fields(form)


@app.post("/strict")
def strict_route(form: Annotated[OAuth2PasswordRequestFormStrict, Depends()]):
    return fields(form)


def main():
    client = TestClient(app)
    cases = []
    for note, body in BODIES:
        whole = starlette_pairs(body, [body])
        bytewise = starlette_pairs(body, [body[i : i + 1] for i in range(len(body))])
        assert whole == bytewise, (note, whole, bytewise)
        case = {
            "note": note,
            "body_hex": body.hex(),
            "body_repr": repr(body),
            "starlette_pairs": [list(p) for p in whole],
        }
        for route in ("form", "strict"):
            r = client.post("/" + route, content=body, headers={"content-type": CT})
            answer = {"status": r.status_code}
            if r.status_code == 200:
                answer["fields"] = r.json()
            else:
                # The exact bytes FastAPI sent.
                answer["body"] = r.content.decode("utf-8")
            case[route] = answer
        cases.append(case)
    versions = {
        name: metadata.version(name)
        for name in ("fastapi", "starlette", "python-multipart", "pydantic", "pydantic-core")
    }
    out = {
        "source": (
            "FastAPI %(fastapi)s with Starlette %(starlette)s, python-multipart %(python-multipart)s, "
            "pydantic %(pydantic)s (pydantic-core %(pydantic-core)s)" % versions
            + ", Python %s: Starlette's FormParser over each body, and TestClient posts to "
            "routes taking OAuth2PasswordRequestForm (`form`) and OAuth2PasswordRequestFormStrict "
            "(`strict`). Generated by `python3 crates/core/tests/data/fastapi_form.py`."
            % platform.python_version()
        ),
        "versions": versions,
        "cases": cases,
    }
    # One case a line.
    head = json.dumps({k: out[k] for k in ("source", "versions")}, ensure_ascii=False, indent=1)
    lines = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases)
    sys.stdout.write(head[:-2] + ',\n "cases": [\n' + lines + "\n ]\n}\n")


if __name__ == "__main__":
    main()
