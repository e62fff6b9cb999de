"""One run of the cross-language workload from Python (started by bench/compare.py).

    workload.py --lib outbox|segment|posthog --url URL --n N --mode loop|outage|exit --queue default|raised

Creates the library's client pointed at the receiver (its defaults otherwise;
`--queue raised` lifts its queue bound above N), prints READY, makes N
`track` calls of the same event in a tight loop, then:

- loop, outage: the library's own flush, then waits (at most 2 s more) for
  the receiver to count N events, and prints one JSON line;
- exit: prints the JSON line at once and returns without flushing, leaving
  the rest to the library's exit behaviour.

The driver adds what the process cannot see itself (CPU, peak RSS, what the
receiver counted).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request

USER_ID = "user-1234567"
EVENT = "Order Completed"
# The same properties in every language (bench/c/workload.c, bench/node/workload.mjs,
# bench/src/bin/workload.rs): 128 bytes of JSON; with the envelope fields
# (type, ids, timestamp, context) an event is 330-420 bytes depending on the library.
PROPS = {
    "order_id": "ord-7f3a",
    "plan": "pro",
    "seats": 12,
    "amount": 129.99,
    "currency": "EUR",
    "coupon": None,
    "items": [{"sku": "sku-1", "qty": 2}],
}


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def make_outbox(url: str, n: int, raised: bool):
    import outbox

    # Defaults absorb a burst of 100,000 events (max_queue_size 200,000); nothing to raise.
    client = outbox.Client(url, api_key="bench-key")
    track = client.track

    def loop() -> None:
        for _ in range(n):
            track(USER_ID, EVENT, PROPS)

    def flush() -> None:
        client.flush(timeout=300)

    return loop, flush, outbox.__version__


def make_segment(url: str, n: int, raised: bool):
    from segment.analytics import Client
    from segment.analytics.version import VERSION

    # Defaults: max_queue_size 10,000 (new events are dropped when full),
    # one upload thread, batches of 100, gzip off.
    kwargs = {"max_queue_size": 2 * n} if raised else {}
    client = Client("bench-key", host=url, **kwargs)
    track = client.track

    def loop() -> None:
        for _ in range(n):
            track(USER_ID, EVENT, PROPS)

    def flush() -> None:
        client.flush()

    return loop, flush, VERSION


def make_posthog(url: str, n: int, raised: bool):
    from posthog import Posthog
    from posthog.version import VERSION

    # Defaults: max_queue_size 10,000, batches of 100 every 5 s at most, 3
    # retries, gzip off. No personal API key: no feature-flag polling;
    # geoip is off by default.
    kwargs = {"max_queue_size": 2 * n} if raised else {}
    client = Posthog("bench-key", host=url, **kwargs)
    capture = client.capture

    def loop() -> None:
        for _ in range(n):
            capture(EVENT, distinct_id=USER_ID, properties=PROPS)

    def flush() -> None:
        client.flush(timeout_seconds=None)

    return loop, flush, VERSION


LIBS = {"outbox": make_outbox, "segment": make_segment, "posthog": make_posthog}


def wait_for(url: str, n: int, timeout_ms: int) -> dict:
    with urllib.request.urlopen(f"{url}/_control/wait?unique={n}&timeout_ms={timeout_ms}", timeout=60) as r:
        return json.load(r)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True, choices=LIBS)
    p.add_argument("--url", required=True)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--mode", default="loop", choices=["loop", "outage", "exit"])
    p.add_argument("--queue", default="default", choices=["default", "raised"])
    a = p.parse_args()

    loop, flush, version = LIBS[a.lib](a.url, a.n, a.queue == "raised")
    rss_before = rss_kb()
    print("READY", flush=True)

    cpu0 = time.thread_time_ns()
    t0 = time.perf_counter_ns()
    loop()
    t1 = time.perf_counter_ns()
    cpu1 = time.thread_time_ns()
    out = {
        "version": version,
        "enqueue_wall_ns": (t1 - t0) / a.n,
        "enqueue_cpu_ns": (cpu1 - cpu0) / a.n,
        "rss_before_kb": rss_before,
        "rss_after_loop_kb": rss_kb(),
    }
    if a.mode != "exit":
        flush()
        t2 = time.perf_counter_ns()
        reached = wait_for(a.url, a.n, 2000)["ok"]
        t3 = time.perf_counter_ns()
        out["flush_s"] = (t2 - t0) / 1e9
        out["total_s"] = (t3 - t0) / 1e9 if reached else None
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
