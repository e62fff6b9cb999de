"""Bad input fails at the call site with a clear error, and nothing is queued."""

from __future__ import annotations

import datetime as dt

import outbox
import pytest


@pytest.fixture
def client():
    c = outbox.Client(test_mode=True)
    yield c
    c.shutdown(0)


@pytest.mark.parametrize(
    "call, exc, needle",
    [
        (lambda c: c.track("u", ""), outbox.InvalidEventError, "event name"),
        (lambda c: c.track(None, "e"), outbox.InvalidEventError, "user_id or an anonymous_id"),
        (lambda c: c.track("", "e"), outbox.InvalidEventError, "user_id or an anonymous_id"),
        (lambda c: c.track("u", "e", [1, 2]), outbox.InvalidEventError, "properties must be a JSON object"),
        (lambda c: c.track("u", "e", "text"), outbox.InvalidEventError, "properties must be a JSON object"),
        (lambda c: c.track("u", 5), TypeError, "event must be a str"),
        (lambda c: c.track(1.5, "e"), TypeError, "user_id must be a str"),
        (lambda c: c.track("u", "e", timestamp="yesterday"), outbox.InvalidEventError, "RFC 3339"),
        (lambda c: c.track("u", "e", timestamp=12345), TypeError, "timestamp must be a datetime"),
        (lambda c: c.track("u", "e", message_id=""), outbox.InvalidEventError, "message_id"),
        (lambda c: c.track("u", "e", context=[1]), outbox.InvalidEventError, "context must be a JSON object"),
        (lambda c: c.group("u", ""), outbox.InvalidEventError, "group_id"),
        (lambda c: c.alias("", "u"), outbox.InvalidEventError, "previous_id"),
        (lambda c: c.track("u", "e", {"v": [1, 2j]}), TypeError, 'properties["v"][1]'),
        (
            lambda c: c.track("u", "e", {"a": {"b": [0, float("inf")]}}),
            outbox.InvalidEventError,
            'properties["a"]["b"][1]: float Infinity',
        ),
        (lambda c: c.track("u", "e", {(1, 2): "tuple key"}), TypeError, "dict keys must be"),
        (lambda c: c.track("u", "e", unknown=1), TypeError, "unexpected keyword"),
        (lambda c: c.batch("not a list"), TypeError, "list of event dicts"),
        (lambda c: c.batch([{"userId": "u"}]), outbox.InvalidEventError, 'missing "type"'),
        (lambda c: c.batch([{"type": "bogus", "userId": "u"}]), outbox.InvalidEventError, "unknown event type"),
        (lambda c: c.batch([["track"]]), TypeError, "each event must be a dict"),
        (lambda c: c.deliver([]), outbox.InvalidEventError, "at least one event"),
    ],
)
def test_bad_input(client, call, exc, needle):
    with pytest.raises(exc) as info:
        call(client)
    assert needle in str(info.value)
    assert client.stats().enqueued == 0


def test_errors_are_outbox_errors_and_value_errors(client):
    with pytest.raises(outbox.OutboxError):
        client.track("u", "")
    with pytest.raises(ValueError):
        client.track("u", "")


def test_event_too_large_says_how_large():
    c = outbox.Client(test_mode=True, max_event_bytes=1000, max_batch_bytes=10_000)
    with pytest.raises(outbox.EventTooLargeError) as info:
        c.track("u", "e", {"blob": "x" * 2000})
    assert info.value.limit == 1000 and info.value.size > 2000
    assert "max_event_bytes" in str(info.value)
    assert isinstance(info.value, outbox.InvalidEventError)
    c.shutdown(0)


def test_closed_after_shutdown(client):
    client.shutdown()
    with pytest.raises(outbox.ClosedError, match="shut down"):
        client.track("u", "e")
    with pytest.raises(RuntimeError):
        client.identify("u")


