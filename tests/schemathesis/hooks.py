"""Tessera's own schemathesis check, loaded by run.sh through SCHEMATHESIS_HOOKS.

schemathesis' positive_data_acceptance check excuses every 400 and 422 from an operation that
mints credentials (the document's OAuth2 `tokenUrl`), since generated credentials are almost
never valid ones. That also excuses a body the request-body schema allows but Tessera's form
parser refuses, which is exactly the mismatch between the document and the server that the
password form's declared limits are there to prevent. This check tells the two apart.
"""

import re
from urllib.parse import urlparse

import schemathesis

FORM = "application/x-www-form-urlencoded"
# tessera-core's `detail` for a wrong username or password, in both styles, and (rfc style) for
# a refresh token that is not a live one or asks for more scope than its family holds: the
# refusals that say the form itself was read and accepted, and its credentials were not.
CREDENTIALS_REFUSED = (
    "Incorrect username or password",
    "The refresh token is invalid, expired or revoked",
    "The requested scope exceeds the scope granted",
)


def _token_paths(raw):
    """The paths of the password flows' `tokenUrl`s (relative ones resolve against /)."""
    schemes = raw.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values():
        for flow in scheme.get("flows", {}).values():
            url = flow.get("tokenUrl")
            if isinstance(url, str) and url:
                path = urlparse(url).path
                yield path if path.startswith("/") else "/" + path


def _resolve(raw, schema):
    ref = schema.get("$ref", "")
    prefix = "#/components/schemas/"
    if ref.startswith(prefix):
        return raw["components"]["schemas"][ref[len(prefix):]]
    return schema


def _utf8_len(value):
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


@schemathesis.check
def token_form_accepted(ctx, response, case):
    """A token request whose body the schema allows must be refused for its credentials only."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if case.method.upper() != "POST" or case.media_type != FORM:
        return None
    raw = case.operation.schema.raw_schema
    if case.operation.path not in set(_token_paths(raw)):
        return None
    if not isinstance(case.body, dict):
        return None
    status = response.status_code
    if status in (200, 429):
        # A token, or the login throttle or hashing bound: nothing to say about the form.
        return None
    try:
        detail = response.json().get("detail")
    except Exception:  # any body that is not a JSON object is a finding below
        detail = None
    if detail in CREDENTIALS_REFUSED:
        return None

    # The limits JSON Schema cannot state, as the document states them in words: the username
    # and password limits count UTF-8 bytes (maxLength counts characters), and the body limit
    # is in the request body's description.
    body = case.operation.definition.raw.get("requestBody", {})
    form = _resolve(raw, body.get("content", {}).get(FORM, {}).get("schema", {}))
    # The rfc style's form is an allOf: the fields and their limits, then which grant needs what.
    props = dict(form.get("properties", {}))
    for part in form.get("allOf", []):
        props.update(_resolve(raw, part).get("properties", {}))
    expected = []
    for field, text in (("username", "The username is too long"), ("password", "The password is too long")):
        limit = props.get(field, {}).get("maxLength")
        if limit is not None and _utf8_len(case.body.get(field)) > limit:
            expected.append(text)
    match = re.search(r"at most (\d+) bytes", body.get("description", ""))
    sent = response.request.body or b""
    if match and len(sent) > int(match.group(1)):
        expected.append("413")
    if detail in expected or (status == 413 and "413" in expected):
        return None
    raise AssertionError(
        f"The request-body schema allows this form, but the server refused it for its form "
        f"(not its credentials): {status} {response.text[:300]}"
    )
