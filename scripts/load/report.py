"""Turns the results directory written by run.sh into markdown tables (on stdout).

Usage: report.py OUT_DIR
"""

import glob
import json
import os
import re
import statistics
import sys

out = sys.argv[1]
SERVERS = ["rocket", "warp", "axum", "plain_axum", "fastapi", "rocket_scopes", "warp_scopes", "axum_scopes"]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(path):
    """The figures of one wrk output file."""
    text = open(path).read()
    r = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx3xx": 0, "statuses": {}}
    r["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+),", text)
    r["requests"] = int(m.group(1))
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", text, re.M)
        if m:
            r["p" + p] = ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r.update(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["non2xx3xx"] = int(m.group(1))
    m = re.search(r"^STATUS(.*)$", text, re.M)
    if m:
        r["statuses"] = {int(k): int(v) for k, v in re.findall(r"(\d+)=(\d+)", m.group(1))}
    m = re.search(r"^cpu_ticks (\d+) clk_tck (\d+)$", text, re.M)
    if m:
        r["cpu_us"] = int(m.group(1)) / int(m.group(2)) * 1e6 / r["requests"]
    m = re.search(r"^CLASS (.*)$", text, re.M)
    if m:
        r["classes"] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}
    return r


def med(values):
    return statistics.median(values) if values else float("nan")


def fms(x):
    return f"{x:.2f} ms" if x >= 1 else f"{x * 1000:.0f} µs"


def section(title):
    print(f"\n### {title}\n")


meta = open(os.path.join(out, "meta.txt")).read().strip()
print("```\n" + meta)
if os.path.exists(os.path.join(out, "load.txt")):
    print(open(os.path.join(out, "load.txt")).read().strip())
print("```")

# ---------------------------------------------------------------- http
files = glob.glob(os.path.join(out, "http", "*.txt"))
if files:
    runs = {}
    for f in files:
        rnd, server, route = os.path.basename(f)[:-4].split("-")
        runs.setdefault((server, route), {})[int(rnd)] = wrk(f)
    rounds = sorted({r for v in runs.values() for r in v})
    section(f"HTTP load: median of {len(rounds)} interleaved rounds")
    print(
        "| server | route | requests/s | p50 | p99 | non-2xx | server CPU per request "
        "| auth overhead, requests/s: median (per round) | auth overhead, CPU |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    paths = {
        "me": "GET /users/me/",
        "items": "GET /items/",
        "health": "GET /health",
        "status": "GET /status/",
    }
    for server in SERVERS:
        me, items = runs.get((server, "me")), runs.get((server, "items"))
        if not me:
            continue
        overheads = [1 - me[r]["rps"] / items[r]["rps"] for r in rounds if r in me and r in items]
        cpu_overhead = None
        if all("cpu_us" in x for x in list(me.values()) + list(items.values())):
            cpu_overhead = 1 - med([x["cpu_us"] for x in items.values()]) / med(
                [x["cpu_us"] for x in me.values()]
            )
        for route in ("me", "items", "health", "status"):
            rr = runs.get((server, route))
            if not rr:
                continue
            v = list(rr.values())
            extra = " | "
            if route == "me":
                per_round = ", ".join(f"{o:.1%}" for o in overheads)
                extra = f"**{med(overheads):.1%}** ({per_round}) | "
                extra += f"**{cpu_overhead:.1%}**" if cpu_overhead is not None else "?"
            cpu = [x["cpu_us"] for x in v if "cpu_us" in x]
            cpu = f"{med(cpu):.1f} µs" if cpu else "?"
            print(
                f"| {server} | `{paths[route]}` | {med([x['rps'] for x in v]):,.0f} "
                f"| {fms(med([x['p50'] for x in v]))} | {fms(med([x['p99'] for x in v]))} "
                f"| {sum(x['non2xx3xx'] for x in v)} | {cpu} | {extra} |"
            )

