#!/usr/bin/env bash
# HTTP load benchmarks of the tutorial servers (rocket-tutorial, warp-tutorial, axum-tutorial)
# against the reference FastAPI app (fastapi_app.py under uvicorn, one worker) and, in the http
# phase, a plain axum app (plain-axum/: jsonwebtoken in a hand-written extractor, its own
# Cargo package outside the workspace). Everything listens on 127.0.0.1 only, every load run is
# bounded in time, and every process started here is stopped on exit.
#
# Usage: scripts/load/run.sh [PHASE...]
#        PHASE: http storm soak timing storm_causes storm_niceness (default: the first four)
#
#   http    wrk on GET /users/me/ (token verified, user looked up) and GET /items/ (the same
#           app's route without a token check), for our three servers, plain axum and FastAPI,
#           and GET /status/ in the scopes variant of ours, ROUNDS rounds interleaved (plain
#           axum issues no tokens: it gets axum-tutorial's, signed with the same SECRET_KEY);
#           auth overhead = 1 - rps(/users/me/) / rps(/items/)
#   storm   GET /users/me/ latency probe, idle and while 4 connections hammer POST /token as
#           many clients (X-Forwarded-For, TRUSTED_PROXY_HOPS=1)
#   soak    64 connections, 30 s, hostile mix of tokens and logins, SOAK_RUNS times in a row
#           on the same server process; 5xx and socket errors must be 0; VmRSS fresh, warm,
#           after each run and 5 s after the last
#   timing  sequential unknown-user vs wrong-password logins (every login limit lifted)
#   revocation  (not in the default list) wrk on GET /users/me/ of our three servers with the
#           revocation check off (TOKEN_REVOCATION=off), on with the in-process store, and on
#           with the Redis store (REDIS_URL, default redis://127.0.0.1:6379, a key prefix of
#           its own), ROUNDS rounds interleaved; 20 other tokens are revoked first, so the
#           in-process check takes its lock and its hash lookup rather than its empty fast path
#   storm_causes  (not in the default list) the storm's probe beside hashing alone and
#           shedding alone, to tell which one stretches the tail
#   storm_niceness  (not in the default list) the storm with the hashing threads at
#           niceness 0, 10 and 19 (the default)
#
# Environment (defaults): ROUNDS (3), THREADS (2), CONNS (32), DURATION (15, seconds),
# SOAK_CONNS (64), SOAK_DURATION (30, seconds), SOAK_RUNS (3), LOGIN_PAIRS (200), OUT (a new directory under /tmp),
# CARGO_TARGET_DIR (/work/target-load). Results go to $OUT; the tables are printed at the end
# and written to $OUT/report.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
DURATION=${DURATION:-15}
SOAK_CONNS=${SOAK_CONNS:-64}
SOAK_DURATION=${SOAK_DURATION:-30}
SOAK_RUNS=${SOAK_RUNS:-3}
LOGIN_PAIRS=${LOGIN_PAIRS:-200}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-load}
OUT=${OUT:-$(mktemp -d /tmp/tessera-load.XXXXXX)}
mkdir -p "$OUT"
export LOAD_LUA_DIR="$here/lua"
# One key for all the servers, so tokens are interchangeable (UTF-8 bytes, >= 32 bytes).
export SECRET_KEY=${SECRET_KEY:-load-test-secret-key-0123456789abcdef}

phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(http storm soak timing)

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
python3 -c 'import fastapi, uvicorn, jwt, pwdlib, multipart' 2>/dev/null || {
  echo "missing Python packages: pip install fastapi uvicorn python-multipart pyjwt 'pwdlib[argon2]'" >&2
  exit 1
}

echo "building the servers (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build -q --release -p rocket-tutorial -p warp-tutorial -p axum-tutorial
cargo build -q --release --locked --manifest-path "$here/plain-axum/Cargo.toml"
bin_rocket="$CARGO_TARGET_DIR/release/rocket-tutorial"
bin_warp="$CARGO_TARGET_DIR/release/warp-tutorial"
bin_axum="$CARGO_TARGET_DIR/release/axum-tutorial"
bin_plain_axum="$CARGO_TARGET_DIR/release/plain-axum"

# ---------------------------------------------------------------- processes

declare -A pid port
started=()