@pytest.mark.parametrize(
    "options, exc, needle",
    [
        (dict(endpoint=None), outbox.InvalidOptionError, "endpoint is required"),
        (dict(endpoint="ftp://x"), outbox.InvalidOptionError, "http://"),
        (dict(flush_at=0), outbox.InvalidOptionError, "flush_at must be at least 1"),
        (dict(flush_at="100"), TypeError, "flush_at must be an int"),
        (dict(flush_at=True), TypeError, "flush_at must be an int"),
        (dict(flush_interval=-1), outbox.InvalidOptionError, "flush_interval must be 0 or more"),
        (dict(request_timeout=0), outbox.InvalidOptionError, "request_timeout must be greater than zero"),
        (dict(flush_interval=float("nan")), outbox.InvalidOptionError, "flush_interval"),
        (dict(flush_interval="1s"), TypeError, "number of seconds"),
        (dict(request_timeout=1e12), outbox.InvalidOptionError, "at most"),
        (
            dict(flush_interval=1e22),
            outbox.InvalidOptionError,
            "flush_interval must be at most one day (86400 s, 86400000 ms)",
        ),
        (dict(retry_max_backoff=86_401), outbox.InvalidOptionError, "retry_max_backoff must be at most one day"),
        (dict(shutdown_timeout=dt.timedelta(days=2)), outbox.InvalidOptionError, "shutdown_timeout must be at most"),
        (
            dict(on_full="block", block_timeout=1e8),
            outbox.InvalidOptionError,
            "block_timeout must be at most one day (86400 s, 86400000 ms), or no limit",
        ),
        (dict(headers={"X-Trace(id)": "1"}), outbox.InvalidOptionError, 'header name "X-Trace(id)"'),
        (dict(headers={"X-Color": "\x1b[31m"}), outbox.InvalidOptionError, 'header "X-Color"'),
        (dict(endpoint="https://collector:99999"), outbox.InvalidOptionError, "invalid port number"),
        (dict(proxy="socks5://proxy:1080"), outbox.InvalidOptionError, "proxy"),
        (dict(gzip="no"), TypeError, "gzip must be True or False"),
        (dict(on_full="explode"), outbox.InvalidOptionError, "on_full"),
        (dict(on_error="print"), TypeError, "on_error must be a callable"),
        (dict(max_retries=-1), outbox.InvalidOptionError, "max_retries"),
        (dict(headers={"Bad Name": "v"}), outbox.InvalidOptionError, "header name"),
        (dict(headers={"X": "a\r\nInjected: 1"}), outbox.InvalidOptionError, "line break"),
        (dict(headers=[1, 2]), TypeError, "headers must be"),
        (dict(api_key=""), outbox.InvalidOptionError, "api_key"),
        (dict(auth_scheme="digest"), outbox.InvalidOptionError, "auth_scheme"),
        (dict(signing_secrets="whsec_not base64!"), outbox.InvalidOptionError, "signing_secrets"),
        (dict(signature_scheme="sha1"), outbox.InvalidOptionError, "unknown signature scheme"),
        (dict(signature_header="X-Sig"), outbox.InvalidOptionError, "signature_header only applies"),
        (dict(path="v1/batch"), outbox.InvalidOptionError, "path must start with '/'"),
        (dict(max_event_bytes=600_000), outbox.InvalidOptionError, "max_batch_bytes"),
        (dict(flush_att=10), TypeError, 'did you mean "flush_at"'),
        (dict(signing_secret="x"), TypeError, 'did you mean "signing_secrets"'),
    ],
)
def test_bad_options(options, exc, needle):
    options.setdefault("endpoint", "http://127.0.0.1:9")
    endpoint = options.pop("endpoint")
    with pytest.raises(exc) as info:
        outbox.Client(endpoint, **options)
    assert needle in str(info.value), str(info.value)


