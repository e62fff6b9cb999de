"""asyncio never blocks while Outbox waits; many threads lose and duplicate nothing."""

from __future__ import annotations

import asyncio
import threading
import time

import outbox


def test_aflush_keeps_the_event_loop_responsive(receiver):
    receiver.faults({"kind": "delay", "ms": 2000})
    client = outbox.Client(receiver.url, flush_interval=0.01)

    async def main():
        client.track("u", "slow endpoint")
        worst = 0.0
        done = asyncio.Event()

        async def ticker():
            nonlocal worst
            while not done.is_set():
                before = time.monotonic()
                await asyncio.sleep(0.01)
                worst = max(worst, time.monotonic() - before - 0.01)

        tick = asyncio.create_task(ticker())
        started = time.monotonic()
        result = await client.aflush(10)
        waited = time.monotonic() - started
        done.set()
        await tick
        return result, waited, worst

    result, waited, worst = asyncio.run(main())
    assert result.delivered == 1 and result.pending == 0
    assert waited > 1.5  # it really waited for the slow endpoint
    assert worst < 0.5, f"event loop lag {worst:.3f}s while aflush waited"
    client.shutdown(0)


def test_ashutdown_and_async_with(receiver):
    receiver.faults({"kind": "delay", "ms": 300, "forever": True})

    async def main():
        async with outbox.Client(receiver.url, flush_interval=0.01) as c:
            c.track("u", "a")
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.01)

            t = asyncio.create_task(ticker())
            outcome = await c.adeliver({"type": "track", "userId": "u", "event": "now"})
            t.cancel()
        assert outcome.delivered
        assert ticks >= 5  # the loop ran while adeliver waited >= 300 ms
        with_async = outbox.Client(receiver.url)
        with_async.track("u", "b")
        return await with_async.ashutdown()

    result = asyncio.run(main())
    assert result.delivered == 1
    assert receiver.stats()["unique_events"] == 3


def test_16_threads_times_10000_calls(receiver):
    client = outbox.Client(receiver.url)
    n_threads, per_thread = 16, 10_000
    errors = []

    def work(t):
        try:
            for i in range(per_thread):
                client.track(f"user-{t}", "Threaded", {"i": i}, message_id=f"t{t}-{i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = client.flush(60)
    total = n_threads * per_thread
    assert result.pending == 0 and result.failed == 0
    stats = receiver.wait(total, timeout=30)["stats"]
    assert stats["unique_events"] == total
    assert stats["events"] == total and stats["duplicate_events"] == 0
    s = client.stats()
    assert s.enqueued == s.delivered == total and s.dropped == 0
    client.shutdown(0)
