"""on_error receives a structured report for every group of lost events."""

from __future__ import annotations

import logging
import threading

import outbox
from conftest import wait_until


class Reports:
    def __init__(self):
        self.items = []
        self.threads = set()
        self.lock = threading.Lock()

    def __call__(self, report):
        with self.lock:
            self.items.append(report)
            self.threads.add(threading.current_thread().name)

    def total(self, reason=None):
        return sum(r.count for r in self.items if reason is None or r.reason == reason)


def test_rejected_with_status_and_ids(receiver):
    # 403 is about the whole client, so the batch is refused whole (a 400
    # would split it to find the event at fault: test_split_isolates_the_bad_event).
    reports = Reports()
    receiver.faults({"kind": "status", "status": 403, "body": "bad"})
    c = outbox.Client(receiver.url, on_error=reports, flush_interval=0.05)
    ids = [c.track("u", "e", {"i": i}) for i in range(3)]
    result = c.flush(10)
    assert result.failed == 3 and result.delivered == 0
    assert wait_until(lambda: reports.total() == 3)
    (r,) = reports.items
    assert r.reason == "rejected" and r.status == 403 and r.count == 3
    assert sorted(r.message_ids) == sorted(ids)
    assert r.endpoint is None
    assert "403" in str(r) and "rejected" in repr(r)
    s = c.stats()
    assert s.dropped_by_reason["rejected"] == 3 and s.enqueued == s.delivered + s.dropped + s.pending
    c.shutdown(0)


def test_split_isolates_the_bad_event(receiver):
    # A 400 on a batch of several events may be one event's fault: the batch
    # is split until the refused event is alone, and the others arrive.
    reports = Reports()
    receiver.faults({"kind": "status", "status": 400})
    c = outbox.Client(receiver.url, on_error=reports, flush_interval=0.05)
    ids = [c.track("u", "e", {"i": i}) for i in range(4)]
    result = c.flush(10)
    assert (result.delivered, result.failed) == (4, 0)
    assert sorted(receiver.ids()) == sorted(ids)
    stats = c.stats()
    assert stats.split_requests == 2 and stats.as_dict()["split_requests"] == 2
    c.shutdown(0)


def test_retries_exhausted_with_status(receiver):
    reports = Reports()
    receiver.faults({"kind": "status", "status": 503, "forever": True})
    c = outbox.Client(receiver.url, on_error=reports, max_retries=2, retry_initial_backoff=0.01, flush_interval=0.05)
    c.track("u", "e")
    assert c.flush(10).failed == 1
    assert wait_until(lambda: reports.items)
    (r,) = reports.items
    assert r.reason == "retries_exhausted" and r.status == 503 and r.count == 1
    assert c.stats().requests == 3
    c.shutdown(0)


def test_single_event_too_large_for_the_receiver(receiver):
    reports = Reports()
    receiver.faults({"kind": "status", "status": 413, "forever": True})
    c = outbox.Client(receiver.url, on_error=reports, flush_interval=0.05)
    c.track("u", "big")
    c.flush(10)
    assert wait_until(lambda: reports.items)
    assert reports.items[0].reason == "too_large" and reports.items[0].status == 413
    c.shutdown(0)


def test_queue_full_drops_are_reported(receiver):
    reports = Reports()
    receiver.faults({"kind": "hang", "forever": True})
    c = outbox.Client(receiver.url, on_error=reports, max_queue_size=10, flush_at=1000, flush_interval=60)
    for i in range(25):
        c.track("u", "e", {"i": i})
    assert wait_until(lambda: reports.total("queue_full") == 15)
    assert reports.items[0].status is None
    assert c.stats().dropped_by_reason["queue_full"] == 15
    c.shutdown(0)


def test_shutdown_gives_up_on_the_calling_thread(receiver):
    reports = Reports()
    receiver.faults({"kind": "hang", "forever": True})
    c = outbox.Client(receiver.url, on_error=reports, flush_interval=0.05)
    c.track("u", "e1")
    c.track("u", "e2")
    result = c.shutdown(0.3)
    assert result.pending == 2
    # Reported synchronously, before shutdown returns, on this very thread.
    assert reports.total("shutdown") == 2


