"""The documented, deliberate differences between Tessera's tutorial servers in `--style fastapi`
and the FastAPI reference app (tutorial_app.py), read by compare.py.

Only data here. A difference compare.py finds is *expected* when an entry below covers it; it is
then reported as `expected difference: <reason>` and does not fail the run. Every other
difference fails the run, and so does an entry that no longer matches what it describes
(`stale expected difference`), so this list stays honest: when a difference goes away, remove
its entry.

HEADER_RULES: headers our servers add to every answer the app writes. A difference in such a
header is expected when FastAPI sends none and ours sends exactly `ours`; any other value (or
FastAPI starting to send one) is a failure. Not tied to cases; reported once per run with a
count, and stale when a full run never sees it.

EXPECTED: one entry per deliberate difference.
  reason       one line, shown in the report (`to fix: ...` marks a bug allowed only so that the
               run passes until it is fixed)
  cases        exact case names from compare.py's cases(); each must exist
  parts        the parts of the answer allowed to differ: "transport", "interim", "status",
               "body", "header <lower-case name>"
  servers      optional: binary names the entry is for (default: all of SERVERS)
  variants     optional: "jwt" / "scopes" (default: both)
  ours_status  optional: the final status code our server must give (an int, or a dict from
               case name to int); when it gives another, the entry does not apply
  ours_headers optional: {name: value} our answer must carry exactly (one value per name)

An entry is stale for a case (in a run of a server and variant it applies to, where the case ran)
when none of that case's differences is covered by it.
"""

SERVERS = ("rocket-tutorial", "warp-tutorial", "axum-tutorial")

HEADER_RULES = [
    {
        "header": "x-content-type-options",
        "ours": "nosniff",
        "reason": "security header our apps add to every answer (docs/behaviour.md general.security_headers)",
    },
    {
        "header": "x-frame-options",
        "ours": "DENY",
        "reason": "security header our apps add to every answer (docs/behaviour.md general.security_headers)",
    },
]

# Every case whose answer is a 200 with a fresh token.
TOKEN_OK_CASES = [
    "login ok",
    "login ok with grant_type=password",
    "login ok with every field",
    "login ok with scope spaces",
    "login ok with empty grant_type",
    "login ok with unknown extra field",
    "login ok with empty pairs",
    "login ok with stray equals",
    "login ok with query string",
    "login ok percent-encoded",
    "login ok charset param",
    "login ok uppercase content-type",
    "login ok chunked",
    "login ok Expect 100-continue",
    "login ok Expect unknown",
    "login disabled user ok",
    "login ok grant_type repeated, last right",
    "login ok password repeated, first empty",
    "login ok password repeated, last right",
    "login ok username repeated",
    "login scope repeated",
    "two equal Content-Length",
]

# What an h11 refusal ("Invalid HTTP request received.", text/plain, Connection: close) differs
# in from hyper's (empty body, Content-Length: 0) or from an ordinary answer.
FRAMING_PARTS = ["status", "body", "header connection", "header content-length",
                 "header content-type", "header www-authenticate", "header location"]

