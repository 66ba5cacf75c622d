#!/usr/bin/env python3
"""Differential test: a Tessera tutorial server in `--style fastapi` against the FastAPI app.

Starts tutorial_app.py under uvicorn (the reference) and one Tessera tutorial binary
(`rocket-tutorial`, `warp-tutorial` or `axum-tutorial`, given on the command line) with
`--style fastapi`, the same `--variant` and the same SECRET_KEY, each on a free port of
127.0.0.1. Then sends the same raw HTTP/1.1 requests, byte for byte, to both over plain sockets
and compares:

* every interim (1xx) status line and the final status line, exactly;
* every header except `date` and `server` (names case-insensitively, values exactly and in
  order for a repeated name; in `location` the server's own port becomes `<PORT>`; `allow`
  as a set of methods, because Starlette joins a Python set there, whose order changes from
  one process to the next with the string hash seed);
* the body bytes, with each JWT replaced by its shape: decoded header, decoded payload with
  `exp` made relative to now (in minutes), and whether the HS256 signature verifies.

Cases marked `status+ctype` (the documentation routes) compare only the status line and
content-type, since the documents differ.

Tessera's login throttle (429 after LOGIN_FAILURE_LIMIT failures per user, default 5) has no
FastAPI counterpart, so the Tessera server is started with a limit high enough never to trip.

Deliberate differences are listed, each with its reason, in expected_differences.py (next to
this file): header rules (the security headers our apps add to every answer) and entries naming
cases, the server and the parts of the answer that may differ. A difference an entry covers is
printed as `expected difference: <reason>` and does not fail; any other difference fails, and so
does an entry that matches no actual difference (`stale expected difference`).
`--ignore-header NAME` leaves a header out of the comparison altogether.

Prints one line per unexpected difference, one per expected one, and ends with
`N passed, N failed` (a case whose differences are all expected passes; each stale entry counts
as a failure); exits 1 on any failure, 2 when a server cannot be started or the table is
malformed. `--dump DIR` keeps each case's request and both raw answers. Only the standard
library is used here; the interpreter that runs uvicorn is --python (default: this one).

Usage: compare.py --server target/debug/axum-tutorial --variant scopes [--dump DIR]
"""

import argparse
import atexit
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LOOPBACK = "127.0.0.1"
IO_TIMEOUT = 5.0          # every socket operation
EXPECT_WAIT = 1.0         # how long to wait for `100 Continue` before sending a body anyway
START_TIMEOUT = 30.0      # how long a server may take to accept connections
IGNORED_HEADERS = {"date", "server"}

# --------------------------------------------------------------------------------------------
# Processes

_children = []


def _stop_children():
    for proc in _children:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5
    for proc in _children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)
    _children.clear()


def _on_signal(signum, _frame):
    raise SystemExit(f"stopped by signal {signum}")


def _on_time_limit(_signum, _frame):
    raise SystemExit("time limit reached")