# ---------------------------------------------------------------- revocation
files = glob.glob(os.path.join(out, "revocation", "*.txt"))
if files:
    runs = {}
    for f in files:
        rnd, server, mode = os.path.basename(f)[:-4].split("-")
        runs.setdefault((server, mode), {})[int(rnd)] = wrk(f)
    rounds = sorted({r for v in runs.values() for r in v})
    section(f"Revocation check: GET /users/me/, median of {len(rounds)} interleaved rounds")
    print("| server | check | requests/s | p50 | p99 | non-2xx | server CPU per request "
          "| throughput cost vs off: median (per round) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    names = {"rvoff": "off", "rvmem": "in process", "rvredis": "Redis"}
    for server in ("rocket", "warp", "axum"):
        off = runs.get((server, "rvoff"))
        if not off:
            continue
        for mode in ("rvoff", "rvmem", "rvredis"):
            rr = runs.get((server, mode), {})
            v = list(rr.values())
            if not v:
                continue
            cost = [1 - rr[r]["rps"] / off[r]["rps"] for r in rounds if r in rr and r in off]
            extra = "" if mode == "rvoff" else (
                f"**{med(cost):.1%}** ({', '.join(f'{c:.1%}' for c in cost)})")
            cpu = [x["cpu_us"] for x in v if "cpu_us" in x]
            cpu = f"{med(cpu):.1f} µs" if cpu else "?"
            print(
                f"| {server} | {names[mode]} | {med([x['rps'] for x in v]):,.0f} "
                f"| {fms(med([x['p50'] for x in v]))} | {fms(med([x['p99'] for x in v]))} "
                f"| {sum(x['non2xx3xx'] for x in v)} | {cpu} | {extra} |"
            )

# ---------------------------------------------------------------- storm
files = glob.glob(os.path.join(out, "storm", "*.txt"))
if files:
    runs = {}
    for f in files:
        rnd, server, kind = os.path.basename(f)[:-4].split("-")
        runs.setdefault((server, kind), {})[int(rnd)] = wrk(f)
    rounds = sorted({r for v in runs.values() for r in v})
    section(f"Login storm: GET /users/me/ probe, median of {len(rounds)} rounds")
    print(
        "| server | probe p50 idle | probe p99 idle | probe p50 storm | probe p99 storm "
        "| p99 storm / idle | probe req/s idle / storm | logins 200 | logins 429 | other | login p50 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    found = {server for server, _ in runs}
    for server in [x for x in SERVERS if x in found] + sorted(found - set(SERVERS), key=lambda x: (x.split("_n")[0], int(x.split("_n")[-1]) if "_n" in x else 0)):
        idle, probe, logins = (runs.get((server, k)) for k in ("idle", "probe", "logins"))
        if not idle:
            continue
        ratios = [probe[r]["p99"] / idle[r]["p99"] for r in rounds]
        ok = sum(logins[r]["statuses"].get(200, 0) for r in rounds)
        busy = sum(logins[r]["statuses"].get(429, 0) for r in rounds)
        other = sum(sum(logins[r]["statuses"].values()) for r in rounds) - ok - busy
        errors = sum(x[k] for d in (idle, probe, logins) for x in d.values()
                     for k in ("connect", "read", "write", "timeout"))
        probe_bad = sum(x["non2xx3xx"] for d in (idle, probe) for x in d.values())
        print(
            f"| {server} | {fms(med([idle[r]['p50'] for r in rounds]))} "
            f"| {fms(med([idle[r]['p99'] for r in rounds]))} "
            f"| {fms(med([probe[r]['p50'] for r in rounds]))} "
            f"| {fms(med([probe[r]['p99'] for r in rounds]))} "
            f"| **{med(ratios):.2f}×** ({', '.join(f'{x:.2f}' for x in ratios)}) "
            f"| {med([idle[r]['rps'] for r in rounds]):,.0f} / {med([probe[r]['rps'] for r in rounds]):,.0f} "
            f"| {ok} | {busy} | {other} | {fms(med([logins[r]['p50'] for r in rounds]))} |"
        )
        if errors or probe_bad:
            print(f"\n{server}: socket errors {errors}, probe answers other than 200: {probe_bad}\n")

# ---------------------------------------------------------------- storm causes
files = glob.glob(os.path.join(out, "causes", "*.txt"))
if files:
    runs = {}
    for f in files:
        parts = os.path.basename(f)[:-4].split("-")
        runs.setdefault(tuple(parts[1:]), {})[int(parts[0])] = wrk(f)
    rounds = sorted({r for v in runs.values() for r in v})
    section(f"Login storm, causes: GET /users/me/ probe, median of {len(rounds)} rounds")
    print("| server | login load | probe p50 | probe p99 | p99 / idle p99 (per round) "
          "| login answers (all rounds) | login answers/s |")
    print("|---|---|---:|---:|---:|---|---:|")
    names = {
        "idle": "none (idle)",
        "both": "4 clients, correct password (the storm)",
        "hash": "clients = hashing bound, correct password",
        "shed": "4 clients, locked-out user",
    }
    for server in ("rocket", "warp", "axum"):
        idle = runs.get((server, "idle"))
        if not idle:
            continue
        for kind in ("idle", "both", "hash", "shed"):
            probe = runs[(server, kind)] if kind != "idle" else idle
            ratios = [probe[r]["p99"] / idle[r]["p99"] for r in rounds]
            answers, rate = "", ""
            if kind != "idle":
                logins = runs[(server, kind, "logins")]
                total = {}
                for x in logins.values():
                    for k, n in x["statuses"].items():
                        total[k] = total.get(k, 0) + n
                answers = ", ".join(f"{k}: {n:,}" for k, n in sorted(total.items()))
                rate = f"{med([x['rps'] for x in logins.values()]):,.0f}"
            print(
                f"| {server} | {names[kind]} | {fms(med([probe[r]['p50'] for r in rounds]))} "
                f"| {fms(med([probe[r]['p99'] for r in rounds]))} "
                f"| **{med(ratios):.2f}×** ({', '.join(f'{x:.2f}' for x in ratios)}) "
                f"| {answers} | {rate} |"
            )

# ---------------------------------------------------------------- soak
files = sorted(glob.glob(os.path.join(out, "soak", "*-rss.txt")))
if files:
    section("Soak: runs in a row on one server process")
    print(
        "| server | run | requests | req/s | p50 | p99 | socket errors (connect/read/write/timeout) "
        "| 2xx | 3xx | 4xx | 5xx | VmRSS after the run |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    statuses = {}
    memory = {}
    for server in ("rocket", "warp", "axum"):
        rf = os.path.join(out, "soak", f"{server}-rss.txt")
        if not os.path.exists(rf):
            continue
        rss = dict(line.split() for line in open(rf))
        mib = lambda k: f"{int(rss[k]) / 1024:.1f} MiB" if k in rss else "?"
        i = 1
        while os.path.exists(os.path.join(out, "soak", f"{server}-{i}.txt")):
            r = wrk(os.path.join(out, "soak", f"{server}-{i}.txt"))
            c = r.get("classes", {})
            for k, v in r["statuses"].items():
                statuses.setdefault(server, {})
                statuses[server][k] = statuses[server].get(k, 0) + v
            print(
                f"| {server} | {i} | {r['requests']:,} | {r['rps']:,.0f} | {fms(r['p50'])} | {fms(r['p99'])} "
                f"| {r['connect']}/{r['read']}/{r['write']}/{r['timeout']} "
                f"| {c.get('2xx', '?')} | {c.get('3xx', '?')} | {c.get('4xx', '?')} | {c.get('5xx', '?')} "
                f"| {mib(f'after{i}')} |"
            )
            i += 1
        memory[server] = (mib("fresh"), mib("before"), mib("after1"), mib(f"after{i - 1}"), mib("after5s"))
    print("\n| server | VmRSS fresh | warm, before | after run 1 | after the last run | 5 s after |")
    print("|---|---:|---:|---:|---:|---:|")
    for server, m in memory.items():
        print(f"| {server} | " + " | ".join(m) + " |")
    for server, s in statuses.items():
        print(f"\n{server} statuses, all runs: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(s.items())))

# ---------------------------------------------------------------- timing
f = os.path.join(out, "timing", "timing.json")
if os.path.exists(f):
    t = json.load(open(f))
    section(f"Login timing: {t['pairs']} unknown-user and {t['pairs']} wrong-password logins, sequential, interleaved")
    print(
        "| server | unknown user: median (p10–p90) | wrong password: median (p10–p90) "
        "| minimum unknown / wrong | ratio of medians unknown / wrong | statuses |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for server, e in t["servers"].items():
        u, w = e["unknown_user"], e["wrong_password"]
        st = "unknown " + ", ".join(f"{k}×{v}" for k, v in u["statuses"].items())
        st += "; wrong " + ", ".join(f"{k}×{v}" for k, v in w["statuses"].items())
        print(
            f"| {server} | {u['median_ms']:.2f} ms ({u['p10_ms']:.2f}–{u['p90_ms']:.2f}) "
            f"| {w['median_ms']:.2f} ms ({w['p10_ms']:.2f}–{w['p90_ms']:.2f}) "
            f"| {u.get('min_ms', float('nan')):.2f} / {w.get('min_ms', float('nan')):.2f} ms "
            f"| **{e['ratio']:.3f}** | {st} |"
        )