stop_all() {
  local p
  for p in "${started[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${started[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  started=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME [ENV=VALUE...]: starts a server on a free 127.0.0.1 port and waits until it answers.
# NAME: rocket, warp, axum, plain_axum, fastapi; rocket_scopes, warp_scopes and axum_scopes are
# the scopes variant.
start() {
  local name=$1
  shift
  local p
  p=$(free_port)
  local variant=jwt
  [ "${name#*_}" = scopes ] && variant=scopes
  case $name in
    rocket*) env -u REDIS_URL -u DATABASE_URL "$@" ROCKET_LOG_LEVEL=off "$bin_rocket" --variant "$variant" \
              --address 127.0.0.1 --port "$p" >"$OUT/$name.log" 2>&1 & ;;
    warp*)   env -u REDIS_URL -u DATABASE_URL "$@" "$bin_warp" --variant "$variant" --address 127.0.0.1 --port "$p" \
              >"$OUT/$name.log" 2>&1 & ;;
    axum*)   env -u REDIS_URL -u DATABASE_URL "$@" "$bin_axum" --variant "$variant" --address 127.0.0.1 --port "$p" \
              >"$OUT/$name.log" 2>&1 & ;;
    plain_axum) env "$@" "$bin_plain_axum" --address 127.0.0.1 --port "$p" \
              >"$OUT/$name.log" 2>&1 & ;;
    fastapi) (cd "$here" && exec env "$@" python3 -m uvicorn fastapi_app:app --workers 1 \
              --host 127.0.0.1 --port "$p" --log-level warning --no-access-log) \
              >"$OUT/$name.log" 2>&1 & ;;
  esac
  pid[$name]=$!
  port[$name]=$p
  started+=("$!")
  local i
  for i in $(seq 100); do
    if curl -s -o /dev/null -H 'Authorization: Bearer x' "http://127.0.0.1:$p/items/"; then
      return 0
    fi
    kill -0 "${pid[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start; its log:" >&2
  cat "$OUT/$name.log" >&2
  exit 1
}

token_of() {
  # the scope is ignored by the jwt variants and granted by the scopes variant
  curl -s -X POST -d 'grant_type=password&username=johndoe&password=secret&scope=me+items' \
    "http://127.0.0.1:${port[$1]}/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

rss_kib() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# user + system CPU time of a process, in clock ticks
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

note_load() {
  echo "$1 $(date +%T) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.txt"
}

# ---------------------------------------------------------------- meta

{
  echo "commit ${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  echo "date $(date -u +%FT%TZ)"
  echo "cpus $(nproc)"
  echo "cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "kernel $(uname -r)"
  echo "rustc $(rustc --version)"
  echo "wrk $(wrk -v 2>&1 | head -1)"
  # the plain axum app's crates, from its own Cargo.lock
  awk '/^name = / { n = $3 } /^version = / && n ~ /^"(axum|jsonwebtoken|tokio|hyper)"$/ {
    gsub(/"/, "", n); gsub(/"/, "", $3); printf "plain-axum %s %s\n", n, $3; n = "" }' \
    "$here/plain-axum/Cargo.lock"
  python3 -c 'import sys, importlib.metadata as m
print("python", sys.version.split()[0])
for p in ("fastapi", "uvicorn", "pyjwt", "pwdlib", "argon2-cffi", "uvloop", "httptools"):
    try:
        print(p, m.version(p))
    except m.PackageNotFoundError:
        print(p, "not installed")'
  echo "settings ROUNDS=$ROUNDS THREADS=$THREADS CONNS=$CONNS DURATION=$DURATION SOAK_CONNS=$SOAK_CONNS SOAK_DURATION=$SOAK_DURATION SOAK_RUNS=$SOAK_RUNS LOGIN_PAIRS=$LOGIN_PAIRS"
} >"$OUT/meta.txt"

# ---------------------------------------------------------------- phases

phase_http() {
  mkdir -p "$OUT/http"
  local servers=(rocket warp axum plain_axum fastapi rocket_scopes warp_scopes axum_scopes)
  local s r route path
  declare -A tok
  for s in "${servers[@]}"; do
    start "$s"
    # plain axum has no POST /token; axum-tutorial's token (same key, {sub, exp}) does
    [ "$s" = plain_axum ] || tok[$s]=$(token_of "$s")
  done
  tok[plain_axum]=${tok[axum]}
  note_load "http-start"
  for r in $(seq "$ROUNDS"); do
    for s in "${servers[@]}"; do
      for route in me items health status; do
        case $route in
          me) path=/users/me/ ;;
          items) path=/items/ ;;
          health) [ "$s" = fastapi ] || continue; path=/health ;;
          status) [ "${s#*_}" = scopes ] || continue; path=/status/ ;;
        esac
        local before
        before=$(cpu_ticks "${pid[$s]}")
        wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
          -H "Authorization: Bearer ${tok[$s]}" "http://127.0.0.1:${port[$s]}$path" \
          >"$OUT/http/$r-$s-$route.txt"
        echo "cpu_ticks $(($(cpu_ticks "${pid[$s]}") - before)) clk_tck $(getconf CLK_TCK)" \
          >>"$OUT/http/$r-$s-$route.txt"
      done
    done
    note_load "http-round-$r"
  done
  stop_all
}

