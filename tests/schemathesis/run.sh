#!/usr/bin/env bash
# Tessera's schemathesis test of the tutorial apps: each server, in each variant and style, is
# fuzzed from its own /openapi.json with `schemathesis run --checks all`, as johndoe.
#
#   tests/schemathesis/run.sh [rocket] [warp] [axum]        (default: all three)
#
# For each server, variant (jwt, scopes) and style (rfc, fastapi): starts the app on a free
# port of 127.0.0.1 (the only address this script targets), logs in as johndoe / secret at
# POST /token (asking for every scope in the scopes variant), runs schemathesis with that
# bearer token as an `Authorization` header, so the protected operations are exercised with a
# valid token, and stops the app. Exits non-zero when any run has a finding (a failed check or
# an error) or could not run; the last line is `N passed, N failed`, one count per run.
#
# Every built-in check runs, and one of Tessera's own from hooks.py: `token_form_accepted`,
# which fails a token request whose body the document allows but the form parser refuses
# (schemathesis' positive_data_acceptance excuses every 400 and 422 from a token endpoint,
# since generated credentials are wrong ones). Schemathesis may warn `validation_mismatch` on
# POST /token: generated credentials are refused with 400 (invalid_grant in the rfc style, the
# scopes tutorial's answer in the fastapi style), which its warning cannot tell from a refused
# form; token_form_accepted can. The apps run with a per-username login failure limit high
# enough that no answer depends on how often a username was tried before.
#
# Bounded and repeatable: a fixed seed, at most SCHEMATHESIS_MAX_EXAMPLES cases per operation
# and phase, no example database, one worker, a per-request timeout, and a wall-clock limit on
# each run (SCHEMATHESIS_RUN_SECS) and on all of them together (SCHEMATHESIS_TOTAL_SECS; a run
# that would start after it counts as failed). schemathesis' own --max-time is a budget that
# fuzzing repeats itself to fill, not a cap, so `timeout` is the limit. Installing
# schemathesis and building the apps come before that clock starts; the build waits while
# another cargo holds the build lock, at most BUILD_TIMEOUT_SECS.
#
# Environment: SCHEMATHESIS_VENV (default <target dir>/schemathesis-venv, made once from
# requirements.txt beside this script), SCHEMATHESIS_REPORTS (default <target
# dir>/schemathesis-reports: one folder per run with schemathesis' output, its JSON and JUnit
# reports and the server's log), SCHEMATHESIS_SEED (default 18), SCHEMATHESIS_MAX_EXAMPLES
# (default 50), SCHEMATHESIS_RUN_SECS (default 120), SCHEMATHESIS_TOTAL_SECS (default 900),
# BUILD_TIMEOUT_SECS (default 1800), CARGO_TARGET_DIR, PYTHON (the interpreter that makes the
# venv; default python3), SKIP_BUILD=1 (use the binaries already in <target dir>/debug).
# Needs cargo, curl, timeout and Python 3.10 or later with venv; PyPI for the first install.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
venv="${SCHEMATHESIS_VENV:-$target/schemathesis-venv}"
reports="${SCHEMATHESIS_REPORTS:-$target/schemathesis-reports}"
python="${PYTHON:-python3}"
seed="${SCHEMATHESIS_SEED:-18}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
run_secs="${SCHEMATHESIS_RUN_SECS:-120}"
total_secs="${SCHEMATHESIS_TOTAL_SECS:-900}"
build_secs="${BUILD_TIMEOUT_SECS:-1800}"
# The only host the apps are started on and schemathesis is pointed at.
host=127.0.0.1

