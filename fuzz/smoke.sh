#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 20), one after another, in one process each.
# Exits non-zero if any target crashes or fails a property; the failing input is saved under
# fuzz/artifacts/<target>/. The committed corpus is read, never written: new inputs go to a
# temporary directory.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a nightly compiler, or a stable
# one with RUSTC_BOOTSTRAP=1 (set here unless already set).
#
#   fuzz/smoke.sh        # 20 s per target
#   fuzz/smoke.sh 60     # 60 s per target
set -euo pipefail

secs="${1:-20}"
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cargo fuzz build
failed=()
for target in $(cargo fuzz list); do
    echo "== $target: ${secs}s"
    mkdir -p "$scratch/$target" "fuzz/corpus/$target"
    if ! cargo fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$secs" -timeout=30 -print_final_stats=1; then
        failed+=("$target")
    fi
done

if ((${#failed[@]})); then
    echo "fuzz smoke failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke: $(cargo fuzz list | wc -l) targets ran ${secs}s each without a crash"
