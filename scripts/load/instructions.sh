#!/usr/bin/env bash
# What an authenticated request costs each tutorial server, in instructions rather than in
# seconds: valgrind's callgrind counts the instructions the server runs, the same count whatever
# else the machine is doing, where wrk's CPU time per request (scripts/load/run.sh http) moves by
# more than a microsecond from one round to the next on a shared machine.
#
# Usage: scripts/load/instructions.sh [N]        (N requests per route, default 2000)
#
# For rocket, warp and axum in turn: the release server runs under callgrind on a free port of
# 127.0.0.1 (jwt variant, rfc style, in-memory stores, 20 other tokens revoked), is warmed with
# 200 requests per route, then, with the counters zeroed, answers N `GET /items/` (no token
# check), a dump, N `GET /users/me/` (token verified, revocation looked up, user found and
# serialised), a dump, all from one keep-alive connection. Printed per server: instructions per
# request on each route and their difference. Under valgrind SHA-256 runs without SHA-NI, so
# the difference holds about 13.5k instructions of SHA-256 that the native verify does in a
# fraction of the time (BENCHMARKS.md, the JWT section, counts a verify's own instructions
# apart from SHA-256).
#
# Environment: CARGO_TARGET_DIR (default /work/target-load), OUT (default a new directory under
# /tmp, where callgrind's files and the servers' logs stay). Needs valgrind (callgrind_control),
# curl and python3; builds the servers in release.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
N=${1:-2000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-load}
OUT=${OUT:-$(mktemp -d /tmp/tessera-instructions.XXXXXX)}
mkdir -p "$OUT"
export SECRET_KEY=${SECRET_KEY:-load-test-secret-key-0123456789abcdef}
for tool in valgrind callgrind_control curl python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
echo "building the servers (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build -q --release -p rocket-tutorial -p warp-tutorial -p axum-tutorial

pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

# send PORT PATH COUNT TOKEN: COUNT sequential requests on one connection; fails on any non-200
send() {
  python3 - "$@" <<'EOF'
import http.client, sys
port, path, n, token = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(n):
    c.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{path} answered {r.status}")
EOF
}

# total PID PART: the instruction total of callgrind's dump number PART
total() {
  awk '/^totals:/ { print $2 }' "$OUT/callgrind.$1.$2"
}

printf '| server | instructions / request `/items/` | instructions / request `/users/me/` | difference |\n'
printf '|---|---:|---:|---:|\n'
for s in rocket warp axum; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  env -u REDIS_URL -u DATABASE_URL ROCKET_LOG_LEVEL=off valgrind --tool=callgrind \
    --callgrind-out-file="$OUT/callgrind.%p" "$CARGO_TARGET_DIR/release/$s-tutorial" \
    --address 127.0.0.1 --port "$port" >"$OUT/$s.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    curl -s -o /dev/null -H 'Authorization: Bearer x' "http://127.0.0.1:$port/items/" && break
    sleep 0.2
  done
  login() {
    curl -s -d 'username=johndoe&password=secret' "http://127.0.0.1:$port/token" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
  }
  for _ in $(seq 20); do
    curl -s -o /dev/null -d "token=$(login)" "http://127.0.0.1:$port/revoke"
  done
  token=$(login)
  send "$port" /items/ 200 "$token"
  send "$port" /users/me/ 200 "$token"
  callgrind_control -z "$pid" >/dev/null
  send "$port" /items/ "$N" "$token"
  callgrind_control -d items "$pid" >/dev/null
  send "$port" /users/me/ "$N" "$token"
  callgrind_control -d me "$pid" >/dev/null
  items=$(total "$pid" 1)
  me=$(total "$pid" 2)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  python3 -c 'import sys
s, n, i, m = sys.argv[1], *map(int, sys.argv[2:])
print(f"| {s} | {i / n:,.0f} | {m / n:,.0f} | **{(m - i) / n:+,.0f}** |")' "$s" "$N" "$items" "$me"
done
echo "callgrind files and logs in $OUT" >&2
