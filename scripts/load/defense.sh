#!/usr/bin/env bash
# Login defense under load, over HTTP on loopback, against the release builds of the three
# tutorial servers. Every process started here is stopped on exit; every run is bounded in time.
#
# Usage: scripts/load/defense.sh [PHASE...]   (default: fairness latency)
#
#   fairness  one attacking client (127.0.0.1) sends wrong passwords for random names as fast as
#             each server answers, on ATTACK_CONNS connections, while a second client
#             (127.0.0.2) logs in as johndoe every 0.2 s for FAIR_DURATION seconds; the servers
#             run with LOGIN_CLIENT_FAILURE_LIMIT=0 so that the attacker is never stopped by its
#             own limit and the hashing queue alone decides (fairness.py)
#   latency   sequential /token latency, right and wrong passwords, with the in-memory throttle
#             and with the Redis throttle (REDIS_URL, its own key prefix), side by side in
#             alternating rounds (login_latency.py)
#
# Environment (defaults): FAIR_DURATION (20), ATTACK_CONNS ("1 8"), LAT_COUNT (20),
# LAT_ROUNDS (5), REDIS_URL (redis://127.0.0.1:6379), OUT (a new directory under /tmp),
# CARGO_TARGET_DIR (/work/target-load).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

FAIR_DURATION=${FAIR_DURATION:-20}
ATTACK_CONNS=${ATTACK_CONNS:-"1 8"}
LAT_COUNT=${LAT_COUNT:-20}
LAT_ROUNDS=${LAT_ROUNDS:-5}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-load}
OUT=${OUT:-$(mktemp -d /tmp/tessera-defense.XXXXXX)}
mkdir -p "$OUT"
export SECRET_KEY=${SECRET_KEY:-load-test-secret-key-0123456789abcdef}
# What the caller's environment says about stores and limits plays no part, except as set here.
unset REDIS_URL REDIS_KEY_PREFIX DATABASE_URL DATABASE_SCHEMA TOKEN_REVOCATION TRUSTED_PROXY_HOPS LOGIN_FAILURE_LIMIT \
  LOGIN_CLIENT_FAILURE_LIMIT LOGIN_USERNAME_FAILURE_LIMIT

phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(fairness latency)

echo "building the servers (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build -q --release -p rocket-tutorial -p warp-tutorial -p axum-tutorial

pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start SERVER LOGNAME [ENV=VALUE...]: sets `port` once the server answers.
start() {
  local server=$1 name=$2
  shift 2
  local p
  p=$(free_port)
  port=""
  env "$@" ROCKET_LOG_LEVEL=off "$CARGO_TARGET_DIR/release/$server-tutorial" \
    --address 127.0.0.1 --port "$p" >"$OUT/$name.log" 2>&1 &
  pids+=("$!")
  local i
  for i in $(seq 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$p/items/"; then
      port=$p
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not start; its log:" >&2
  cat "$OUT/$name.log" >&2
  exit 1
}

{
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date $(date -u +%FT%TZ)"
  echo "cpus $(nproc)"
  echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/meta.txt"

phase_fairness() {
  local server conns
  for server in rocket warp axum; do
    for conns in $ATTACK_CONNS; do
      start "$server" "fair-$server-$conns" LOGIN_CLIENT_FAILURE_LIMIT=0
      echo "fairness $server attack_conns=$conns" >&2
      printf '%s %s ' "$server" "$conns" >>"$OUT/fairness.txt"
      python3 "$here/fairness.py" "$port" "$FAIR_DURATION" "$conns" 0.2 >>"$OUT/fairness.txt"
      stop_all
    done
  done
}

phase_latency() {
  redis-cli -u "$REDIS" ping | grep -q PONG || { echo "Redis at $REDIS is unreachable" >&2; exit 1; }
  local prefix="tessera-bench:$$:$(date +%s):"
  local lift=(LOGIN_FAILURE_LIMIT=1000000 LOGIN_CLIENT_FAILURE_LIMIT=0 LOGIN_USERNAME_FAILURE_LIMIT=0)
  local args=() server
  for server in rocket warp axum; do
    start "$server" "lat-$server-memory" "${lift[@]}"
    args+=("$server-memory=$port")
    start "$server" "lat-$server-redis" "${lift[@]}" REDIS_URL="$REDIS" REDIS_KEY_PREFIX="$prefix"
    args+=("$server-redis=$port")
  done
  echo "latency ${args[*]}" >&2
  python3 "$here/login_latency.py" "$LAT_COUNT" "$LAT_ROUNDS" "${args[@]}" >"$OUT/latency.json"
  stop_all
}

for phase in "${phases[@]}"; do
  echo "phase $phase" >&2
  "phase_$phase"
done
echo "loadavg-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"
cat "$OUT/meta.txt"
[ -f "$OUT/fairness.txt" ] && cat "$OUT/fairness.txt"
[ -f "$OUT/latency.json" ] && python3 -m json.tool "$OUT/latency.json"
echo "results in $OUT" >&2
