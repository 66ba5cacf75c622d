#!/usr/bin/env bash
# Tessera's fastapi-style differential test: builds rocket-tutorial and warp-tutorial, makes
# (once) a venv with tests/fastapi/requirements.txt from PyPI, then runs compare.py for both
# servers x both variants. Ends with one `N passed, N failed` line summing the four runs and
# exits non-zero when any run failed.
#
#   tests/fastapi/run.sh [extra compare.py options, e.g. --ignore-header x-frame-options]
#
# Environment: FASTAPI_VENV (default <target dir>/fastapi-venv), CARGO_TARGET_DIR,
# PYTHON (interpreter that creates the venv; default python3), SECRET_KEY (default: random),
# SKIP_BUILD=1 (use the binaries already in <target dir>/debug).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
venv="${FASTAPI_VENV:-$target/fastapi-venv}"
python="${PYTHON:-python3}"

# The venv: rebuilt only when requirements.txt changed since it was made.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "== installing $here/requirements.txt into $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" || { echo "could not create a venv with $python"; echo "0 passed, 1 failed"; exit 2; }
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"; then
        echo "pip install failed"; echo "0 passed, 1 failed"; exit 2
    fi
    echo "$want" > "$stamp"
fi

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    echo "== cargo build -p rocket-tutorial -p warp-tutorial"
    if ! (cd "$repo" && cargo build --quiet -p rocket-tutorial -p warp-tutorial); then
        echo "cargo build failed"; echo "0 passed, 1 failed"; exit 2
    fi
fi

export SECRET_KEY="${SECRET_KEY:-$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')}"
total_pass=0
total_fail=0
status=0
for server in rocket-tutorial warp-tutorial; do
    for variant in jwt scopes; do
        echo "== $server --variant $variant --style fastapi vs FastAPI"
        out="$(timeout 150 "$venv/bin/python" "$here/compare.py" --python "$venv/bin/python" \
            --server "$target/debug/$server" --variant "$variant" "$@" 2>&1)"
        rc=$?
        echo "$out" | sed '$d'
        last="$(echo "$out" | tail -n 1)"
        echo "== $server $variant: $last"
        if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            total_pass=$((total_pass + BASH_REMATCH[1]))
            total_fail=$((total_fail + BASH_REMATCH[2]))
        else
            total_fail=$((total_fail + 1))
        fi
        [[ $rc -ne 0 ]] && status=1
    done
done
echo "$total_pass passed, $total_fail failed"
exit $status
