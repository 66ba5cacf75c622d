"""Fairness of /token under one attacking client, over HTTP on loopback.

The attacker, from 127.0.0.1, sends wrong passwords for random unknown usernames as fast as
the server answers, on ATTACK_CONNS connections at once (each its own sequential loop). The
victim, from 127.0.0.2, logs in as johndoe with the right password once every VICTIM_GAP
seconds. After DURATION seconds both stop; prints JSON: the victim's success rate and its
latency quantiles, and the attacker's answers by status.

Usage: fairness.py PORT [DURATION] [ATTACK_CONNS] [VICTIM_GAP]

Start the server with LOGIN_CLIENT_FAILURE_LIMIT=0, or the attacker is stopped by its own
client limit after 1000 failures and the run measures that limit instead of the queue.
"""

import http.client
import json
import random
import string
import sys
import threading
import time

ATTACKER = "127.0.0.1"
VICTIM = "127.0.0.2"


def post(conn, body):
    conn.request(
        "POST",
        "/token",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    r = conn.getresponse()
    r.read()
    return r.status


def connect(port, source):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))


def attacker(port, stop, counts, lock):
    conn = connect(port, ATTACKER)
    while not stop.is_set():
        name = "".join(random.choices(string.ascii_lowercase, k=12))
        try:
            status = post(conn, f"username={name}&password=guess")
        except (OSError, http.client.HTTPException):
            status = "error"
            conn.close()
            conn = connect(port, ATTACKER)
        with lock:
            counts[status] = counts.get(status, 0) + 1


def quantile(sorted_values, q):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[i]


def main():
    port = int(sys.argv[1])
    duration = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
    stop = threading.Event()
    counts, lock = {}, threading.Lock()
    threads = [
        threading.Thread(target=attacker, args=(port, stop, counts, lock), daemon=True)
        for _ in range(conns)
    ]
    for t in threads:
        t.start()
    time.sleep(1.0)  # the attack is under way before the first victim login
    ok, statuses, latencies = 0, {}, []
    end = time.monotonic() + duration
    while time.monotonic() < end:
        conn = connect(port, VICTIM)
        t0 = time.monotonic()
        try:
            status = post(conn, "username=johndoe&password=secret")
        except (OSError, http.client.HTTPException):
            status = "error"
        latencies.append(time.monotonic() - t0)
        conn.close()
        statuses[status] = statuses.get(status, 0) + 1
        ok += status == 200
        time.sleep(gap)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    latencies.sort()
    total = sum(statuses.values())
    attack_total = sum(counts.values())
    print(
        json.dumps(
            {
                "duration_s": duration,
                "attack_conns": conns,
                "victim_logins": total,
                "victim_ok": ok,
                "victim_ok_pct": round(100.0 * ok / total, 1) if total else None,
                "victim_statuses": {str(k): v for k, v in statuses.items()},
                "victim_p50_ms": round(1000 * quantile(latencies, 0.5), 1) if latencies else None,
                "victim_p99_ms": round(1000 * quantile(latencies, 0.99), 1) if latencies else None,
                "attack_requests": attack_total,
                "attack_rps": round(attack_total / (duration + 1.0), 1),
                "attack_statuses": {str(k): v for k, v in counts.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
