"""Cost of track() from Python, and end-to-end events/s, against the test receiver.

    make python-wheel build-receiver
    python3 -m venv /tmp/bench && /tmp/bench/bin/pip install target/wheels/outbox-*.whl
    /tmp/bench/bin/python bindings/python/bench/track.py

Not a test: it asserts nothing. Figures go to docs/python.md.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
import timeit

import outbox

REPO = pathlib.Path(__file__).resolve().parents[3]
RECEIVER = os.environ.get(
    "OUTBOX_RECEIVER_BIN", str(REPO / "target" / "x86_64-unknown-linux-gnu" / "debug" / "outbox-test-receiver")
)
N = int(os.environ.get("N", "200000"))
PROPS = {"plan": "pro", "total": 99.5, "items": 3, "currency": "EUR", "coupon": None}


def main() -> None:
    receiver = subprocess.Popen(
        [RECEIVER, "--exit-on-stdin-eof", "--no-record"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert receiver.stdout is not None
    url = receiver.stdout.readline().split()[1]
    client = outbox.Client(url, gzip=False)
    for _ in range(1000):  # warm up: connections, allocator, caches
        client.track("user-42", "Order Completed", PROPS)
    client.flush(30)

    t = timeit.timeit(lambda: client.track("user-42", "Order Completed", PROPS), number=N)
    print(f"track() with 5 properties (timeit): {t / N * 1e6:.2f} us/call")
    client.flush(60)

    t = timeit.timeit(lambda: client.track("user-42", "Clicked"), number=N)
    print(f"track() without properties (timeit): {t / N * 1e6:.2f} us/call")
    client.flush(60)

    t = timeit.timeit(lambda: outbox._outbox._to_json(PROPS), number=N)
    d = timeit.timeit(lambda: json.dumps(PROPS), number=N)
    print(f"properties conversion alone: {t / N * 1e6:.2f} us (json.dumps: {d / N * 1e6:.2f} us)")

    cpu0, wall0 = time.thread_time(), time.perf_counter()
    for _ in range(N):
        client.track("user-42", "Order Completed", PROPS)
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    result = client.flush(120)
    total = time.perf_counter() - wall0
    print(
        f"loop of {N}: {wall / N * 1e6:.2f} us/call wall, {cpu / N * 1e6:.2f} us/call caller CPU; "
        f"{N / total:,.0f} events/s to delivered ({result})"
    )
    print(client.stats())
    client.shutdown()
    assert receiver.stdin is not None
    receiver.stdin.close()
    receiver.wait()


if __name__ == "__main__":
    sys.exit(main())
