#!/usr/bin/env bash
# Validates the tutorial's OpenAPI document, in every variant and style, with
# openapi-spec-validator (the OpenAPI 3.1 specification and its JSON Schema dialect), then
# checks every example body and header example in it against the schema it is documented
# with (JSON Schema 2020-12, as OpenAPI 3.1 uses).
#
#   tests/browser/validate-openapi.sh [DIR]    (DIR keeps the documents; default: a temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if ! python3 -c 'import openapi_spec_validator, jsonschema' 2>/dev/null; then
  echo "installing openapi-spec-validator"
  python3 -m pip install -q --disable-pip-version-check openapi-spec-validator 2>/dev/null ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages openapi-spec-validator
fi

out="${1:-}"
if [ -z "$out" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

cargo run -q -p tessera-tutorial --example openapi -- "$out" >/dev/null

python3 - "$out"/*.json <<'PY'
import json
import sys

import jsonschema
from openapi_spec_validator import validate

def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)

failures = 0
for path in sys.argv[1:]:
    name = path.rsplit("/", 1)[-1]
    before = failures
    with open(path) as f:
        doc = json.load(f)
    try:
        validate(doc)
    except Exception as e:  # the validator's own error types vary between releases
        print(f"FAIL {name}: not a valid OpenAPI document: {e}")
        failures += 1
        continue
    if doc.get("openapi") != "3.1.0":
        print(f"FAIL {name}: openapi is {doc.get('openapi')!r}")
        failures += 1

    def check(where, schema_at, value):
        global failures
        # The document is the root, so "#/components/schemas/…" references resolve.
        root = dict(doc)
        root["$ref"] = schema_at
        errors = list(jsonschema.Draft202012Validator(root).iter_errors(value))
        if errors:
            failures += 1
            print(f"FAIL {name}: {where}: {errors[0].message}")
        return 1

    examples = 0
    for p, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                base = ("paths", p, method, "responses", status)
                for media, content in response.get("content", {}).items():
                    for ex_name, ex in content.get("examples", {}).items():
                        examples += check(
                            f"{method.upper()} {p} {status} example {ex_name}",
                            pointer(*base, "content", media, "schema"),
                            ex["value"],
                        )
                for header, h in response.get("headers", {}).items():
                    if "example" in h:
                        examples += check(
                            f"{method.upper()} {p} {status} header {header}",
                            pointer(*base, "headers", header, "schema"),
                            h["example"],
                        )
    if failures == before:
        print(f"ok   {name}: valid OpenAPI 3.1.0, {examples} examples match their schemas")

sys.exit(1 if failures else 0)
PY