def test_on_full_block_waits_for_room_without_holding_the_gil(receiver):
    receiver.faults({"kind": "delay", "ms": 300})
    c = outbox.Client(receiver.url, max_queue_size=5, flush_at=5, on_full="block", block_timeout=10)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    for i in range(12):
        c.track("u", "e", {"i": i})
    stop.set()
    t.join()
    assert c.flush(10).pending == 0
    assert c.stats().dropped == 0 and c.stats().delivered == 12
    assert len(ticks) > 10  # another Python thread ran while track() waited
    c.shutdown(0)


def test_flush_shutdown_and_deliver_inside_on_error_complete(receiver):
    # on_error runs on an Outbox thread set aside for callbacks; calling back
    # into the client from there completes instead of waiting for itself.
    import time

    receiver.faults({"kind": "status", "status": 403})
    seen = {}

    def on_error(report):
        started = time.monotonic()
        seen["flush"] = c.flush(8)
        seen["deliver"] = c.deliver([{"type": "track", "userId": "u", "event": "from the callback"}], timeout=5)
        seen["shutdown"] = c.shutdown(5)
        seen["took"] = time.monotonic() - started

    c = outbox.Client(receiver.url, on_error=on_error, flush_interval=0.05)
    c.track("u", "refused")
    c.flush(20)
    assert wait_until(lambda: "took" in seen)
    assert seen["took"] < 8, seen
    assert seen["flush"].pending == 0
    assert seen["deliver"].delivered


def test_a_raising_callback_is_logged_and_delivery_goes_on(receiver, caplog):
    def bad(report):
        raise RuntimeError("callback bug")

    receiver.faults({"kind": "status", "status": 400})
    c = outbox.Client(receiver.url, on_error=bad, flush_interval=0.05)
    with caplog.at_level(logging.ERROR, logger="outbox"):
        c.track("u", "rejected")
        c.flush(10)
        assert wait_until(lambda: any("on_error callback raised" in r.message for r in caplog.records))
    record = next(r for r in caplog.records if "on_error callback raised" in r.message)
    assert record.exc_info and "callback bug" in str(record.exc_info[1])
    c.track("u", "fine")
    assert c.flush(10).delivered == 1
    c.shutdown(0)


def test_webhook_sender_reports_the_endpoint(receiver):
    reports = Reports()
    receiver.faults({"kind": "status", "status": 410, "path": "/gone"})
    s = outbox.WebhookSender([receiver.url + "/gone", receiver.url + "/ok"], on_error=reports)
    s.send("ping", {})
    s.flush(10)
    assert wait_until(lambda: reports.items)
    (r,) = reports.items
    assert r.reason == "endpoint_gone" and r.status == 410 and r.endpoint == receiver.url + "/gone"
    assert receiver.stats()["unique_events"] == 1
    s.shutdown(0)


def test_drop_warnings_reach_python_logging(receiver, caplog):
    receiver.faults({"kind": "status", "status": 400})
    with caplog.at_level(logging.WARNING, logger="outbox"):
        c = outbox.Client(receiver.url, flush_interval=0.05)
        c.track("u", "e")
        c.flush(10)
        assert wait_until(lambda: any(r.name == "outbox" and "dropped" in r.message for r in caplog.records))
    c.shutdown(0)


def test_stats_show_the_last_error_and_the_last_success(receiver):
    import datetime

    client = outbox.Client(receiver.url, flush_interval=0.01, retry_initial_backoff=0.01, retry_max_backoff=0.05)
    assert client.stats().last_error is None and client.stats().last_success is None
    receiver.faults({"kind": "status", "status": 503, "times": 2})
    client.track("u", "e")
    assert client.flush(10).complete
    stats = client.stats()
    assert stats.last_error == "HTTP 503"
    assert stats.consecutive_failures == 0
    assert isinstance(stats.last_success, datetime.datetime) and stats.last_success.tzinfo is not None
    assert abs((datetime.datetime.now(datetime.timezone.utc) - stats.last_success).total_seconds()) < 60
    assert stats.as_dict()["last_error"] == "HTTP 503"
    client.shutdown()
