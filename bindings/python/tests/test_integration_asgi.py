"""outbox.integrations.asgi in real Starlette and FastAPI apps (TestClient),
with events checked at the test receiver."""

from __future__ import annotations

from typing import Annotated

import outbox
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from outbox.integrations import RequestOutbox
from outbox.integrations.asgi import OutboxMiddleware, lifespan, request_outbox, verify_webhook
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import Response
from starlette.routing import Route

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

pytestmark = pytest.mark.usefixtures("no_default_client")


def current_user(request: Request) -> str | None:
    """An authentication dependency, as FastAPI apps have."""
    user = request.headers.get("X-Test-User")
    if user is not None:
        request.state.outbox.user_id = user
    return user


def fastapi_app() -> FastAPI:
    app = FastAPI(lifespan=lifespan)
    app.add_middleware(OutboxMiddleware)

    @app.post("/checkout", status_code=204)
    async def checkout(
        user: Annotated[str | None, Depends(current_user)], events: Annotated[RequestOutbox, Depends(request_outbox)]
    ):
        events.track("Order Completed", {"total": 99.5})

    @app.post("/webhooks")
    async def webhooks(body: Annotated[bytes, Depends(verify_webhook(SECRET))]):
        return {"length": len(body)}

    return app


class HeaderAuth(AuthenticationBackend):
    async def authenticate(self, conn):
        name = conn.headers.get("X-Test-User")
        return (AuthCredentials(["authenticated"]), SimpleUser(name)) if name else None


async def starlette_checkout(request):
    request.state.outbox.track("Order Completed", {"total": 1})
    return Response(status_code=204)


def starlette_app() -> Starlette:
    return Starlette(
        routes=[Route("/checkout", starlette_checkout, methods=["POST"])],
        middleware=[Middleware(OutboxMiddleware), Middleware(AuthenticationMiddleware, backend=HeaderAuth())],
    )


@pytest.fixture
def configured(receiver):
    # A long interval: only an explicit flush (or the lifespan's) delivers.
    return outbox.configure(receiver.url, api_key="k", flush_interval=60)


def test_a_fastapi_user_tracks_with_the_request_context(configured, receiver):
    client = TestClient(fastapi_app(), client=("203.0.113.9", 5000))
    response = client.post(
        "/checkout?step=2", headers={"X-Test-User": "7", "User-Agent": "pytest-agent", "Referer": "http://x/cart"}
    )
    assert response.status_code == 204 and "set-cookie" not in response.headers
    assert outbox.flush(10).complete
    (event,) = receiver.events()
    assert event["userId"] == "7" and "anonymousId" not in event
    assert event["properties"] == {"total": 99.5}
    assert event["context"]["ip"] == "203.0.113.9"
    assert event["context"]["userAgent"] == "pytest-agent"
    assert event["context"]["page"] == {
        "url": "http://testserver/checkout?step=2",
        "path": "/checkout",
        "referrer": "http://x/cart",
    }


def test_a_visitor_gets_an_anonymous_id_kept_in_a_cookie(configured, receiver):
    browser = TestClient(fastapi_app())
    first = browser.post("/checkout")
    assert "SameSite=Lax" in first.headers["set-cookie"] and "Max-Age=31536000" in first.headers["set-cookie"]
    kept = browser.cookies["ajs_anonymous_id"]
    assert "set-cookie" not in browser.post("/checkout").headers
    TestClient(fastapi_app()).post("/checkout", headers={"X-Anonymous-Id": "from-header"})
    assert outbox.flush(10).complete
    assert [e["anonymousId"] for e in receiver.events()] == [kept, kept, "from-header"]


def test_the_lifespan_delivers_what_is_queued_at_shutdown(configured, receiver):
    with TestClient(fastapi_app()) as client:
        client.post("/checkout", headers={"X-Test-User": "7"})
        assert receiver.events() == []  # still queued: flush_interval is 60 s
    assert [e["userId"] for e in receiver.events()] == ["7"]  # no flush() was called
    with TestClient(fastapi_app()) as client:  # the app starts again with the same client
        client.post("/checkout", headers={"X-Test-User": "8"})
    assert [e["userId"] for e in receiver.events()] == ["7", "8"]


def test_a_starlette_user_comes_from_authentication_middleware(configured, receiver):
    client = TestClient(starlette_app())
    assert client.post("/checkout", headers={"X-Test-User": "ada"}).status_code == 204
    assert client.post("/checkout", headers={"X-Anonymous-Id": "visitor"}).status_code == 204
    assert outbox.flush(10).complete
    assert [(e.get("userId"), e.get("anonymousId")) for e in receiver.events()] == [("ada", None), (None, "visitor")]


def test_verify_webhook_returns_the_raw_body_and_answers_401_otherwise():
    client = TestClient(fastapi_app())
    body = '{"type": "invoice.paid", "data": {"id": 1}}'
    headers = outbox.sign(body, SECRET)
    ok = client.post("/webhooks", content=body, headers=headers)
    assert ok.status_code == 200 and ok.json() == {"length": len(body)}
    tampered = client.post("/webhooks", content=body + " ", headers=headers)
    assert tampered.status_code == 401
    assert tampered.json() == {"detail": "invalid webhook signature: no_matching_signature"}
    assert client.post("/webhooks", content=body).json() == {"detail": "invalid webhook signature: missing_header"}