servers=("$@")
[[ ${#servers[@]} -gt 0 ]] || servers=(rocket warp axum)
for s in "${servers[@]}"; do
    case "$s" in
        rocket | warp | axum) ;;
        *) echo "unknown server $s (rocket, warp or axum)" >&2; exit 2 ;;
    esac
done
for tool in curl timeout; do
    command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

# The app being tested, stopped on every way out.
server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null
        # Rocket drains connections for a few seconds on SIGTERM; no test needs that.
        for _ in $(seq 1 20); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=""
    fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM

# The venv: made again only when requirements.txt changed since it was made.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/schemathesis" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "== installing $here/requirements.txt into $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! "$python" -m venv "$venv"; then
        echo "could not create a venv with $python"; echo "0 passed, 1 failed"; exit 2
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt"; then
        echo "pip install failed"; echo "0 passed, 1 failed"; exit 2
    fi
    echo "$want" >"$stamp"
fi
st="$venv/bin/schemathesis"
py="$venv/bin/python"
echo "== $("$st" --version)"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    packages=()
    for s in "${servers[@]}"; do packages+=(-p "$s-tutorial"); done
    echo "== cargo build ${packages[*]} (waits while another cargo holds the build lock)"
    if ! (cd "$repo" && timeout "$build_secs" cargo build --quiet "${packages[@]}"); then
        echo "cargo build failed"; echo "0 passed, 1 failed"; exit 2
    fi
fi

free_port() {
    "$py" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# The access token in a /token answer on stdin.
access_token() {
    "$py" -c 'import json, sys
print(json.load(sys.stdin)["access_token"])'
}

# Everything but the URL, the token and where the reports go.
st_options=(
    --checks all
    --seed "$seed"
    --max-examples "$max_examples"
    --generation-database none
    --workers 1
    --continue-on-failure
    --request-timeout 10
    --no-color
    --report json,junit
)
echo "== each run: SCHEMATHESIS_HOOKS=$here/hooks.py $st --config-file $here/schemathesis.toml" \
    "run http://$host:PORT/openapi.json --header 'Authorization: Bearer TOKEN' ${st_options[*]}"

# The warnings of a run's JSON report, one line.
warnings_of() {
    "$py" -c 'import json, sys
found = json.load(open(sys.argv[1])).get("warnings", {})
print("; ".join(kind + ": " + ", ".join(map(str, ops)) for kind, ops in found.items() if ops))' \
        "$1" 2>/dev/null
}

mkdir -p "$reports"
secret="$("$py" -c 'import secrets; print(secrets.token_hex(32))')"
start=$SECONDS
passed=()
failed=()
for server in "${servers[@]}"; do
    bin="$target/debug/$server-tutorial"
    for variant in jwt scopes; do
        for style in rfc fastapi; do
            name="$server-$variant-$style"
            out="$reports/$name"
            rm -rf "$out"
            mkdir -p "$out"
            left=$((total_secs - (SECONDS - start)))
            if ((left < 10)); then
                echo "FAIL $name: not run, the ${total_secs}s budget is spent"
                failed+=("$name")
                continue
            fi
            limit=$((left < run_secs ? left : run_secs))
            if [[ ! -x "$bin" ]]; then
                echo "FAIL $name: no binary at $bin"
                failed+=("$name")
                continue
            fi
            port="$(free_port)"
            base="http://$host:$port"
            echo "== $name on $base"
            # The login limits are lifted so that /token answers depend on the request alone,
            # not on how often schemathesis happened to send a username before; the throttle is
            # the in-memory one whatever the caller's environment says.
            env -u REDIS_URL -u DATABASE_URL SECRET_KEY="$secret" ROCKET_CLI_COLORS=false LOGIN_FAILURE_LIMIT=1000000 \
                LOGIN_CLIENT_FAILURE_LIMIT=0 LOGIN_USERNAME_FAILURE_LIMIT=0 \
                "$bin" --address "$host" --port "$port" --variant "$variant" --style "$style" \
                >"$out/server.log" 2>&1 &
            server_pid=$!
            up=""
            for _ in $(seq 1 50); do
                kill -0 "$server_pid" 2>/dev/null || break
                if curl -s -o /dev/null --max-time 2 "$base/openapi.json"; then
                    up=1
                    break
                fi
                sleep 0.2
            done
            if [[ -z "$up" ]]; then
                echo "FAIL $name: the server did not start; its output:"
                sed 's/^/    /' "$out/server.log"
                failed+=("$name")
                stop_server
                continue
            fi

            form=(--data-urlencode grant_type=password --data-urlencode username=johndoe
                --data-urlencode password=secret)
            [[ "$variant" == scopes ]] && form+=(--data-urlencode "scope=me items")
            token="$(curl -s --max-time 10 "${form[@]}" "$base/token" | access_token 2>/dev/null)"
            if [[ -z "$token" ]]; then
                echo "FAIL $name: no token for johndoe from POST /token"
                failed+=("$name")
                stop_server
                continue
            fi

            # Run from the report folder, so that nothing schemathesis writes lands elsewhere.
            (cd "$out" && SCHEMATHESIS_HOOKS="$here/hooks.py" \
                timeout --kill-after=5 "$limit" "$st" --config-file "$here/schemathesis.toml" \
                run "$base/openapi.json" --header "Authorization: Bearer $token" \
                "${st_options[@]}" --report-dir "$out" \
                --report-json-path "$out/report.json" --report-junit-path "$out/junit.xml") \
                >"$out/schemathesis.txt" 2>&1
            rc=$?
            stop_server
            if [[ $rc -eq 0 ]]; then
                echo "ok   $name ($(grep -Eo '[0-9]+ generated, .*' "$out/schemathesis.txt" | tail -n 1))"
                warned="$(warnings_of "$out/report.json")"
                [[ -z "$warned" ]] || echo "     schemathesis warnings: $warned"
                passed+=("$name")
            else
                if [[ $rc -eq 124 || $rc -eq 137 ]]; then
                    echo "FAIL $name: stopped after ${limit}s"
                else
                    echo "FAIL $name: schemathesis exited with $rc"
                fi
                # The findings: everything from schemathesis' FAILURES/ERRORS section on.
                sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,$p' "$out/schemathesis.txt" | sed 's/^/    /'
                failed+=("$name")
            fi
        done
    done
done

echo
echo "reports: $reports"
echo "passed: ${passed[*]:-none}"
echo "failed: ${failed[*]:-none}"
echo "${#passed[@]} passed, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
