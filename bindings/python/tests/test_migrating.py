"""docs/migrating.md: every Python block is an excerpt of an example in
examples/python/migrating_*.py, and each example runs against the test
receiver with the wire result its mapping promises (auth header, the
PocketPing signature recomputed with hmac, the Notifizz token with hashlib)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import re
import subprocess
import sys

import outbox
import pytest
from conftest import REPO

DOC = REPO / "docs" / "migrating.md"
EXAMPLES = REPO / "examples" / "python"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.S | re.M)
# "before" blocks show the SDK being replaced; they are not run.
KNOWN_FENCES = {"python", "python before", "js", "js before"}


def doc_blocks() -> list[tuple[str, str]]:
    return [(info.strip(), body) for info, body in FENCE.findall(DOC.read_text())]


def examples() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(EXAMPLES.glob("migrating_*.py"))}


def is_excerpt(block: str, text: str) -> bool:
    """True when `block` is whole lines of `text`, as they are."""
    return "\n" + block in "\n" + text


def test_doc_blocks_are_python_js_or_before():
    unknown = {info for info, _ in doc_blocks()} - KNOWN_FENCES
    assert not unknown, f"docs/migrating.md: unexpected code fences {unknown} (allowed: {KNOWN_FENCES})"


def test_every_python_block_is_an_example_verbatim():
    files = examples()
    blocks = [body for info, body in doc_blocks() if info == "python"]
    assert blocks, "docs/migrating.md has no python blocks"
    for block in blocks:
        assert any(is_excerpt(block, text) for text in files.values()), (
            f"docs/migrating.md: this block is in no examples/python/migrating_*.py:\n{block}"
        )
    for name, text in files.items():
        assert any(is_excerpt(block, text) for block in blocks), f"docs/migrating.md shows nothing of {name}"


def run_example(name: str, receiver) -> subprocess.CompletedProcess:
    env = dict(os.environ, OUTBOX_ENDPOINT=receiver.url)
    return subprocess.run(
        [sys.executable, name], capture_output=True, text=True, timeout=60, cwd=EXAMPLES, env=env, check=False
    )


def raw_body(request: dict) -> bytes:
    return base64.b64decode(request["body_base64"])


def test_segment_example_sends_segment_basic_auth_and_every_call(receiver):
    proc = run_example("migrating_segment.py", receiver)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"FlushResult\(delivered=\d, failed=0, pending=0\)\n", proc.stdout), proc.stdout
    basic = "Basic " + base64.b64encode(b"my-write-key:").decode()
    assert {r["headers"]["authorization"] for r in receiver.requests()} == {basic}
    events = receiver.events()
    assert [e["type"] for e in events] == ["identify", "track", "group", "page", "alias"]
    track, page = events[1], events[3]
    assert track["context"]["ip"] == "203.0.113.7" and track["properties"] == {"total": 99.5}
    assert page["name"] == "Pricing" and page["properties"] == {"category": "Docs"} and "category" not in page


def test_posthog_example_sends_every_call_with_merged_super_properties(receiver):
    proc = run_example("migrating_posthog.py", receiver)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("pending=0)\n"), proc.stdout
    assert {r["headers"]["authorization"] for r in receiver.requests()} == {"Bearer my-project-api-key"}
    events = receiver.events()
    assert [(e["type"], e.get("event")) for e in events] == [
        ("track", "Order Completed"),
        ("identify", None),
        ("group", None),
        ("alias", None),
        ("track", "Plan Upgraded"),
    ]
    assert events[3]["previousId"] == "anon-7" and events[3]["userId"] == "user-42"
    assert events[4]["properties"] == {"app": "web", "plan": "pro"}


def test_pocketping_example_signs_the_exact_body_as_pocketping(receiver):
    proc = run_example("migrating_pocketping.py", receiver)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("FlushResult(delivered=1, failed=0, pending=0)\n"), proc.stdout
    (request,) = receiver.requests()
    body = raw_body(request)
    assert request["path"] == "/pocketping-events"
    expected = "sha256=" + hmac.new(b"your-hmac-secret", body, hashlib.sha256).hexdigest()
    assert request["headers"]["x-pocketping-signature"] == expected
    payload = json.loads(body)
    assert list(payload) == ["event", "session", "sentAt"]
    assert payload["event"] == {
        "name": "clicked_pricing",
        "data": {"plan": "pro"},
        "timestamp": "2026-01-21T00:00:00.000Z",
        "sessionId": "sess_abc123",
    }
    assert payload["session"]["visitorId"] == "visitor_xyz"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", payload["sentAt"])


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pocketping_example_verifies_on_the_receiving_side(receiver):
    example = load_example("migrating_pocketping.py")
    body = b'{"event":{"name":"clicked_pricing"}}'
    headers = {"X-PocketPing-Signature": "sha256=" + hmac.new(b"your-hmac-secret", body, hashlib.sha256).hexdigest()}
    example.verify(body, headers)
    with pytest.raises(outbox.WebhookVerificationError):
        example.verify(body.replace(b"pricing", b"billing"), headers)
    example.forwarder.shutdown(0)


def test_notifizz_example_token_and_track_request(receiver):
    proc = run_example("migrating_notifizz.py", receiver)
    assert proc.returncode == 0, proc.stderr
    token, result = proc.stdout.split(" ", 1)
    assert token == hashlib.sha256(b"user-42" + b"auth-secret").hexdigest()
    assert result == "FlushResult(delivered=1, failed=0, pending=0)\n"
    (request,) = receiver.requests()
    assert request["path"] == "/events/track"
    assert request["headers"]["authorization"] == "Bearer sdk-secret"
    assert json.loads(raw_body(request)) == {
        "eventName": "order_shipped",
        "sdkSecretKey": "sdk-secret",
        "properties": {"orderId": "ord_1"},
        "workflows": [],
    }
