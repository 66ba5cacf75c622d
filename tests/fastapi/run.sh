#!/usr/bin/env bash
# Tessera's fastapi-style differential test, as a CI check: builds rocket-tutorial, warp-tutorial
# and axum-tutorial, makes (once) a venv with tests/fastapi/requirements.txt from PyPI, then runs
# compare.py for the three servers x both variants against the FastAPI reference app. The
# deliberate differences are listed in expected_differences.py; anything else that differs, and
# any entry there that no longer matches a difference, fails. Ends with one `N passed, N failed`
# line summing the six runs and exits non-zero when any run failed.
#
#   tests/fastapi/run.sh [extra compare.py options, e.g. --details, --only "login ok"]
#
# Everything listens on 127.0.0.1 only, and every process started is stopped at the end. Each run
# gives up after FASTAPI_RUN_LIMIT seconds (default 45), and all six after FASTAPI_BUDGET seconds
# (default 170) counted once the build is done, so the script always stops by itself.
#
# Environment: FASTAPI_VENV (default <target dir>/fastapi-venv), CARGO_TARGET_DIR,
# PYTHON (interpreter that creates the venv; default python3), SECRET_KEY (default: random),
# SKIP_BUILD=1 (use the binaries already in <target dir>/debug), FASTAPI_RUN_LIMIT, FASTAPI_BUDGET.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
venv="${FASTAPI_VENV:-$target/fastapi-venv}"
python="${PYTHON:-python3}"
run_limit="${FASTAPI_RUN_LIMIT:-45}"
budget="${FASTAPI_BUDGET:-170}"
servers=(rocket-tutorial warp-tutorial axum-tutorial)
variants=(jwt scopes)
started=$SECONDS

fail_setup() { echo "$1"; echo "0 passed, 1 failed"; exit 2; }

# The venv: rebuilt only when requirements.txt changed since it was made.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "== installing $here/requirements.txt into $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" || fail_setup "could not create a venv with $python"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" \
        || fail_setup "pip install failed"
    echo "$want" > "$stamp"
fi

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    packages=()
    for server in "${servers[@]}"; do packages+=(-p "$server"); done
    echo "== cargo build ${packages[*]}"
    # When another cargo holds the build lock, cargo waits for it.
    (cd "$repo" && cargo build --quiet "${packages[@]}") || fail_setup "cargo build failed"
fi

export SECRET_KEY="${SECRET_KEY:-$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')}"
deadline=$((SECONDS + budget))
log="$(mktemp "${TMPDIR:-/tmp}/tessera-fastapi.XXXXXX")"
trap 'rm -f "$log"' EXIT
total_pass=0
total_fail=0
status=0
for server in "${servers[@]}"; do
    for variant in "${variants[@]}"; do
        label="$server $variant"
        limit=$(( deadline - SECONDS - 5 ))
        (( limit > run_limit )) && limit=$run_limit
        if (( limit < 10 )); then
            echo "== $label: not run, the time budget of $budget s is spent"
            total_fail=$((total_fail + 1)); status=1
            continue
        fi
        if [[ ! -x "$target/debug/$server" ]]; then
            echo "== $label: no binary at $target/debug/$server"
            total_fail=$((total_fail + 1)); status=1
            continue
        fi
        echo "== $label --style fastapi vs FastAPI"
        # compare.py stops itself after $limit s; timeout is the backstop.
        timeout -k 5 $((limit + 10)) "$venv/bin/python" -u "$here/compare.py" --python "$venv/bin/python" \
            --server "$target/debug/$server" --variant "$variant" --time-limit "$limit" "$@" 2>&1 \
            | tee "$log" \
            | awk -v label="== $label: " '/^[0-9]+ passed, [0-9]+ failed$/ { $0 = label $0 } { print; fflush() }'
        rc=${PIPESTATUS[0]}
        last="$(tail -n 1 "$log")"
        run_fail=1
        if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            total_pass=$((total_pass + BASH_REMATCH[1]))
            run_fail=${BASH_REMATCH[2]}
        else
            echo "== $label: ended without a summary (exit $rc)"
        fi
        # A run that exits non-zero counts as at least one failure.
        if (( rc != 0 )); then status=1; (( run_fail == 0 )) && run_fail=1; fi
        total_fail=$((total_fail + run_fail))
    done
done
echo "== $((SECONDS - started)) s"
echo "$total_pass passed, $total_fail failed"
exit $status