# storm_round SERVER ROUND: the probe alone, then the probe during a login storm
storm_round() {
  local s=$1 r=$2 token storm
  token=$(token_of "$s")
  # idle: the probe alone
  TOKEN=$token wrk -t1 -c4 -d"${DURATION}s" --latency -s "$here/lua/probe.lua" \
    "http://127.0.0.1:${port[$s]}" >"$OUT/storm/$r-$s-idle.txt"
  # storm: 4 connections posting correct logins as many clients (the servers trust one proxy
  # hop), and the same probe in a separate wrk
  LOGIN_CLIENTS=many wrk -t1 -c4 -d"$((DURATION + 1))s" --latency -s "$here/lua/login.lua" \
    "http://127.0.0.1:${port[$s]}" >"$OUT/storm/$r-$s-logins.txt" &
  storm=$!
  sleep 0.5
  TOKEN=$token wrk -t1 -c4 -d"${DURATION}s" --latency -s "$here/lua/probe.lua" \
    "http://127.0.0.1:${port[$s]}" >"$OUT/storm/$r-$s-probe.txt"
  wait "$storm"
}

phase_storm() {
  mkdir -p "$OUT/storm"
  start rocket TRUSTED_PROXY_HOPS=1
  start warp TRUSTED_PROXY_HOPS=1
  start axum TRUSTED_PROXY_HOPS=1
  start fastapi
  local s r
  note_load "storm-start"
  for r in $(seq "$ROUNDS"); do
    for s in rocket warp axum fastapi; do
      storm_round "$s" "$r"
    done
    note_load "storm-round-$r"
  done
  stop_all
}

# The storm with the hashing threads at niceness 0 (normal), 10 and 19 (the default), each
# round restarting our three servers with HASH_NICENESS set; servers named SERVER_nN.
phase_storm_niceness() {
  mkdir -p "$OUT/storm"
  local s n r
  note_load "storm_niceness-start"
  for r in $(seq "$ROUNDS"); do
    for s in rocket warp axum; do
      for n in 0 10 19; do
        start "${s}_n$n" HASH_NICENESS=$n TRUSTED_PROXY_HOPS=1
        storm_round "${s}_n$n" "$r"
        stop_all
      done
    done
    note_load "storm_niceness-round-$r"
  done
}

# What makes the probe's tail grow during the storm: for each server, per round, the probe
# idle, then beside three kinds of login load:
#   both   4 clients, correct password: argon2 on every core and a flood of 429s (the storm)
#   hash   2 clients (the hashing bound here is one per core): argon2 on every core, few 429s
#   shed   4 clients, wrong password for a user the throttle has locked: 429s, no hashing
#          after the first LOGIN_FAILURE_LIMIT (5) attempts
phase_storm_causes() {
  mkdir -p "$OUT/causes"
  start rocket
  start warp
  start axum
  local s r token kind clients body
  note_load "causes-start"
  for r in $(seq "$ROUNDS"); do
    for s in rocket warp axum; do
      token=$(token_of "$s")
      TOKEN=$token wrk -t1 -c4 -d"${DURATION}s" --latency -s "$here/lua/probe.lua" \
        "http://127.0.0.1:${port[$s]}" >"$OUT/causes/$r-$s-idle.txt"
      for kind in both hash shed; do
        clients=4
        body="grant_type=password&username=johndoe&password=secret"
        [ "$kind" = hash ] && clients=$(nproc)
        [ "$kind" = shed ] && body="grant_type=password&username=mallory&password=guess"
        LOGIN_BODY=$body wrk -t1 -c"$clients" -d"$((DURATION + 1))s" --latency \
          -s "$here/lua/login.lua" "http://127.0.0.1:${port[$s]}" \
          >"$OUT/causes/$r-$s-$kind-logins.txt" &
        local storm=$!
        sleep 0.5
        TOKEN=$token wrk -t1 -c4 -d"${DURATION}s" --latency -s "$here/lua/probe.lua" \
          "http://127.0.0.1:${port[$s]}" >"$OUT/causes/$r-$s-$kind.txt"
        wait "$storm"
      done
    done
    note_load "causes-round-$r"
  done
  stop_all
}