EXPECTED = [
    # ---- deliberate behaviour of Tessera
    {
        "reason": "token answers carry Cache-Control: no-store and Pragma: no-cache, as RFC 6749 5.1 requires",
        "cases": TOKEN_OK_CASES,
        "parts": ["header cache-control", "header pragma"],
        "ours_status": 200,
        "ours_headers": {"cache-control": "no-store", "pragma": "no-cache"},
    },
    {
        "reason": "strict verification: a token without exp is refused (we always require exp; PyJWT accepts it)",
        "cases": ["me minted no exp"],
        "parts": ["status", "body", "header content-length", "header www-authenticate"],
        "ours_status": 401,
    },
    {
        "reason": "strict scope grammar: a scope claim with a double space or that is not a string is refused "
                  "(FastAPI grants 'me  items' and answers 500 for a list)",
        "cases": ["me minted scope double space", "me minted scope list"],
        "variants": ["scopes"],
        "parts": ["status", "body", "header content-length", "header content-type", "header www-authenticate"],
        "ours_status": 401,
    },
    {
        "reason": "we route on the raw path: percent-encoded paths are not decoded (Starlette decodes %2F and %75)",
        "cases": ["encoded slash /users%2Fme/", "encoded letter /%75sers/me/", "redirect encoded slash /users%2Fme"],
        "parts": ["status", "body", "header content-length", "header content-type", "header location"],
        "ours_status": 404,
    },
    {
        "reason": "absolute-form target GET http://host/users/me/: we route on its path (RFC 9112 3.2.2); "
                  "Starlette takes the whole target as the path (404)",
        "cases": ["absolute-form target"],
        "parts": ["status", "body", "header content-length"],
        "ours_status": 200,
    },
    {
        "reason": "/redoc and /docs/oauth2-redirect are not served (Swagger UI at /docs only)",
        "cases": ["GET /redoc", "GET /docs/oauth2-redirect"],
        "parts": ["status", "header content-type"],
        "ours_status": 404,
    },
    {
        "reason": "X-Forwarded-Proto is not trusted for redirects (no proxy is trusted by default; "
                  "uvicorn trusts it from 127.0.0.1)",
        "cases": ["redirect X-Forwarded-Proto https"],
        "parts": ["header location"],
        "ours_status": 307,
    },
    {
        "reason": "spec decision (docs/behaviour.md token.missing): a multipart login body is read as a form "
                  "with no fields, 422 in the fastapi style; FastAPI parses multipart",
        "cases": ["login ok multipart"],
        "parts": ["status", "body", "header content-length"],
        "ours_status": 422,
    },
    {
        "reason": "non-UTF-8 bearer token on /items/: FastAPI reads header bytes as Latin-1 and echoes them; "
                  "ours refuses the value as an invalid token (docs/behaviour.md conn.header_bytes)",
        "cases": ["items obs-text token"],
        "servers": ["warp-tutorial", "axum-tutorial"],
        "parts": ["status", "body", "header content-length", "header www-authenticate"],
        "ours_status": 401,
    },

    # ---- HTTP framing: uvicorn/h11 against hyper (and Rocket's hyper)
    {
        "reason": "HTTP framing: to an HTTP/1.0 request hyper answers with an HTTP/1.0 status line and no "
                  "Connection: close; h11 answers HTTP/1.1 with Connection: close",
        "cases": ["HTTP/1.0 with Host", "redirect HTTP/1.0 without Host"],
        "parts": ["status", "header connection"],
        "ours_status": {"HTTP/1.0 with Host": 401, "redirect HTTP/1.0 without Host": 307},
    },
    {
        "reason": "HTTP framing: HTTP/1.1 without Host is refused by h11 (400) and accepted by hyper",
        "cases": ["HTTP/1.1 without Host"],
        "parts": FRAMING_PARTS,
        "ours_status": 401,
    },
    {
        "reason": "HTTP framing: two Host headers are refused by h11 (400); hyper passes them on and the first is used",
        "cases": ["redirect two Host headers"],
        "parts": FRAMING_PARTS,
        "ours_status": 307,
    },
    {
        "reason": "HTTP framing: a space before the colon of a header is a 400 on both; h11's has a text body, hyper's none",
        "cases": ["space before colon"],
        "parts": ["body", "header content-length", "header content-type"],
        "ours_status": 400,
    },
    {
        "reason": "HTTP framing: a control byte in a header value is accepted by h11 and refused by hyper (400)",
        "cases": ["control byte in header value"],
        "parts": FRAMING_PARTS,
        "ours_status": 400,
    },
    {
        "reason": "HTTP framing: a folded header (obs-fold) is unfolded by h11 and refused by hyper (400)",
        "cases": ["obs-fold"],
        "parts": FRAMING_PARTS,
        "ours_status": 400,
    },
    {
        "reason": "HTTP framing: HTTP/1.2 is accepted by h11 and refused by hyper (400)",
        "cases": ["HTTP/1.2"],
        "parts": FRAMING_PARTS,
        "ours_status": 400,
    },
    {
        "reason": "HTTP framing: after a request with both Content-Length and chunked hyper closes the connection "
                  "(Connection: close); h11 keeps it",
        "cases": ["Content-Length and chunked"],
        "parts": ["header connection"],
        "ours_status": 422,
        "ours_headers": {"connection": "close"},
    },

    # ---- one server only
    {
        "reason": "Rocket 0.5.2 limitation: it peeks at the body before routing, so Expect: 100-continue gets "
                  "100 Continue even when the answer is a redirect (docs/behaviour.md adapter.rocket_limits)",
        "cases": ["redirect POST /token/ Expect 100-continue"],
        "servers": ["rocket-tutorial"],
        "parts": ["interim"],
        "ours_status": 307,
    },
    {
        "reason": "Rocket 0.5.2 limitation: header values that are not UTF-8 are dropped, so the lone non-UTF-8 "
                  "Authorization counts as absent (FastAPI reads it as Latin-1 and echoes it)",
        "cases": ["items obs-text token"],
        "servers": ["rocket-tutorial"],
        "parts": ["status", "body", "header content-length", "header www-authenticate"],
        "ours_status": 401,
    },
    {
        "reason": "to fix: warp-tutorial answers HEAD with an empty-body 307 without Content-Length: 0 "
                  "(hyper adds none to HEAD answers; axum and Rocket set it)",
        "cases": ["redirect HEAD /users/me"],
        "servers": ["warp-tutorial"],
        "parts": ["header content-length"],
        "ours_status": 307,
    },
]