def _die_with_parent():
    """In a child, before exec: be killed when compare.py dies, even by SIGKILL (Linux)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, label, cmd, env, log_dir):
        self.label = label
        self.port = None
        self.cmd = cmd
        self.env = env
        self.log_path = os.path.join(log_dir, f"{label}.log")
        self.proc = None

    def start(self, port):
        self.port = port
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [c.replace("{PORT}", str(port)) for c in self.cmd],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        _children.append(self.proc)

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"exited with {self.proc.returncode}"
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=0.5):
                    return None
            except OSError:
                time.sleep(0.1)
        return f"not accepting connections after {START_TIMEOUT:.0f} s"

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------------------------
# HTTP over raw sockets


class Answer:
    def __init__(self):
        self.interim = []      # status lines of 1xx answers, bytes
        self.status = None     # final status line, bytes
        self.headers = []      # [(name, value)] as sent, bytes
        self.body = b""
        self.error = None      # what went wrong at the socket or framing level
        self.raw = b""

    def header(self, name):
        return [v for n, v in self.headers if n.lower() == name]


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def fill(self):
        if self.eof:
            return False
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def until(self, marker):
        while marker not in self.buf:
            if not self.fill():
                return None
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            if not self.fill():
                break
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def rest(self):
        while self.fill():
            pass
        out, self.buf = self.buf, b""
        return out


def _parse_head(head):
    lines = head[:-4].split(b"\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append((name, value.strip(b" \t")))
    return lines[0], headers


def exchange(port, raw, head=False, expect_wait=False):
    """Sends `raw` on a new connection and reads one answer (after any 1xx)."""
    ans = Answer()
    split = raw.find(b"\r\n\r\n") + 4 if expect_wait else len(raw)
    try:
        sock = socket.create_connection((LOOPBACK, port), timeout=IO_TIMEOUT)
    except OSError as e:
        ans.error = f"connect: {e}"
        return ans
    with sock:
        sock.settimeout(IO_TIMEOUT)
        reader = _Reader(sock)
        try:
            sock.sendall(raw[:split])
            if split < len(raw):
                ready, _, _ = select.select([sock], [], [], EXPECT_WAIT)
                if ready:
                    reader.fill()
                # Send the body unless the server has started a final (non-1xx) answer.
                if not reader.buf or re.match(rb"HTTP/\d\.\d 1\d\d ", reader.buf):
                    try:
                        sock.sendall(raw[split:])
                    except OSError:
                        pass
            while True:
                head_bytes = reader.until(b"\r\n\r\n")
                if head_bytes is None:
                    ans.error = "connection closed before a complete answer head"
                    ans.raw += reader.buf
                    return ans
                ans.raw += head_bytes
                status, headers = _parse_head(head_bytes)
                code = status.split(b" ")[1] if len(status.split(b" ")) > 1 else b""
                if code.startswith(b"1") and code != b"101":
                    ans.interim.append(status)
                    continue
                ans.status, ans.headers = status, headers
                break
            te = b",".join(ans.header(b"transfer-encoding")).lower()
            cl = ans.header(b"content-length")
            if head or code in (b"204", b"304"):
                pass
            elif b"chunked" in te:
                body = b""
                while True:
                    size_line = reader.until(b"\r\n")
                    if size_line is None:
                        ans.error = "chunked body cut short"
                        break
                    ans.raw += size_line
                    size = int(size_line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        trailer = reader.until(b"\r\n")
                        ans.raw += trailer or b""
                        break
                    chunk = reader.exactly(size + 2)
                    ans.raw += chunk
                    body += chunk[:size]
                ans.body = body
            elif cl:
                try:
                    n = int(cl[0])
                except ValueError:
                    n = 0
                    ans.error = f"bad content-length {cl[0]!r}"
                ans.body = reader.exactly(n)
                if len(ans.body) < n:
                    ans.error = f"body cut short: {len(ans.body)} of {n} bytes"
            else:
                ans.body = reader.rest()
            ans.raw += ans.body
        except socket.timeout:
            ans.error = "timed out"
        except OSError as e:
            ans.error = f"socket: {e}"
    return ans


# --------------------------------------------------------------------------------------------
# Tokens


def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64d(data):
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def mint(key, payload, header=None, alg="HS256"):
    """An HS256 (or HS512) JWT for `payload`, as PyJWT lays it out."""
    header = header if header is not None else {"alg": alg, "typ": "JWT"}
    h = b64e(json.dumps(header, separators=(",", ":")).encode())
    p = b64e(json.dumps(payload, separators=(",", ":")).encode())
    digest = hashlib.sha512 if alg == "HS512" else hashlib.sha256
    s = b64e(hmac.new(key, h + b"." + p, digest).digest()) if alg != "none" else b""
    return h + b"." + p + b"." + s


JWT_RE = re.compile(rb"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


def token_shape(token, key):
    h, p, s = token.split(b".")
    try:
        header, payload = b64d(h), b64d(p)
    except ValueError:
        return b"<jwt undecodable>"
    now = time.time()

    def rel(m):
        return b'"exp":now%+dmin' % round((int(m.group(1)) - now) / 60)

    payload = re.sub(rb'"exp":(\d+)', rel, payload)
    good = hmac.compare_digest(b64e(hmac.new(key, h + b"." + p, hashlib.sha256).digest()), s)
    return b"<jwt " + header + b" " + payload + b" sig=" + (b"ok" if good else b"bad") + b">"


def normalise_body(body, key):
    return JWT_RE.sub(lambda m: token_shape(m.group(0), key), body)


# --------------------------------------------------------------------------------------------
# Requests


class Ctx:
    """What a request needs to know about the server it goes to."""

    def __init__(self, port, tokens, other_tokens, minted):
        self.port = port
        self.host = f"{LOOPBACK}:{port}".encode()
        self.tokens = tokens
        self.other_tokens = other_tokens
        self.minted = minted

    def tok(self, name):
        if name.startswith("other:"):
            return self.other_tokens.get(name[6:], b"no-token")
        if name.startswith("mint:"):
            return self.minted[name[5:]]
        return self.tokens.get(name, b"no-token")


def http(method, target, headers=(), body=None, version=b"HTTP/1.1", host=True, length=True):
    """A request builder: Host is the server's own address unless given (False: none);
    headers are bytes or functions of the Ctx; Content-Length is added for a body."""

    def build(ctx):
        lines = [b" ".join(x for x in (method, target, version) if x)]
        if host is True:
            lines.append(b"Host: " + ctx.host)
        elif host:
            lines.append(b"Host: " + host)
        for h in headers:
            lines.append(h(ctx) if callable(h) else h)
        if body is not None and length:
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")

    return build


FORM = b"Content-Type: application/x-www-form-urlencoded"


def login(body, ctype=FORM, headers=(), target=b"/token"):
    return http(b"POST", target, [ctype, *headers] if ctype else list(headers), body)


def bearer(name, scheme=b"Bearer ", prefix=b"", suffix=b""):
    return lambda ctx: b"Authorization: " + scheme + prefix + ctx.tok(name) + suffix


def get(path, headers=(), method=b"GET", **kw):
    return http(method, path, headers, **kw)


class Case:
    def __init__(self, name, build, variants=("jwt", "scopes"), compare="full",
                 head=False, expect_wait=False):
        self.name = name
        self.build = build
        self.variants = variants
        self.compare = compare
        self.head = head
        self.expect_wait = expect_wait


JWT, SCOPES = ("jwt",), ("scopes",)
JOHN = "john"        # johndoe's token (scopes variant: scope "me items")


def cases():
    c = []
    add = lambda name, build, **kw: c.append(Case(name, build, **kw))

    # --- logins that succeed or fail on credentials
    add("login ok", login(b"username=johndoe&password=secret"))
    add("login ok with grant_type=password", login(b"grant_type=password&username=johndoe&password=secret"))
    add("login ok with every field", login(
        b"grant_type=password&username=johndoe&password=secret&scope=me+items&client_id=c&client_secret=s"))
    add("login ok with scope spaces", login(b"username=johndoe&password=secret&scope=%20items%20%20me%20"))
    add("login ok with empty grant_type", login(b"grant_type=&username=johndoe&password=secret"))
    add("login ok with unknown extra field", login(b"username=johndoe&password=secret&remember=1"))
    add("login ok with empty pairs", login(b"&&username=johndoe&&password=secret&&"))
    add("login semicolon separator", login(b"username=johndoe;password=secret"))
    add("login ok with stray equals", login(b"username=johndoe&password=secret&=&a==b"))
    add("login ok with query string", login(b"username=johndoe&password=secret", target=b"/token?next=%2F"))
    add("login ok percent-encoded", login(b"user%6Eame=%6Aohndoe&password=%73ecret"))
    add("login ok charset param", login(
        b"username=johndoe&password=secret",
        ctype=b"Content-Type: application/x-www-form-urlencoded; charset=utf-8"))
    add("login ok uppercase content-type", login(
        b"username=johndoe&password=secret", ctype=b"Content-Type: APPLICATION/X-WWW-FORM-URLENCODED"))
    mp = (b"--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njohndoe\r\n"
          b"--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret\r\n--XyZ--\r\n")
    add("login ok multipart", login(mp, ctype=b"Content-Type: multipart/form-data; boundary=XyZ"))
    body = b"username=johndoe&password=secret"
    add("login ok chunked", http(b"POST", b"/token", [FORM, b"Transfer-Encoding: chunked"],
                                 b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body), length=False))
    add("login ok Expect 100-continue", login(body, headers=[b"Expect: 100-continue"]), expect_wait=True)
    add("login wrong password Expect 100-continue",
        login(b"username=johndoe&password=nope", headers=[b"Expect: 100-continue"]), expect_wait=True)
    add("login ok Expect unknown", login(body, headers=[b"Expect: something-else"]))
    add("login disabled user ok", login(b"username=alice&password=secret2"))
    add("login wrong password", login(b"username=johndoe&password=wrong"))
    add("login wrong password case", login(b"username=johndoe&password=SECRET"))
    add("login unknown user", login(b"username=nobody&password=secret"))
    add("login username case", login(b"username=JohnDoe&password=secret"))
    add("login plus is space", login(b"username=john+doe&password=secret"))

    # --- 422: missing fields
    add("422 empty form body", login(b""))
    add("422 no content-type no body", http(b"POST", b"/token", [b"Content-Length: 0"]))
    add("422 json body", login(b'{"username":"johndoe","password":"secret"}',
                               ctype=b"Content-Type: application/json"))
    add("422 text/plain body", login(b"username=johndoe&password=secret", ctype=b"Content-Type: text/plain"))
    add("422 missing password", login(b"username=johndoe"))
    add("422 missing username", login(b"password=secret"))
    add("422 empty password", login(b"username=johndoe&password="))
    add("422 empty username", login(b"username=&password=secret"))
    add("422 empty both", login(b"username=&password="))
    add("422 bare names", login(b"username&password"))

    # --- 422: grant_type does not match ^password$ (the input is echoed)
    rest = b"&username=johndoe&password=secret"
    for label, value in [
        ("client_credentials", b"client_credentials"),
        ("uppercase", b"PASSWORD"),
        ("tab", b"pass%09word"),
        ("backspace", b"%08"),
        ("controls 01 1f 7f", b"%01%1F%7F"),
        ("NUL", b"%00"),
        ("trailing newline", b"password%0A"),
        ("CR LF", b"%0D%0A"),
        ("form feed", b"x%0Cx"),
        ("quote backslash slash", b"%22%5C%2F"),
        ("plus", b"pass+word"),
        ("non-ASCII", b"%C3%A9%E2%82%AC"),
        ("emoji", b"%F0%9F%98%80"),
        ("U+2028", b"%E2%80%A8"),
        ("raw UTF-8 bytes", b"\xc3\xa9"),
        ("raw byte ff", b"\xff"),
        ("bad percent zz", b"%zz"),
        ("bad percent lone", b"%"),
        ("bad percent truncated", b"pass%2"),
        ("bad percent E9", b"%E9"),
        ("surrogate-ish ED A0 80", b"%ED%A0%80"),
    ]:
        add(f"422 grant_type {label}", login(b"grant_type=" + value + rest))
    add("422 grant_type wrong and fields missing", login(b"grant_type=x"))
    add("login ok grant_type repeated, last right", login(b"grant_type=x&grant_type=password" + rest))
    add("422 grant_type repeated, last wrong", login(b"grant_type=password&grant_type=x" + rest))

    # --- repeated fields: the last value counts, an empty last value is missing
    add("422 password repeated, last empty", login(b"username=johndoe&password=secret&password="))
    add("login ok password repeated, first empty", login(b"username=johndoe&password=&password=secret"))
    add("login password repeated, last wrong", login(b"username=johndoe&password=secret&password=wrong"))
    add("login ok password repeated, last right", login(b"username=johndoe&password=wrong&password=secret"))
    add("login ok username repeated", login(b"username=alice&username=johndoe&password=secret"))
    add("422 username repeated, last empty", login(b"username=johndoe&username=&password=secret"))
    add("login scope repeated", login(b"username=johndoe&password=secret&scope=me&scope=items"))

    # --- malformed percent-encoding in the credentials
    for label, form in [
        ("username %zz", b"username=%zzjohndoe&password=secret"),
        ("username lone %", b"username=johndoe%&password=secret"),
        ("username %E9", b"username=johndoe%E9&password=secret"),
        ("username raw ff", b"username=johndoe\xff&password=secret"),
        ("password %zz", b"username=johndoe&password=secret%zz"),
        ("password lone %", b"username=johndoe&password=secret%"),
        ("password %E9", b"username=johndoe&password=%E9secret"),
        ("password truncated %2", b"username=johndoe&password=secret%2"),
        ("field name %zz", b"user%zzname=johndoe&password=secret"),
    ]:
        add(f"login {label}", login(form))

    # --- GET /users/me/
    me = b"/users/me/"
    add("me own token", get(me, [bearer(JOHN)]))
    add("me token from the other server", get(me, [bearer("other:" + JOHN)]))
    add("me lowercase bearer", get(me, [bearer(JOHN, scheme=b"bearer ")]))
    add("me uppercase BEARER", get(me, [bearer(JOHN, scheme=b"BEARER ")]))
    add("me lowercase header name", get(me, [lambda x: b"authorization: Bearer " + x.tok(JOHN)]))
    add("me no Authorization", get(me))
    add("me empty Authorization", get(me, [b"Authorization:"]))
    add("me Basic", get(me, [b"Authorization: Basic am9obmRvZTpzZWNyZXQ="]))
    add("me unknown scheme", get(me, [bearer(JOHN, scheme=b"Token ")]))
    add("me Bearer without token", get(me, [b"Authorization: Bearer"]))
    add("me Bearer and trailing space", get(me, [b"Authorization: Bearer "]))
    add("me two spaces before token", get(me, [bearer(JOHN, scheme=b"Bearer  ")]))
    add("me tab before token", get(me, [bearer(JOHN, scheme=b"Bearer\t")]))
    add("me garbage token", get(me, [b"Authorization: Bearer not.a.jwt"]))
    add("me token plus garbage", get(me, [bearer(JOHN, suffix=b"x")]))
    add("me token extra segment", get(me, [bearer(JOHN, suffix=b".x")]))
    add("me obs-text token", get(me, [b"Authorization: Bearer caf\xc3\xa9"]))
    add("me query ignored", get(me + b"?token=x&a=%zz", [bearer(JOHN)]))
    for name in ["tampered", "wrong key", "expired", "no exp", "no sub", "unknown sub", "int sub",
                 "nbf future", "iat future", "aud", "alg none", "HS512", "exp string",
                 "payload not JSON", "no typ"]:
        add(f"me minted {name}", get(me, [bearer("mint:" + name)]))
    add("me disabled user", get(me, [bearer("alice")]))
    add("me two Authorization, valid first", get(me, [bearer(JOHN), b"Authorization: Bearer bad"]))
    add("me two Authorization, invalid first", get(me, [b"Authorization: Bearer bad", bearer(JOHN)]))
    add("me two Authorization, Basic first", get(me, [b"Authorization: Basic eDp5", bearer(JOHN)]))

    # --- GET /items/: the token echoed, unchecked
    items = b"/items/"
    add("items own token", get(items, [bearer(JOHN)]))
    add("items any token", get(items, [b"Authorization: Bearer abc"]))
    add("items Bearer without token", get(items, [b"Authorization: Bearer"]))
    add("items no Authorization", get(items))
    add("items Basic", get(items, [b"Authorization: Basic eDp5"]))
    add("items quote and backslash", get(items, [b'Authorization: Bearer a"b\\c']))
    add("items obs-text token", get(items, [b"Authorization: Bearer caf\xc3\xa9\xff"]))
    add("items two spaces", get(items, [b"Authorization: Bearer  abc"]))
    add("items comma list", get(items, [b"Authorization: Bearer a, Bearer b"]))
    add("items two Authorization", get(items, [b"Authorization: Bearer one", b"Authorization: Bearer two"]))

    # --- GET /users/me/items/
    my = b"/users/me/items/"
    add("my items own token", get(my, [bearer(JOHN)]))
    add("my items no Authorization", get(my))
    add("my items garbage token", get(my, [b"Authorization: Bearer x"]))
    add("my items disabled user", get(my, [bearer("alice")]))
    add("my items token from the other server", get(my, [bearer("other:" + JOHN)]))

    # --- scopes
    add("me scope items only", get(me, [bearer("john_items")]), variants=SCOPES)
    add("me no scope", get(me, [bearer("john_none")]), variants=SCOPES)
    add("my items scope me only", get(my, [bearer("john_me")]), variants=SCOPES)
    add("my items scope items only", get(my, [bearer("john_items")]), variants=SCOPES)
    add("me minted scope double space", get(me, [bearer("mint:scope double space")]), variants=SCOPES)
    add("me minted no scope claim", get(me, [bearer("mint:no scope claim")]), variants=SCOPES)
    add("me minted scope list", get(me, [bearer("mint:scope list")]), variants=SCOPES)
    add("status no scope", get(b"/status/", [bearer("john_none")]), variants=SCOPES)
    add("status no Authorization", get(b"/status/"), variants=SCOPES)
    add("status garbage token", get(b"/status/", [b"Authorization: Bearer x"]), variants=SCOPES)
    add("status disabled user", get(b"/status/", [bearer("alice")]), variants=SCOPES)
    add("status jwt variant 404", get(b"/status/"), variants=JWT)
    add("status no slash jwt variant 404", get(b"/status"), variants=JWT)

    # --- methods
    for path in [me, items, my, b"/token"]:
        add(f"HEAD {path.decode()}", get(path, [bearer(JOHN)], method=b"HEAD"), head=True)
    add("HEAD /status/", get(b"/status/", method=b"HEAD"), head=True, variants=SCOPES)
    add("GET /token", get(b"/token"))
    add("POST /users/me/", http(b"POST", me, [FORM], b"a=1"))
    add("PUT /items/", http(b"PUT", items, [], b""))
    add("DELETE /token", http(b"DELETE", b"/token"))
    add("PATCH /users/me/items/", http(b"PATCH", my, [], b"x"))
    add("OPTIONS /token", http(b"OPTIONS", b"/token"))
    add("FOO /users/me/", get(me, [bearer(JOHN)], method=b"FOO"))
    add("QUERY /items/", http(b"QUERY", items, [b"Content-Type: text/plain"], b"q"))
    add("FOO /token", http(b"FOO", b"/token", [FORM], b"username=johndoe&password=secret"))
    add("lowercase get /users/me/", get(me, [bearer(JOHN)], method=b"get"))
    add("TRACE /items/", get(items, method=b"TRACE"))
    add("POST /status/", http(b"POST", b"/status/", [], b""), variants=SCOPES)

    # --- trailing slashes and unknown paths
    add("redirect GET /users/me", get(b"/users/me", [bearer(JOHN)]))
    add("redirect GET /users/me with query", get(b"/users/me?a=1&b=%20c"))
    add("redirect GET /items", get(b"/items"))
    add("redirect GET /users/me/items", get(b"/users/me/items"))
    add("redirect POST /token/", login(b"username=johndoe&password=secret", target=b"/token/"))
    add("redirect POST /token/ Expect 100-continue",
        login(b"username=johndoe&password=secret", target=b"/token/", headers=[b"Expect: 100-continue"]),
        expect_wait=True)
    add("redirect GET /token/", get(b"/token/"))
    add("redirect POST /token//", get(b"/token//", method=b"POST"))
    add("redirect HEAD /users/me", get(b"/users/me", method=b"HEAD"), head=True)
    add("redirect FOO /users/me", get(b"/users/me", method=b"FOO"))
    add("redirect GET /status", get(b"/status"), variants=SCOPES)
    add("redirect Host without port", get(b"/users/me", host=b"example.test"))
    add("redirect Host with port", get(b"/users/me", host=b"example.test:8080"))
    add("redirect HTTP/1.0 without Host", get(b"/users/me", version=b"HTTP/1.0", host=False))
    add("redirect X-Forwarded-Proto https", get(b"/users/me", [b"X-Forwarded-Proto: https"]))
    add("redirect POST /token/ with query", login(b"username=johndoe&password=secret", target=b"/token/?a=b"))
    add("redirect Host uppercase", get(b"/users/me", host=b"EXAMPLE.test"))
    add("redirect Host IPv6", get(b"/users/me", host=b"[::1]:8000"))
    add("redirect two Host headers", get(b"/users/me", [b"Host: second.test"], host=b"first.test"))
    add("redirect encoded slash /users%2Fme", get(b"/users%2Fme"))
    add("404 /users/me//", get(b"/users/me//"))
    add("404 //users/me/", get(b"//users/me/", [bearer(JOHN)]))
    add("404 /users/me/%2F", get(b"/users/me/%2F", [bearer(JOHN)]))
    add("404 /nope", get(b"/nope"))
    add("404 /", get(b"/"))
    add("404 /Users/me/", get(b"/Users/me/"))
    add("404 /users/me/extra", get(b"/users/me/extra"))
    add("404 bad percent in path", get(b"/users/me/%zz"))
    add("404 %E9 in path", get(b"/%E9"))
    add("POST /nope", http(b"POST", b"/nope", [FORM], b"a=1"))
    add("encoded slash /users%2Fme/", get(b"/users%2Fme/", [bearer(JOHN)]))
    add("encoded letter /%75sers/me/", get(b"/%75sers/me/", [bearer(JOHN)]))
    add("absolute-form target", lambda x: get(b"http://" + x.host + b"/users/me/", [bearer(JOHN)])(x))

    # --- documentation routes
    add("GET /docs", get(b"/docs"), compare="status+ctype")
    add("HEAD /docs", get(b"/docs", method=b"HEAD"), compare="status+ctype", head=True)
    add("GET /openapi.json", get(b"/openapi.json"), compare="status+ctype")
    add("HEAD /openapi.json", get(b"/openapi.json", method=b"HEAD"), compare="status+ctype", head=True)
    add("GET /redoc", get(b"/redoc"), compare="status+ctype")
    add("GET /docs/oauth2-redirect", get(b"/docs/oauth2-redirect"), compare="status+ctype")
    add("POST /docs", http(b"POST", b"/docs", [], b""))
    add("POST /openapi.json", http(b"POST", b"/openapi.json", [], b""))
    add("redirect /openapi.json/", get(b"/openapi.json/"))
    add("redirect /docs//", get(b"/docs//"))
    add("redirect /docs/", get(b"/docs/"))

    # --- HTTP framing
    add("HTTP/1.1 without Host", get(me, host=False))
    add("HTTP/1.0 with Host", get(me, version=b"HTTP/1.0"))
    add("Connection: close", get(me, [b"Connection: close"]))
    add("two equal Content-Length", http(b"POST", b"/token", [FORM, b"Content-Length: 32"],
                                         b"username=johndoe&password=secret"))
    add("Content-Length and chunked", http(b"POST", b"/token", [FORM, b"Content-Length: 5",
                                           b"Transfer-Encoding: chunked"], b"0\r\n\r\n", length=False))
    add("control byte in header value", get(items, [b"Authorization: Bearer a\x01b"]))
    add("space before colon", get(items, [b"Authorization : Bearer abc"]))
    add("obs-fold", get(items, [b"Authorization: Bearer", b" abc"]))
    add("HTTP/1.2", get(me, version=b"HTTP/1.2"))
    return c


def minted_tokens(key):
    now = int(time.time())
    later = now + 1800
    john = {"sub": "johndoe", "exp": later}
    good = mint(key, john)
    h, p, s = good.split(b".")
    tampered = h + b"." + p + b"." + (b"A" if s[:1] != b"A" else b"B") + s[1:]
    return {
        "tampered": tampered,
        "wrong key": mint(b"another key, at least thirty-two bytes", john),
        "expired": mint(key, {"sub": "johndoe", "exp": now - 120}),
        "no exp": mint(key, {"sub": "johndoe"}),
        "no sub": mint(key, {"exp": later}),
        "unknown sub": mint(key, {"sub": "nobody", "exp": later}),
        "int sub": mint(key, {"sub": 7, "exp": later}),
        "nbf future": mint(key, {"sub": "johndoe", "nbf": now + 600, "exp": later}),
        "iat future": mint(key, {"sub": "johndoe", "iat": now + 600, "exp": later}),
        "aud": mint(key, {"sub": "johndoe", "aud": "someone", "exp": later}),
        "alg none": mint(key, john, alg="none"),
        "HS512": mint(key, john, alg="HS512"),
        "exp string": mint(key, {"sub": "johndoe", "exp": "soon"}),
        "payload not JSON": h + b"." + b64e(b"not json") + b"."
        + b64e(hmac.new(key, h + b"." + b64e(b"not json"), hashlib.sha256).digest()),
        "no scope claim": good,
        "no typ": mint(key, john, header={"alg": "HS256"}),
        "scope double space": mint(key, {"sub": "johndoe", "scope": "me  items", "exp": later}),
        "scope list": mint(key, {"sub": "johndoe", "scope": ["me", "items"], "exp": later}),
    }


def get_tokens(port, variant):
    """Logs in on a server; returns ({name: token}, [problems])."""
    wanted = {JOHN: (b"johndoe", b"secret", b"me items"), "alice": (b"alice", b"secret2", b"me items")}
    if variant == "scopes":
        wanted.update({"john_me": (b"johndoe", b"secret", b"me"),
                       "john_items": (b"johndoe", b"secret", b"items"),
                       "john_none": (b"johndoe", b"secret", b"")})
    tokens, problems = {}, []
    for name, (user, password, scope) in wanted.items():
        form = b"username=%s&password=%s&scope=%s" % (user, password, scope.replace(b" ", b"+"))
        ans = exchange(port, login(form)(Ctx(port, {}, {}, {})))
        try:
            tokens[name] = json.loads(ans.body)["access_token"].encode()
        except (ValueError, KeyError, TypeError):
            problems.append(f"login {name} on port {port}: {ans.status!r} {ans.body[:200]!r} {ans.error or ''}")
    return tokens, problems


# --------------------------------------------------------------------------------------------
# Comparison


def show(data, limit=3000):
    text = repr(data)
    return text if len(text) <= limit else text[:limit] + f"... ({len(data)} bytes)"


class Diff:
    """One part of the answers that differs: `part` is "transport", "interim", "status", "body"
    or "header <name>"; `ref` and `ours` are the compared values; `text` says it for a person."""

    def __init__(self, part, ref, ours):
        self.part, self.ref, self.ours = part, ref, ours
        self.text = f"{part}: fastapi {show(ref)} | ours {show(ours)}"


def differences(case, ref, ours, ref_port, our_port, key):
    out = []
    if ref.error or ours.error:
        if ref.error != ours.error:
            out.append(Diff("transport", ref.error, ours.error))
    if ref.interim != ours.interim:
        out.append(Diff("interim", ref.interim, ours.interim))
    if ref.status != ours.status:
        out.append(Diff("status", ref.status, ours.status))
    if case.compare == "status+ctype":
        rc, oc = ref.header(b"content-type"), ours.header(b"content-type")
        if rc != oc:
            out.append(Diff("header content-type", rc, oc))
        return out

    def table(ans, port):
        t = {}
        for name, value in ans.headers:
            n = name.lower()
            if n.decode("latin-1") in IGNORED_HEADERS:
                continue
            if n == b"location":
                value = value.replace(b":%d" % port, b":<PORT>")
            if n == b"allow":
                value = b", ".join(sorted(m.strip() for m in value.split(b",")))
            t.setdefault(n, []).append(value)
        return t

    rt, ot = table(ref, ref_port), table(ours, our_port)
    for name in sorted(set(rt) | set(ot)):
        if rt.get(name) != ot.get(name):
            out.append(Diff(f"header {name.decode('latin-1')}", rt.get(name), ot.get(name)))
    rb, ob = normalise_body(ref.body, key), normalise_body(ours.body, key)
    if rb != ob:
        out.append(Diff("body", rb, ob))
    return out


# --------------------------------------------------------------------------------------------
# Expected differences (expected_differences.py)

PART_RE = re.compile(r"^(transport|interim|status|body|header [a-z0-9!#$%&'*+.^_`|~-]+)$")


def status_code(ans):
    parts = (ans.status or b"").split(b" ")
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return None


class Expectations:
    """The table of expected_differences.py, checked, for one run (server, variant)."""

    def __init__(self, module, server, variant, all_case_names):
        self.server, self.variant = server, variant
        self.problems = []
        self.header_rules = []
        self.entries = []
        known_servers = tuple(getattr(module, "SERVERS", ()))
        if server not in known_servers:
            self.problems.append(f"server {server!r} is not in SERVERS {known_servers}")
        for i, rule in enumerate(getattr(module, "HEADER_RULES", [])):
            where = f"HEADER_RULES[{i}]"
            if not (isinstance(rule.get("header"), str) and isinstance(rule.get("ours"), str)
                    and self._reason_ok(rule, where)):
                self.problems.append(f"{where}: needs header, ours and a one-line reason")
                continue
            self.header_rules.append({**rule, "header": rule["header"].lower(), "seen": 0})
        for i, entry in enumerate(getattr(module, "EXPECTED", [])):
            where = f"EXPECTED[{i}]"
            unknown_keys = set(entry) - {"reason", "cases", "parts", "servers", "variants",
                                         "ours_status", "ours_headers"}
            if unknown_keys:
                self.problems.append(f"{where}: unknown keys {sorted(unknown_keys)}")
            if not self._reason_ok(entry, where):
                continue
            where = f"{where} ({entry['reason'][:50]}...)"
            cases = entry.get("cases")
            if not cases or not isinstance(cases, list):
                self.problems.append(f"{where}: cases must be a non-empty list of case names")
                continue
            for name in cases:
                if name not in all_case_names:
                    self.problems.append(f"{where}: no case is named {name!r}")
            parts = entry.get("parts")
            if not parts or any(not isinstance(p, str) or not PART_RE.match(p) for p in parts):
                self.problems.append(f"{where}: parts must be a non-empty list of transport, interim, "
                                     f"status, body or 'header <lower-case name>'")
                continue
            for s in entry.get("servers", []):
                if s not in known_servers:
                    self.problems.append(f"{where}: unknown server {s!r}")
            for v in entry.get("variants", []):
                if v not in ("jwt", "scopes"):
                    self.problems.append(f"{where}: unknown variant {v!r}")
            st = entry.get("ours_status")
            if isinstance(st, dict):
                for name in st:
                    if name not in cases:
                        self.problems.append(f"{where}: ours_status names {name!r}, not one of its cases")
            if server in entry.get("servers", known_servers) and variant in entry.get("variants", ("jwt", "scopes")):
                self.entries.append(entry)

    def _reason_ok(self, entry, where):
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
            self.problems.append(f"{where}: needs a one-line reason")
            return False
        return True

    @staticmethod
    def _conditions(entry, case_name, ours):
        """None when `ours` is as the entry says, else what is not."""
        want = entry.get("ours_status")
        if isinstance(want, dict):
            want = want.get(case_name)
        if want is not None and status_code(ours) != want:
            return f"ours answered {ours.status!r}, the entry expects status {want}"
        for name, value in entry.get("ours_headers", {}).items():
            got = ours.header(name.lower().encode())
            if got != [value.encode()]:
                return f"ours sent {name}: {got!r}, the entry expects {value!r}"
        return None

    def classify(self, case_name, diffs, ours):
        """Splits `diffs` into ([(entry, [Diff])] expected, [Diff] unexpected, [stale message])."""
        expected, unexpected, stale = {}, [], []
        applicable = [e for e in self.entries if case_name in e["cases"]]
        mismatch = {id(e): self._conditions(e, case_name, ours) for e in applicable}
        rest = []
        for d in diffs:
            rule = next((r for r in self.header_rules if d.part == "header " + r["header"]), None)
            if rule and d.ref is None and d.ours == [rule["ours"].encode()]:
                rule["seen"] += 1
                continue
            rest.append(d)
            entry = next((e for e in applicable if d.part in e["parts"] and mismatch[id(e)] is None), None)
            if entry is None:
                unexpected.append(d)
            else:
                expected.setdefault(id(entry), (entry, []))[1].append(d)
        for e in applicable:
            if id(e) not in expected and not self._all_ignored(e["parts"]):
                why = mismatch[id(e)] or ("the answers no longer differ" if not rest else
                                          "none of the differences is among its parts " + str(e["parts"]))
                stale.append(f"stale expected difference ({why}): {e['reason']}")
        return list(expected.values()), unexpected, stale

    @staticmethod
    def _all_ignored(parts):
        """True when --ignore-header leaves every part out of the comparison."""
        return all(p.startswith("header ") and p[7:] in IGNORED_HEADERS for p in parts)

    def stale_header_rules(self):
        return [f"stale expected difference (no answer differed in {r['header']}): {r['reason']}"
                for r in self.header_rules if not r["seen"] and not self._all_ignored(["header " + r["header"]])]


def load_expectations(server, variant, all_case_names):
    import importlib.util
    path = os.path.join(HERE, "expected_differences.py")
    spec = importlib.util.spec_from_file_location("expected_differences", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # a table that does not load must not pass quietly
        ex = Expectations(type("Empty", (), {"SERVERS": (server,)}), server, variant, all_case_names)
        ex.problems.append(f"{path}: {type(e).__name__}: {e}")
        return ex
    return Expectations(module, server, variant, all_case_names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True,
                    help="path to rocket-tutorial, warp-tutorial or axum-tutorial (its file name picks the "
                         "expected differences)")
    ap.add_argument("--variant", choices=["jwt", "scopes"], required=True)
    ap.add_argument("--python", default=sys.executable, help="interpreter that has uvicorn and the app's packages")
    ap.add_argument("--dump", help="write each case's raw answers into this folder")
    ap.add_argument("--only", help="run only the cases whose name contains this text")
    ap.add_argument("--ignore-header", action="append", default=[],
                    help="also leave this header out of the comparison (repeatable)")
    ap.add_argument("--details", action="store_true",
                    help="also print the differences behind each expected difference")
    ap.add_argument("--time-limit", type=float, default=110.0, help="seconds before giving up (default 110)")
    args = ap.parse_args()

    atexit.register(_stop_children)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    signal.signal(signal.SIGALRM, _on_time_limit)
    signal.alarm(max(1, int(args.time_limit)))
    IGNORED_HEADERS.update(h.lower() for h in args.ignore_header)

    server_name = os.path.basename(args.server)
    label = f"{server_name} {args.variant}"
    all_cases = cases()
    expectations = load_expectations(server_name, args.variant, {c.name for c in all_cases})
    if expectations.problems:
        for problem in expectations.problems:
            print(f"[{label}] expected_differences.py: {problem}")
        print(f"0 passed, {len(expectations.problems)} failed")
        return 2
    secret = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    key = secret.encode("utf-8")
    log_dir = tempfile.mkdtemp(prefix="tessera-fastapi-")
    base_env = {k: v for k, v in os.environ.items() if k not in ("TUTORIAL_VARIANT", "REDIS_URL", "DATABASE_URL")}
    base_env["SECRET_KEY"] = secret

    ref = Server("fastapi", [args.python, "-m", "uvicorn", "tutorial_app:app", "--app-dir", HERE,
                             "--host", LOOPBACK, "--port", "{PORT}", "--http", "h11",
                             "--log-level", "warning"],
                 {**base_env, "TUTORIAL_VARIANT": args.variant}, log_dir)
    ours = Server("ours", [os.path.abspath(args.server), "--address", LOOPBACK, "--port", "{PORT}",
                           "--variant", args.variant, "--style", "fastapi"],
                  {**base_env, "LOGIN_FAILURE_LIMIT": "1000000000",
                   "LOGIN_CLIENT_FAILURE_LIMIT": "0", "LOGIN_USERNAME_FAILURE_LIMIT": "0"}, log_dir)
    for server in (ref, ours):
        server.start(free_port())
    for server in (ref, ours):
        problem = server.wait_ready()
        if problem:
            print(f"[{label}] {server.label} server: {problem}\n{server.log_tail()}")
            print("0 passed, 1 failed")
            return 2

    setup_problems = []
    ref_tokens, p1 = get_tokens(ref.port, args.variant)
    our_tokens, p2 = get_tokens(ours.port, args.variant)
    setup_problems += p1 + p2
    minted = minted_tokens(key)
    ref_ctx = Ctx(ref.port, ref_tokens, our_tokens, minted)
    our_ctx = Ctx(ours.port, our_tokens, ref_tokens, minted)

    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
    passed = failed = 0
    for problem in setup_problems:
        print(f"[{label}] setup: {problem}")
        failed += 1
    for number, case in enumerate(all_cases, 1):
        if args.variant not in case.variants or (args.only and args.only not in case.name):
            continue
        ra, rb = case.build(ref_ctx), case.build(our_ctx)
        a = exchange(ref.port, ra, case.head, case.expect_wait)
        b = exchange(ours.port, rb, case.head, case.expect_wait)
        diffs = differences(case, a, b, ref.port, ours.port, key)
        if diffs:
            # Ask the reference a second time: a difference only counts when FastAPI's own
            # answer is reproducible.
            again = exchange(ref.port, case.build(ref_ctx), case.head, case.expect_wait)
            unstable = bool(differences(case, a, again, ref.port, ref.port, key))
        else:
            unstable = False
        if args.dump:
            safe = f"{number:03d}-" + re.sub(r"[^A-Za-z0-9._-]+", "_", case.name)
            for who, req, ans in (("fastapi", ra, a), ("ours", rb, b)):
                with open(os.path.join(args.dump, f"{safe}.{who}.txt"), "wb") as f:
                    f.write(b">>> request\n" + req + b"\n<<< answer\n" + ans.raw
                            + (b"\n[error: " + ans.error.encode() + b"]" if ans.error else b""))
        expected, unexpected, stale = expectations.classify(case.name, diffs, b)
        for entry, covered in expected:
            print(f"[{label}] {case.name}: expected difference: {entry['reason']}")
            if args.details:
                for d in covered:
                    print(f"    {d.text}")
        for d in unexpected:
            print(f"[{label}] {case.name}: {d.text}")
        if unstable:
            print(f"[{label}] {case.name}: note: the fastapi app answered this request differently a second time")
        for message in stale:
            print(f"[{label}] {case.name}: {message}")
        if unexpected or unstable:
            failed += 1
        else:
            passed += 1
        failed += len(stale)
    for rule in expectations.header_rules:
        if rule["seen"]:
            print(f"[{label}] expected difference in {rule['seen']} answers: "
                  f"{rule['header']}: {rule['ours']}: {rule['reason']}")
    if not args.only:
        for message in expectations.stale_header_rules():
            print(f"[{label}] {message}")
            failed += 1
    for server in (ref, ours):
        if server.proc.poll() is not None:
            print(f"[{label}] {server.label} server exited early ({server.proc.returncode}):\n{server.log_tail()}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        code = main()
    except SystemExit as e:
        if isinstance(e.code, str):
            print(f"error: {e.code}")
            print("0 passed, 1 failed")
            code = 2
        else:
            code = e.code
    finally:
        _stop_children()
    sys.exit(code)