phase_soak() {
  mkdir -p "$OUT/soak"
  local s p i
  for s in rocket warp axum; do
    start "$s"
    p=${pid[$s]}
    echo "fresh $(rss_kib "$p")" >"$OUT/soak/$s-rss.txt"
    eval "$(python3 "$here/tokens.py" "$(token_of "$s")")"
    # a few requests of each kind before the first reading, so the baseline is a warm server
    wrk -t1 -c2 -d2s -s "$here/lua/soak.lua" "http://127.0.0.1:${port[$s]}" >/dev/null
    sleep 2
    echo "before $(rss_kib "$p")" >>"$OUT/soak/$s-rss.txt"
    # SOAK_RUNS runs in a row on the same process: memory that keeps growing from one run to
    # the next is a leak, memory that settles after the first is the working set of the load
    for i in $(seq "$SOAK_RUNS"); do
      note_load "soak-$s-$i-start"
      wrk -t"$THREADS" -c"$SOAK_CONNS" -d"${SOAK_DURATION}s" --latency -s "$here/lua/soak.lua" \
        "http://127.0.0.1:${port[$s]}" >"$OUT/soak/$s-$i.txt"
      echo "after$i $(rss_kib "$p")" >>"$OUT/soak/$s-rss.txt"
    done
    note_load "soak-$s-end"
    sleep 5
    echo "after5s $(rss_kib "$p")" >>"$OUT/soak/$s-rss.txt"
    kill -0 "$p" && echo "alive yes" >>"$OUT/soak/$s-rss.txt"
    stop_all
  done
}

phase_revocation() {
  mkdir -p "$OUT/revocation"
  local redis=${LOAD_REDIS_URL:-redis://127.0.0.1:6379}
  local prefix="tessera-load:$$:$(date +%s):"
  local s mode r i
  declare -A tok
  for s in rocket warp axum; do
    start "${s}_rvoff" TOKEN_REVOCATION=off
    start "${s}_rvmem"
    start "${s}_rvredis" REDIS_URL="$redis" REDIS_KEY_PREFIX="$prefix$s:"
    for mode in rvoff rvmem rvredis; do
      for i in $(seq 20); do
        curl -s -o /dev/null -d "token=$(token_of "${s}_$mode")" "http://127.0.0.1:${port[${s}_$mode]}/revoke"
      done
      tok[${s}_$mode]=$(token_of "${s}_$mode")
    done
  done
  note_load "revocation-start"
  for r in $(seq "$ROUNDS"); do
    for s in rocket warp axum; do
      for mode in rvoff rvmem rvredis; do
        local name=${s}_$mode before
        before=$(cpu_ticks "${pid[$name]}")
        wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
          -H "Authorization: Bearer ${tok[$name]}" "http://127.0.0.1:${port[$name]}/users/me/" \
          >"$OUT/revocation/$r-$s-$mode.txt"
        echo "cpu_ticks $(($(cpu_ticks "${pid[$name]}") - before)) clk_tck $(getconf CLK_TCK)" \
          >>"$OUT/revocation/$r-$s-$mode.txt"
      done
    done
    note_load "revocation-round-$r"
  done
  stop_all
}

phase_timing() {
  mkdir -p "$OUT/timing"
  local lift=(LOGIN_FAILURE_LIMIT=1000000 LOGIN_CLIENT_FAILURE_LIMIT=0 LOGIN_USERNAME_FAILURE_LIMIT=0)
  start rocket "${lift[@]}"
  start warp "${lift[@]}"
  start axum "${lift[@]}"
  start fastapi
  note_load "timing-start"
  python3 "$here/login_timing.py" "$LOGIN_PAIRS" \
    rocket="${port[rocket]}" warp="${port[warp]}" axum="${port[axum]}" fastapi="${port[fastapi]}" \
    >"$OUT/timing/timing.json"
  note_load "timing-end"
  stop_all
}

for phase in "${phases[@]}"; do
  echo "phase $phase" >&2
  "phase_$phase"
done
note_load "end"

python3 "$here/report.py" "$OUT" | tee "$OUT/report.md"
echo "results in $OUT" >&2
