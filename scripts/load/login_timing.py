"""Login timing over HTTP: unknown-user and wrong-password POST /token requests, one at a time
on one keep-alive connection per server, interleaved (the pair order alternates, and the
servers take turns), after a warm-up. Prints JSON: per server the median, minimum, p10 and p90 latency
of each kind in milliseconds, the statuses seen, and median(unknown) / median(wrong).

Usage: login_timing.py PAIRS NAME=PORT...
The servers must not throttle these failures (LOGIN_FAILURE_LIMIT=1000000 for Tessera).
"""

import http.client
import json
import statistics
import sys
import time

pairs = int(sys.argv[1])
servers = [arg.split("=", 1) for arg in sys.argv[2:]]
bodies = {
    "unknown_user": "grant_type=password&username=nosuchuser&password=wrongpassword",
    "wrong_password": "grant_type=password&username=johndoe&password=wrongpassword",
}
headers = {"Content-Type": "application/x-www-form-urlencoded"}
conns = {name: http.client.HTTPConnection("127.0.0.1", int(port), timeout=10) for name, port in servers}
samples = {name: {kind: [] for kind in bodies} for name, _ in servers}
statuses = {name: {kind: {} for kind in bodies} for name, _ in servers}


def once(name, kind):
    conn = conns[name]
    start = time.perf_counter_ns()
    conn.request("POST", "/token", body=bodies[kind], headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter_ns() - start) / 1e6
    return response.status, elapsed


warmup = 10
for i in range(warmup + pairs):
    order = ("unknown_user", "wrong_password") if i % 2 == 0 else ("wrong_password", "unknown_user")
    for name, _ in servers:
        for kind in order:
            status, ms = once(name, kind)
            if i >= warmup:
                samples[name][kind].append(ms)
                statuses[name][kind][status] = statuses[name][kind].get(status, 0) + 1


def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


out = {"pairs": pairs, "servers": {}}
for name, _ in servers:
    entry = {}
    for kind in bodies:
        v = samples[name][kind]
        entry[kind] = {
            "median_ms": round(statistics.median(v), 3),
            "min_ms": round(min(v), 3),
            "p10_ms": round(q(v, 0.10), 3),
            "p90_ms": round(q(v, 0.90), 3),
            "statuses": statuses[name][kind],
        }
    entry["ratio"] = round(entry["unknown_user"]["median_ms"] / entry["wrong_password"]["median_ms"], 4)
    out["servers"][name] = entry
print(json.dumps(out, indent=1))
