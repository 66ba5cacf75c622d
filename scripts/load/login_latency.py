"""Latency of /token, sequential logins from one client, on several servers side by side.

For each round, each server in turn gets COUNT right-password logins for johndoe and COUNT
wrong-password logins for other names (one new connection each); the servers alternate so
that machine noise falls on all of them alike. Prints JSON: per server and kind, the median
and the 99th percentile in milliseconds over every round.

Usage: login_latency.py COUNT ROUNDS NAME=PORT [NAME=PORT ...]

The servers must not throttle the wrong passwords (LOGIN_FAILURE_LIMIT=1000000,
LOGIN_CLIENT_FAILURE_LIMIT=0, LOGIN_USERNAME_FAILURE_LIMIT=0).
"""

import http.client
import json
import sys
import time


def login(port, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.monotonic()
    conn.request("POST", "/token", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    elapsed = time.monotonic() - t0
    conn.close()
    return r.status, elapsed


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    count, rounds = int(sys.argv[1]), int(sys.argv[2])
    servers = [arg.split("=", 1) for arg in sys.argv[3:]]
    times = {name: {"ok": [], "wrong": []} for name, _ in servers}
    bad = {}
    for r in range(rounds):
        for name, port in servers:
            for i in range(count):
                for kind, body, want in (
                    ("ok", "username=johndoe&password=secret", 200),
                    ("wrong", f"username=nobody{r}x{i}&password=guess", 400),
                ):
                    status, elapsed = login(int(port), body)
                    if status != want:
                        bad[f"{name} {kind} {status}"] = bad.get(f"{name} {kind} {status}", 0) + 1
                    times[name][kind].append(elapsed)
    out = {
        name: {
            kind: {
                "n": len(v),
                "p50_ms": round(1000 * quantile(v, 0.5), 2),
                "p99_ms": round(1000 * quantile(v, 0.99), 2),
            }
            for kind, v in kinds.items()
        }
        for name, kinds in times.items()
    }
    out["unexpected_statuses"] = bad
    print(json.dumps(out))


if __name__ == "__main__":
    main()
