"""outbox.integrations.django in a real Django (test client), with events
checked at the test receiver."""

from __future__ import annotations

import asyncio
import json

import django
import outbox
import pytest
from django.conf import settings
from django.test import AsyncClient, Client, override_settings

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

if not settings.configured:
    settings.configure(
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        SECRET_KEY="not-secret",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "outbox.integrations.django.OutboxConfig",
        ],
        MIDDLEWARE=[
            f"{__name__}.FakeLogin",
            "django.middleware.csrf.CsrfViewMiddleware",
            "outbox.integrations.django.OutboxMiddleware",
        ],
    )
    django.setup()

from django.contrib.auth.models import AnonymousUser, User  # noqa: E402  (needs the settings)
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from outbox.integrations.django import verify_webhook  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_default_client")


class FakeLogin:
    """AuthenticationMiddleware without a database: X-Test-User logs a user in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pk = request.headers.get("X-Test-User")
        request.user = User(pk=int(pk), username="ada") if pk else AnonymousUser()
        return self.get_response(request)


def checkout(request):
    request.outbox.track("Order Completed", {"total": 99.5})
    return HttpResponse("ok")


async def checkout_async(request):
    request.outbox.user_id = "async-user"
    request.outbox.track("Order Completed", {"total": 1})
    return HttpResponse("ok")


@verify_webhook(SECRET)
def webhooks(request):
    return JsonResponse({"type": json.loads(request.body)["type"]})


urlpatterns = [path("checkout", checkout), path("checkout-async", checkout_async), path("webhooks", webhooks)]


@pytest.fixture
def outbox_setting(receiver):
    with override_settings(OUTBOX={"endpoint": receiver.url, "api_key": "k", "flush_interval": 60}):
        yield


def delivered(receiver):
    assert outbox.flush(10).complete
    return receiver.events()


def test_a_logged_in_user_tracks_with_the_request_context(receiver, outbox_setting):
    response = Client().post(
        "/checkout?step=2",
        headers={"X-Test-User": "7", "User-Agent": "pytest-agent", "Referer": "http://testserver/cart"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    assert "ajs_anonymous_id" not in response.cookies
    (event,) = delivered(receiver)
    assert event["event"] == "Order Completed" and event["properties"] == {"total": 99.5}
    assert event["userId"] == "7" and "anonymousId" not in event
    assert event["context"]["ip"] == "203.0.113.9"
    assert event["context"]["userAgent"] == "pytest-agent"
    assert event["context"]["page"] == {
        "url": "http://testserver/checkout?step=2",
        "path": "/checkout",
        "referrer": "http://testserver/cart",
    }
    assert event["context"]["library"]["name"] == "outbox-python"
    assert receiver.requests()[0]["headers"]["authorization"] == "Bearer k"


def test_a_visitor_gets_an_anonymous_id_kept_in_a_cookie(receiver, outbox_setting):
    browser = Client()
    first = browser.post("/checkout")
    cookie = first.cookies["ajs_anonymous_id"]
    assert cookie["samesite"] == "Lax" and cookie["max-age"] == 365 * 24 * 3600
    second = browser.post("/checkout")
    assert "ajs_anonymous_id" not in second.cookies  # kept, not replaced
    events = delivered(receiver)
    assert [e["anonymousId"] for e in events] == [cookie.value, cookie.value]
    assert all("userId" not in e for e in events)


def test_the_anonymous_id_header_and_analytics_js_cookie_are_used(receiver, outbox_setting):
    Client().post("/checkout", headers={"X-Anonymous-Id": "from-header"})
    browser = Client()
    browser.cookies["ajs_anonymous_id"] = "%22from-analytics-js%22"
    assert "ajs_anonymous_id" not in browser.post("/checkout").cookies
    logged_in = Client(headers={"X-Test-User": "8"})
    logged_in.cookies["ajs_anonymous_id"] = "before-login"
    logged_in.post("/checkout")
    got = [(e.get("userId"), e.get("anonymousId")) for e in delivered(receiver)]
    assert got == [(None, "from-header"), (None, "from-analytics-js"), ("8", "before-login")]


def test_the_setting_configures_one_default_client_until_it_changes(receiver, outbox_setting):
    browser = Client()
    browser.post("/checkout")
    client = outbox.default_client()
    browser.post("/checkout")
    assert outbox.default_client() is client  # not one client per request
    with override_settings(OUTBOX={"endpoint": receiver.url, "api_key": "other"}):
        browser.post("/checkout")
        assert outbox.default_client() is not client
    assert [r["headers"]["authorization"] for r in receiver.requests()] == ["Bearer k"]  # the replaced one flushed
    assert outbox.flush(10).complete
    assert receiver.requests()[-1]["headers"]["authorization"] == "Bearer other"


def test_an_async_view_tracks_through_the_same_middleware(receiver, outbox_setting):
    response = asyncio.run(AsyncClient().get("/checkout-async"))
    assert response.status_code == 200
    (event,) = delivered(receiver)
    assert event["userId"] == "async-user" and event["context"]["page"]["path"] == "/checkout-async"


def test_the_app_config_configures_from_settings(receiver):
    from django.apps import apps

    with override_settings(OUTBOX={"endpoint": receiver.url, "test_mode": True}):
        apps.get_app_config("outbox_integrations").ready()
        outbox.track("u", "e")
        outbox.flush(5)
        assert outbox.default_client().captured()[0]["event"] == "e"


def test_a_bad_setting_says_what_it_should_be(receiver):
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(OUTBOX="https://collector.example.com"):
        with pytest.raises(ImproperlyConfigured, match="dict of outbox.Client arguments"):
            Client().post("/checkout")


def test_verify_webhook_accepts_the_signed_raw_body_and_answers_401_otherwise():
    client = Client(enforce_csrf_checks=True)  # the decorator exempts the view
    body = '{"type": "invoice.paid", "data": {"id": 1}}'
    headers = outbox.sign(body, SECRET)
    ok = client.post("/webhooks", body, content_type="application/json", headers=headers)
    assert ok.status_code == 200 and ok.json() == {"type": "invoice.paid"}
    tampered = client.post("/webhooks", body.replace("1", "2"), content_type="application/json", headers=headers)
    assert tampered.status_code == 401
    assert tampered.json()["code"] == "no_matching_signature"
    assert tampered.json()["error"] == "invalid webhook signature"
    unsigned = client.post("/webhooks", body, content_type="application/json")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "missing_header"
