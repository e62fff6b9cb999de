"""Events reach the real receiver, in Segment's shape; stats and flush results add up."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import outbox
import pytest


@pytest.fixture
def make_client(receiver):
    made = []

    def make(**options):
        options.setdefault("flush_interval", 0.05)
        c = outbox.Client(receiver.url, **options)
        made.append(c)
        return c

    yield make
    for c in made:
        c.shutdown(0)


def test_every_call_arrives_in_segment_shape(receiver, make_client):
    c = make_client(api_key="key-1")
    ids = [
        c.track("u1", "Order Completed", {"total": 99.5, "items": [1, 2]}),
        c.identify("u1", {"plan": "pro"}),
        c.group("u1", "g1", {"name": "Acme"}),
        c.alias("anon-7", "u1"),
        c.page("u1", "Home", {"path": "/"}),
        c.screen("u1", "Settings", {"tab": "privacy"}),
    ]
    result = c.flush(10)
    assert result == outbox.FlushResult(delivered=6, failed=0, pending=0)
    assert result.complete and bool(result)
    events = {e["messageId"]: e for e in receiver.events()}
    assert list(events) == ids
    track, identify, group, alias, page, screen = events.values()
    assert track["type"] == "track" and track["event"] == "Order Completed"
    assert track["properties"] == {"total": 99.5, "items": [1, 2]}
    assert track["userId"] == "u1"
    assert track["context"]["library"] == {"name": "outbox-python", "version": outbox.__version__}
    assert identify["traits"] == {"plan": "pro"}
    assert group["groupId"] == "g1" and group["traits"] == {"name": "Acme"}
    assert alias["previousId"] == "anon-7" and alias["userId"] == "u1"
    assert page["name"] == "Home" and page["properties"] == {"path": "/"}
    assert screen["type"] == "screen" and screen["name"] == "Settings"
    headers = receiver.requests()[0]["headers"]
    assert headers["authorization"] == "Bearer key-1"
    assert headers["idempotency-key"]


def test_optional_fields(receiver, make_client):
    c = make_client()
    when = dt.datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=dt.timezone.utc)
    mid = c.track(
        None,
        "Viewed",
        anonymous_id="anon-1",
        timestamp=when,
        context={"ip": "1.2.3.4"},
        message_id="my-id-1",
        integrations={"All": False},
    )
    assert mid == "my-id-1"
    c.identify(42, {"n": 1}, timestamp="2024-05-01T12:00:00+02:00")
    c.flush(10)
    first, second = receiver.events()
    assert "userId" not in first and first["anonymousId"] == "anon-1"
    assert first["timestamp"] == "2024-05-01T12:00:00.250Z"
    assert first["context"]["ip"] == "1.2.3.4" and first["context"]["library"]["name"] == "outbox-python"
    assert first["integrations"] == {"All": False}
    assert second["userId"] == "42"
    assert second["timestamp"] == "2024-05-01T12:00:00+02:00"


def test_stats_balance_and_count_requests(receiver, make_client):
    c = make_client(max_batch_size=10)
    for i in range(25):
        c.track("u", "e", {"i": i})
    c.flush(10)
    s = c.stats()
    assert (s.enqueued, s.delivered, s.dropped, s.pending) == (25, 25, 0, 0)
    assert s.enqueued == s.delivered + s.dropped + s.pending
    assert s.requests == receiver.stats()["requests"] >= 3
    assert s.dropped_by_reason == {
        "queue_full": 0,
        "rejected": 0,
        "too_large": 0,
        "retries_exhausted": 0,
        "shutdown": 0,
        "endpoint_gone": 0,
    }
    assert s.as_dict()["delivered"] == 25
    assert "delivered=25" in repr(s)


def test_flush_result_reports_pending_when_the_deadline_passes(receiver, make_client):
    receiver.faults({"kind": "delay", "ms": 1500})
    c = make_client()
    c.track("u", "slow")
    result = c.flush(0.2)
    assert result.pending == 1 and not result.complete
    result = c.flush(10)
    assert result.delivered == 1 and result.pending == 0


def test_retries_transient_failures_until_delivered(receiver, make_client):
    receiver.faults({"kind": "status", "status": 503, "times": 2})
    c = make_client(retry_initial_backoff=0.01)
    c.track("u", "e")
    assert c.flush(10).delivered == 1
    s = c.stats()
    assert s.retries == 2 and s.requests == 3
    assert receiver.stats()["unique_events"] == 1


def test_batch_of_dicts(receiver, make_client):
    c = make_client()
    ids = c.batch(
        [
            {"type": "track", "userId": "u1", "event": "A", "properties": {"x": 1}},
            {"type": "identify", "user_id": "u2", "traits": {"plan": "free"}, "message_id": "m-2"},
            {"type": "page", "anonymousId": "a3", "name": "Home"},
        ]
    )
    assert len(ids) == 3 and ids[1] == "m-2"
    c.flush(10)
    events = receiver.events()
    assert [e["type"] for e in events] == ["track", "identify", "page"]
    assert events[1]["userId"] == "u2"


def test_batch_is_all_or_nothing(receiver, make_client):
    c = make_client()
    with pytest.raises(outbox.InvalidEventError, match="event 1"):
        c.batch([{"type": "track", "userId": "u", "event": "ok"}, {"type": "track", "userId": "u"}])
    with pytest.raises(outbox.InvalidEventError, match="propertis"):
        c.batch([{"type": "track", "userId": "u", "event": "e", "propertis": {}}])
    with pytest.raises(outbox.InvalidEventError, match=r"event 0: properties\[\"v\"\]"):
        c.batch([{"type": "track", "userId": "u", "event": "e", "properties": {"v": float("nan")}}])
    assert c.stats().enqueued == 0


def test_deliver_sends_now_and_reports_the_outcome(receiver, make_client):
    c = make_client()
    outcome = c.deliver({"type": "track", "userId": "u", "event": "Paid"})
    assert outcome.delivered and outcome.status == 200 and outcome.attempts == 1 and outcome.error is None
    assert receiver.stats()["unique_events"] == 1
    receiver.faults({"kind": "status", "status": 400})
    outcome = c.deliver([{"type": "track", "userId": "u", "event": "Bad"}], timeout=5)
    assert not outcome.delivered and outcome.status == 400 and "400" in outcome.error
    assert c.stats().enqueued == 0  # deliver bypasses the queue


def test_context_manager_shuts_down(receiver):
    with outbox.Client(receiver.url) as c:
        c.track("u", "inside")
    assert receiver.stats()["unique_events"] == 1
    with pytest.raises(outbox.ClosedError):
        c.track("u", "after")
    assert c.shutdown() == outbox.FlushResult(delivered=1, failed=0, pending=0)  # idempotent


def test_signed_ingest_with_basic_auth_and_headers(receiver, make_client):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    c = make_client(api_key="wk", auth_scheme="basic", signing_secrets=secret, headers={"X-Team": "growth"}, gzip=False)
    c.track("u", "e")
    c.flush(10)
    req = receiver.requests()[0]
    assert req["headers"]["authorization"] == "Basic d2s6"
    assert req["headers"]["x-team"] == "growth"
    outbox.verify(req["body"], req["headers"], secret)


def test_test_mode_captures_without_network():
    c = outbox.Client(test_mode=True)
    c.track("u", "e", {"a": 1})
    c.flush(5)
    (event,) = c.captured()
    assert event["event"] == "e" and event["properties"] == {"a": 1}
    c.clear_captured()
    assert c.captured() == []
    c.shutdown()


def test_disabled_validates_but_sends_nothing():
    c = outbox.Client(disabled=True)
    assert uuid.UUID(c.track("u", "e"))
    with pytest.raises(outbox.InvalidEventError):
        c.track("u", "")
    assert c.flush(1) == outbox.FlushResult()
    assert c.stats().enqueued == 0


def test_message_ids_are_uuids_and_unique(make_client):
    c = make_client()
    ids = {c.track("u", "e") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_repr_and_docstrings():
    c = outbox.Client(test_mode=True)
    assert repr(c).startswith("<outbox.Client")
    public = [n for n in outbox.__all__ if not n.startswith("__") and n != "CORE_VERSION"]
    for name in public:
        assert getattr(outbox, name).__doc__, name
        obj = getattr(outbox, name)
        if isinstance(obj, type):
            for attr, member in vars(obj).items():
                if not attr.startswith("_"):
                    assert getattr(member, "__doc__", None), f"{name}.{attr}"
    assert json.loads(outbox._outbox._to_json({"a": (1, 2)})) == {"a": [1, 2]}
    c.shutdown()
