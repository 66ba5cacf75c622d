#!/usr/bin/env bash
# Builds the Cortex-M4 example in release and runs it on QEMU's mps2-an386 board.
# Fails unless QEMU exits 0, every expected line is printed and no line reports FAIL.
# Also checks the flash cost of the verify path when a `size` tool is installed.
#
# Needs: rustup, and qemu-system-arm (Debian/Ubuntu: apt-get install qemu-system-arm).
set -euo pipefail
cd "$(dirname "$0")"

target=thumbv7em-none-eabihf
# Budget for the verify path: `.text + .rodata` of verify-only minus baseline, in bytes.
flash_budget=32768

if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
fi
if ! command -v qemu-system-arm >/dev/null; then
    echo "run.sh: qemu-system-arm not found (apt-get install qemu-system-arm)" >&2
    exit 1
fi

cargo build --release --locked --bins
bin="${CARGO_TARGET_DIR:-target}/$target/release"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs one ELF under QEMU; prints its output and leaves it, without carriage returns, in $log.
# Returns QEMU's exit status (1 when the program exits through semihosting with a failure,
# 124 on timeout).
qemu() {
    local status=0
    timeout 60 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
        -semihosting-config enable=on,target=native -kernel "$1" </dev/null >"$log" 2>&1 \
        || status=$?
    tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
    cat "$log"
    return "$status"
}

failed=0
fail() {
    echo "run.sh: $*" >&2
    failed=1
}

expected=(
    'ok   valid token: sub=johndoe'
    'ok   expired token: refused, Expired (token expired)'
    'ok   wrong signature: refused, BadSignature (signature mismatch)'
    'ok   alg none, no signature: refused, Malformed (token is not three canonical base64url segments)'
    'ok   alg none, correct MAC: refused, Algorithm (alg is not HS256)'
    'ok   bad base64: refused, BadSignature (signature mismatch)'
    'ok   two segments: refused, Malformed (token is not three canonical base64url segments)'
    'ok   header nested to the depth limit: sub=johndoe'
    'ok   claims nested to the depth limit: sub=johndoe'
    'ok   claims nested past the depth limit: refused, Json (header or claims are not a strict JSON object)'
    'ok   scope "me items": grants [items, me]: true, grants [admin]: false'
    'ok   encode into a 256-byte stack buffer: 152 bytes, same as the host-signed token: true'
    'ok   verify the encoded token: sub=johndoe'
    '25 passed, 0 failed'
)
# Lines whose numbers vary with the compiler: matched as extended regular expressions.
expected_patterns=(
    '^ok   stack: encode: [0-9]+ bytes, output buffer outside$'
    '^ok   stack: valid token: [0-9]+ bytes, [0-9]+ with the 768-byte claims buffer on the stack \(accepted\)$'
    '^ok   stack worst case: [0-9]+ bytes \(.*\), [0-9]+ with the claims buffer; budget 8192$'
)

status=0
qemu "$bin/tessera-cortex-m" || status=$?
[ "$status" -eq 0 ] || fail "tessera-cortex-m: qemu exited with status $status"
for line in "${expected[@]}"; do
    grep -Fxq -- "$line" "$log" || fail "missing line: $line"
done
for pattern in "${expected_patterns[@]}"; do
    grep -Eq -- "$pattern" "$log" || fail "no line matches: $pattern"
done
if grep -q '^FAIL' "$log"; then
    fail "the program reported failures"
fi

status=0
qemu "$bin/verify-only" || status=$?
[ "$status" -eq 0 ] || fail "verify-only: qemu exited with status $status"
grep -Fxq 'ok   verify-only' "$log" || fail "verify-only: missing its ok line"

size_tool=
for tool in arm-none-eabi-size llvm-size size; do
    if command -v "$tool" >/dev/null; then
        size_tool=$tool
        break
    fi
done
if [ -n "$size_tool" ]; then
    flash() { "$size_tool" -A "$1" | awk '$1 == ".text" || $1 == ".rodata" { n += $2 } END { print n }'; }
    full=$(flash "$bin/tessera-cortex-m")
    only=$(flash "$bin/verify-only")
    base=$(flash "$bin/baseline")
    path=$((only - base))
    echo "flash (.text + .rodata, $size_tool): example $full, verify-only $only, baseline $base," \
        "verify path $path bytes (budget $flash_budget)"
    [ "$path" -le "$flash_budget" ] || fail "verify path is $path bytes, over $flash_budget"
else
    echo "run.sh: no size tool found; flash budget not checked" >&2
fi

if [ "$failed" -ne 0 ]; then
    echo "run.sh: FAILED" >&2
    exit 1
fi
echo "run.sh: all checks passed"
