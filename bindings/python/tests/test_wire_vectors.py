"""tests/vectors/events.json through the Python API: the wire format.

Each vector's call is made with Python's keywords, flushed to the real
receiver, and the event it received must be the vector's `expected`, byte
for byte (the Rust, C and Node suites run the same file). Then the same
calls in test mode, where captured() must hold the same events as values:
it re-encodes events, so it cannot show bytes.
"""

from __future__ import annotations

import base64
import json
import re

import outbox
import pytest
from conftest import load_vectors

FACE = "python"
VECTORS = load_vectors("events.json")["vectors"]
LIBRARY = json.dumps({"name": "outbox-python", "version": outbox.__version__}, separators=(",", ":"))
LIBRARY_MASK = '"@library@"'
GENERATED_ID = "@generated-message-id@"
GENERATED_TIMESTAMP = "@generated-timestamp@"
UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
ENGINE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\Z")

# The neutral call's arguments in each method's positional order; `options`
# are keyword arguments with the same names.
POSITIONAL = {
    "track": ("user_id", "event", "properties"),
    "identify": ("user_id", "traits"),
    "group": ("user_id", "group_id", "traits"),
    "alias": ("previous_id", "user_id"),
    "page": ("user_id", "name", "properties"),
    "screen": ("user_id", "name", "properties"),
}


def send(client: outbox.Client, call: dict) -> str:
    method = call["call"]
    args = [call.get(name) for name in POSITIONAL[method]]
    return getattr(client, method)(*args, **call.get("options", {}))


def skip_if_listed(vector: dict, *keys: str) -> None:
    for key in keys:
        reason = vector.get("skip", {}).get(key)
        if reason:
            pytest.skip(f"{key}: {reason}")


def bytes_for(vector: dict) -> str:
    """What this face must send: `expected`, or a known difference's bytes."""
    known = vector.get("differs", {}).get(FACE)
    return known["sent"] if known else vector["expected"]


def event_of_body(body: bytes) -> str:
    """The event of a one-event body {"batch":[EVENT],"sentAt":"..."}."""
    match = re.fullmatch(rb'\{"batch":\[(.*)\],"sentAt":"([^"]*)"\}', body, re.S)
    assert match, body
    assert ENGINE_TIME.match(match.group(2).decode()), match.group(2)
    return match.group(1).decode("utf-8")


def mask(sent: str, key: str, shape: re.Pattern, placeholder: str) -> str:
    """The first `"key":"VALUE"` (the top-level one: it precedes any caller
    text) with VALUE checked against `shape`, then replaced."""
    prefix = f'"{key}":"'
    start = sent.index(prefix) + len(prefix)
    end = sent.index('"', start)
    assert shape.match(sent[start:end]), f"generated {key} {sent[start:end]!r}"
    return sent[:start] + placeholder + sent[end:]


def check_bytes(sent: str, template: str, returned_id: str) -> None:
    expected = template.replace(LIBRARY_MASK, LIBRARY)
    assert json.loads(sent)["messageId"] == returned_id
    if GENERATED_ID in expected:
        sent = mask(sent, "messageId", UUID_V4, GENERATED_ID)
    if GENERATED_TIMESTAMP in expected:
        sent = mask(sent, "timestamp", ENGINE_TIME, GENERATED_TIMESTAMP)
    assert sent.encode("utf-8") == expected.encode("utf-8")


@pytest.fixture(scope="module")
def wire(_receiver_process):
    client = outbox.Client(_receiver_process.url)
    yield client, _receiver_process
    client.shutdown(0)


@pytest.fixture(scope="module")
def test_mode_client():
    client = outbox.Client(test_mode=True)
    yield client
    client.shutdown(0)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_wire_bytes(vector, wire):
    skip_if_listed(vector, FACE)
    client, receiver = wire
    receiver.reset()
    message_id = send(client, vector["call"])
    assert client.flush(10).delivered == 1
    (request,) = receiver.requests()
    check_bytes(event_of_body(base64.b64decode(request["body_base64"])), bytes_for(vector), message_id)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_captured_in_test_mode(vector, test_mode_client):
    skip_if_listed(vector, FACE, "test_mode")
    client = test_mode_client
    client.clear_captured()
    message_id = send(client, vector["call"])
    client.flush(10)
    (event,) = client.captured()
    expected = json.loads(vector["expected"].replace(LIBRARY_MASK, LIBRARY))
    assert event["messageId"] == message_id
    for key, generated, shape in (
        ("messageId", GENERATED_ID, UUID_V4),
        ("timestamp", GENERATED_TIMESTAMP, ENGINE_TIME),
    ):
        if expected[key] == generated:
            assert shape.match(event[key]), event[key]
            event[key] = generated
    assert event == expected
