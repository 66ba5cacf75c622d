#!/usr/bin/env bash
# The Swagger UI test of the tutorial apps in a real browser: builds rocket-tutorial,
# warp-tutorial and axum-tutorial, starts each in each variant on a free port of 127.0.0.1, runs
# run.mjs against it (Authorize as johndoe, GET /users/me/ answers 200, Logout, it answers 401),
# and stops it.
# Screenshots go to tests/browser/screenshots/<server>-<variant>-<step>.png.
#
#   tests/browser/run.sh [rocket] [warp] [axum]        (default: all three)
#
# Environment: STYLES (default "rfc"; "rfc fastapi" runs both error styles), CHROMIUM (default
# /usr/bin/chromium), CARGO_TARGET_DIR as for cargo. Needs cargo, node (20 or later), npm and
# Chromium; Playwright never downloads a browser.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
styles="${STYLES:-rfc}"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(rocket warp axum)
for s in "${servers[@]}"; do
  case "$s" in rocket | warp | axum) ;; *) echo "unknown server $s (rocket, warp or axum)" >&2; exit 2 ;; esac
done

for tool in cargo node npm curl; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
[ -x "$chromium" ] || { echo "no Chromium at $chromium (set CHROMIUM)" >&2; exit 2; }

echo "=== npm ci"
(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)

echo "=== cargo build"
(cd "$root" && cargo build -q -p rocket-tutorial -p warp-tutorial -p axum-tutorial)
target="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"

logs="$(mktemp -d)"
pids=()
stop_all() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
}
trap 'stop_all; rm -rf "$logs"' EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

secret="$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
failed=()
passed=()
for server in "${servers[@]}"; do
  bin="$target/debug/$server-tutorial"
  [ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }
  for variant in jwt scopes; do
    for style in $styles; do
      name="$server-$variant-$style"
      echo "=== $name"
      port="$(free_port)"
      log="$logs/$name.log"
      # The in-memory throttle, whatever the caller's environment says.
      env -u REDIS_URL -u DATABASE_URL SECRET_KEY="$secret" ROCKET_CLI_COLORS=false \
        "$bin" --variant "$variant" --style "$style" --address 127.0.0.1 --port "$port" >"$log" 2>&1 &
      pid=$!
      pids+=("$pid")
      up=""
      for _ in $(seq 1 150); do
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/openapi.json"; then
          up=1
          break
        fi
        sleep 0.2
      done
      if [ -z "$up" ]; then
        echo "FAIL $name: the server did not start; its output:"
        sed 's/^/    /' "$log"
        failed+=("$name")
        stop_all
        continue
      fi
      label="$server"
      [ "$style" = rfc ] || label="$server-$style"
      if node "$here/run.mjs" --url "http://127.0.0.1:$port" --variant "$variant" \
        --server "$label" --chromium "$chromium"; then
        passed+=("$name")
      else
        failed+=("$name")
        echo "    server output:"
        tail -n 40 "$log" | sed 's/^/    /'
      fi
      stop_all
    done
  done
done

echo
echo "passed: ${passed[*]:-none}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "screenshots: $here/screenshots"
