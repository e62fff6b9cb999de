"""outbox.integrations.flask in a real Flask app (test client), with events
checked at the test receiver."""

from __future__ import annotations

import json

import outbox
import pytest
from flask import Flask, g, request
from outbox.integrations.flask import Outbox, verify_webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

pytestmark = pytest.mark.usefixtures("no_default_client")


def make_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    Outbox(app, user_id=lambda: request.headers.get("X-Test-User"))

    @app.post("/checkout")
    def checkout():
        g.outbox.track("Order Completed", {"total": 99.5})
        return "", 204

    @app.post("/webhooks")
    @verify_webhook(SECRET)
    def webhooks():
        return {"type": json.loads(request.get_data())["type"]}

    @app.post("/webhooks-async")
    @verify_webhook(SECRET)
    async def webhooks_async():
        return {"ok": True}

    return app


@pytest.fixture
def app(receiver) -> Flask:
    return make_app(OUTBOX_ENDPOINT=receiver.url, OUTBOX_API_KEY="k", OUTBOX_FLUSH_INTERVAL=60)


def delivered(receiver):
    assert outbox.flush(10).complete
    return receiver.events()


def test_a_user_tracks_with_the_request_context(app, receiver):
    response = app.test_client().post(
        "/checkout?step=2",
        headers={"X-Test-User": "7", "User-Agent": "pytest-agent", "Referer": "http://localhost/cart"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 204
    assert "ajs_anonymous_id" not in response.headers.get("Set-Cookie", "")
    (event,) = delivered(receiver)
    assert event["userId"] == "7" and "anonymousId" not in event
    assert event["event"] == "Order Completed" and event["properties"] == {"total": 99.5}
    assert event["context"]["ip"] == "203.0.113.9"
    assert event["context"]["userAgent"] == "pytest-agent"
    assert event["context"]["page"] == {
        "url": "http://localhost/checkout?step=2",
        "path": "/checkout",
        "referrer": "http://localhost/cart",
    }
    assert receiver.requests()[0]["headers"]["authorization"] == "Bearer k"


def test_a_visitor_gets_an_anonymous_id_kept_in_a_cookie(app, receiver):
    browser = app.test_client()
    first = browser.post("/checkout")
    cookie = browser.get_cookie("ajs_anonymous_id")
    assert cookie is not None and "SameSite=Lax" in first.headers["Set-Cookie"]
    second = browser.post("/checkout")
    assert "Set-Cookie" not in second.headers
    header = app.test_client().post("/checkout", headers={"X-Anonymous-Id": "from-header"})
    assert "Set-Cookie" not in header.headers
    got = [e["anonymousId"] for e in delivered(receiver)]
    assert got == [cookie.value, cookie.value, "from-header"]


def test_the_config_keys_configure_one_default_client(receiver):
    first = make_app(OUTBOX_ENDPOINT=receiver.url, OUTBOX_FLUSH_INTERVAL=60)
    again = make_app(OUTBOX_ENDPOINT=receiver.url, OUTBOX_FLUSH_INTERVAL=60)  # an app factory, twice
    first.test_client().post("/checkout")
    client = outbox.default_client()
    again.test_client().post("/checkout")
    assert outbox.default_client() is client
    assert len(delivered(receiver)) == 2


def test_a_misspelt_config_key_fails_like_a_misspelt_argument(receiver):
    app = make_app(OUTBOX_ENDPOINT=receiver.url, OUTBOX_FLUSH_ATT=10)
    app.testing = True  # let the exception through
    with pytest.raises(TypeError, match='did you mean "flush_at"'):
        app.test_client().post("/checkout")


def test_verify_webhook_accepts_the_signed_raw_body_and_answers_401_otherwise(app):
    client = app.test_client()
    body = '{"type": "invoice.paid", "data": {"id": 1}}'
    headers = outbox.sign(body, SECRET)
    ok = client.post("/webhooks", data=body, headers=headers, content_type="application/json")
    assert ok.status_code == 200 and ok.json == {"type": "invoice.paid"}
    tampered = client.post("/webhooks", data=body.replace("1", "2"), headers=headers)
    assert tampered.status_code == 401
    assert tampered.json["code"] == "no_matching_signature" and tampered.json["error"] == "invalid webhook signature"
    assert client.post("/webhooks", data=body).json["code"] == "missing_header"
    assert client.post("/webhooks-async", data=body, headers=headers).json == {"ok": True}
    assert client.post("/webhooks-async", data=body).status_code == 401
