#!/usr/bin/env bash
# argon2id hash and verify with the default policy (m=19456 KiB, t=2, p=1, 32-byte tag), Tessera
# against Python's argon2-cffi (libargon2), same parameters, same machine. The two run in
# alternating rounds so that machine noise hits both alike; the medians of all rounds are
# compared. Usage: scripts/argon2-vs-libargon2.sh [ROUNDS] [RUNS_PER_ROUND]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
runs=${2:-10}
python3 -c 'import argon2' 2>/dev/null || python3 -m pip install -q argon2-cffi
cargo build -q --release -p tessera-core --example argon2_timing
bin=target/release/examples/argon2_timing
py='
import sys, time, statistics, json
from argon2.low_level import hash_secret_raw, hash_secret, verify_secret, Type
n = int(sys.argv[1]); salt = b"\x42" * 16; pw = b"correct horse battery staple"
phc = hash_secret(pw, salt, time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, type=Type.ID)
h, v = [], []
for _ in range(n):
    t = time.perf_counter(); hash_secret(pw, salt, time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, type=Type.ID); h.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter(); verify_secret(phc, pw, Type.ID); v.append((time.perf_counter() - t) * 1e3)
import argon2, importlib.metadata as md
print(json.dumps({"impl": "argon2-cffi %s (libargon2)" % md.version("argon2-cffi"), "runs": n, "hash_ms": round(statistics.median(h), 2), "verify_ms": round(statistics.median(v), 2)}))
'
out=$(mktemp)
for r in $(seq "$rounds"); do
  "$bin" "$runs" >>"$out"
  python3 -c "$py" "$runs" >>"$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["impl"], []).append(r)
print("| implementation | rounds x runs | hash median (ms) | verify median (ms) |")
print("|---|---|---|---|")
med = {}
for name, rs in by.items():
    h = statistics.median(x["hash_ms"] for x in rs); v = statistics.median(x["verify_ms"] for x in rs)
    med[name] = (h, v)
    print(f"| {name} | {len(rs)} x {rs[0]['runs']} | {h:.2f} | {v:.2f} |")
(t_name, t), (p_name, p) = [(n, m) for n, m in med.items() if n.startswith("tessera")][0], [(n, m) for n, m in med.items() if not n.startswith("tessera")][0]
print(f"\nratio tessera / libargon2: hash {t[0] / p[0]:.2f}x, verify {t[1] / p[1]:.2f}x")
PY
