#!/usr/bin/env bash
# schemathesis against every tutorial server: it reads /openapi.json, generates requests for
# each operation (with a valid bearer token for johndoe on the protected routes) and runs all
# of its checks. Any finding fails the run. Each server runs in the jwt/rfc and the
# scopes/fastapi configurations; the run stops by itself and targets 127.0.0.1 only.
#
#   tests/schemathesis/run.sh [rocket] [warp] [axum]     (default: all three)
#
# Environment: SKIP_BUILD=1 uses the binaries already in target/debug; EXAMPLES (default 20)
# bounds the examples per operation.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(rocket warp axum)
examples="${EXAMPLES:-20}"

venv="$target/schemathesis-venv"
want="schemathesis==4.32.5"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$venv/.want" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$want"
  echo "$want" > "$venv/.want"
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build -q $(printf -- '-p %s-tutorial ' "${servers[@]}")
fi

export SECRET_KEY="schemathesis-key-schemathesis-key-0123"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
failed=0
runs=0
for s in "${servers[@]}"; do
  for cfg in "jwt rfc" "scopes fastapi"; do
    set -- $cfg
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    LOGIN_FAILURE_LIMIT=1000000 "$target/debug/$s-tutorial" --variant "$1" --style "$2" \
      --address 127.0.0.1 --port "$port" >"$target/schemathesis-$s-$1-$2.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/openapi.json" && break
      sleep 0.1
    done
    scope=""
    [ "$1" = scopes ] && scope="&scope=me+items"
    token=$(curl -s -d "username=johndoe&password=secret$scope" "http://127.0.0.1:$port/token" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    echo "=== $s $1/$2"
    runs=$((runs + 1))
    if ! timeout 240 "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
        --checks all -H "Authorization: Bearer $token" --max-examples "$examples" \
        --generation-deterministic --phases examples,coverage,fuzzing --max-response-time 5 \
        --no-color 2>&1 | tail -n 12; then
      failed=$((failed + 1))
    fi
    kill "${pids[-1]}" 2>/dev/null || true
  done
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
