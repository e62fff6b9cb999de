"""Outbox in Django, in one file: request.outbox.track bound to the request
(user, ip, user agent, page), the client configured by the OUTBOX setting,
and a view receiving signed webhooks (401 when the signature fails).

    pip install django outbox
    OUTBOX_ENDPOINT=http://127.0.0.1:8799 python django_app.py runserver
"""

import json
import os
import sys

from django.conf import settings

settings.configure(
    ROOT_URLCONF=__name__,
    SECRET_KEY="dev-only",
    ALLOWED_HOSTS=["localhost", "127.0.0.1", "testserver"],
    MIDDLEWARE=["outbox.integrations.django.OutboxMiddleware"],
    OUTBOX={"endpoint": os.environ.get("OUTBOX_ENDPOINT", "http://127.0.0.1:8799"), "api_key": "my-write-key"},
)

from django.http import HttpResponse  # noqa: E402  (after the settings)
from django.urls import path  # noqa: E402
from outbox.integrations.django import verify_webhook  # noqa: E402


def checkout(request):
    request.outbox.track("Order Completed", {"total": 99.5})
    return HttpResponse(status=204)


@verify_webhook(os.environ.get("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
def webhooks(request):
    print("webhook", json.loads(request.body)["type"])
    return HttpResponse(status=204)


urlpatterns = [path("checkout", checkout), path("webhooks", webhooks)]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
