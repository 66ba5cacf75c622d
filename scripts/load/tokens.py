"""Prints shell `export` lines for the soak's tokens: VALID_TOKEN (the argument, issued by the
server under test), EXPIRED_TOKEN (signed with SECRET_KEY, expired an hour ago),
OTHER_KEY_TOKEN (valid claims, another key) and NONE_TOKEN (alg "none", no signature)."""

import base64
import json
import os
import shlex
import sys
import time

import jwt

key = os.environ["SECRET_KEY"]
now = int(time.time())
expired = jwt.encode({"sub": "johndoe", "iat": now - 7200, "exp": now - 3600}, key, "HS256")
other = jwt.encode({"sub": "johndoe", "iat": now, "exp": now + 3600}, "another-key-" * 4, "HS256")


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


none = b64({"alg": "none", "typ": "JWT"}) + "." + b64({"sub": "johndoe", "exp": now + 3600}) + "."
for name, value in [
    ("VALID_TOKEN", sys.argv[1]),
    ("EXPIRED_TOKEN", expired),
    ("OTHER_KEY_TOKEN", other),
    ("NONE_TOKEN", none),
]:
    print(f"export {name}={shlex.quote(value)}")