def test_good_options_of_every_kind():
    seen = []
    c = outbox.Client(
        "http://127.0.0.1:9",
        api_key="k",
        path="/ingest",
        auth_scheme="bearer",
        signing_secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"],
        signature_scheme="hmac-sha256",
        signature_header="X-Signature",
        flush_at=50,
        flush_interval=dt.timedelta(milliseconds=250),
        max_batch_size=500,
        max_batch_bytes=400_000,
        max_event_bytes=16_000,
        max_queue_size=1000,
        max_queue_bytes=1 << 20,
        on_full="block",
        block_timeout=float("inf"),
        request_timeout=3,
        connect_timeout=1.5,
        max_retries=3,
        retry_initial_backoff=0.05,
        retry_max_backoff=2,
        max_concurrent_requests=2,
        gzip=False,
        headers=[("X-A", "1")],
        proxy=None,
        disabled=False,
        debug=False,
        on_error=seen.append,
        shutdown_timeout=0,
        test_mode=True,
    )
    c.track("u", "e")
    c.shutdown(0)


def _nested(levels):
    value = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def test_one_nesting_limit_for_every_language(client):
    """64 levels pass, 65 are refused at the call site, as in C and Node."""
    client.track("u", "e", _nested(64))
    for levels in (65, 66, 5000):
        with pytest.raises(outbox.InvalidEventError, match="nested more than 64 levels deep"):
            client.track("u", "e", _nested(levels))
    assert client.stats().enqueued == 1


def test_webhook_options_the_http_client_refuses_fail_at_creation():
    with pytest.raises(outbox.InvalidOptionError, match="connect_timeout must be at most one day"):
        outbox.WebhookSender("http://127.0.0.1:9/x", connect_timeout=1e9)
    with pytest.raises(outbox.InvalidOptionError, match=r'header name "X\(1\)"'):
        outbox.WebhookSender(outbox.Endpoint("http://127.0.0.1:9/x", headers={"X(1)": "v"}))
    with pytest.raises(outbox.InvalidOptionError, match="timeout must be at most one day"):
        outbox.WebhookSender(outbox.Endpoint("http://127.0.0.1:9/x", timeout=float("inf")))
    with pytest.raises(outbox.InvalidOptionError) as info:
        outbox.WebhookSender("http://user:pass@exa mple.com/?token=abc")
    assert "pass" not in str(info.value) and "abc" not in str(info.value), str(info.value)


def test_an_unlimited_block_timeout_still_works():
    c = outbox.Client(test_mode=True, on_full="block", block_timeout=float("inf"))
    c.track("u", "e")
    assert c.flush(5).delivered == 1
    c.shutdown(0)


def test_every_exception_carries_the_engines_stable_code():
    """The codes come from the engine (the same in C and Node) and each
    exception class's default is one of them."""
    assert "invalid_option" in outbox.ERROR_CODES and "event_too_large" in outbox.ERROR_CODES
    for cls in (outbox.InvalidEventError, outbox.EventTooLargeError, outbox.InvalidOptionError, outbox.ClosedError):
        assert cls.code in outbox.ERROR_CODES, cls
    with pytest.raises(outbox.InvalidOptionError) as info:
        outbox.Client(test_mode=True, flush_at=0)
    assert info.value.code == "invalid_option"
    c = outbox.Client(test_mode=True, max_event_bytes=400, max_batch_bytes=10_000)
    with pytest.raises(outbox.EventTooLargeError) as too_large:
        c.track("u", "e", {"big": "x" * 500})
    assert too_large.value.code == "event_too_large" and too_large.value.limit == 400
    with pytest.raises(outbox.InvalidEventError) as bad:
        c.track("", "e")
    assert bad.value.code == "invalid_event"
    c.shutdown(0)
    with pytest.raises(outbox.ClosedError) as closed:
        c.track("u", "e")
    assert closed.value.code == "closed"
    with pytest.raises(outbox.SigningError) as signing:
        outbox.sign(b"{}", "not base64!")
    assert signing.value.code == "invalid_secret" and signing.value.code in outbox.ERROR_CODES
