"""From PocketPing's webhook forwarding (webhook_url, webhook_secret, webhook_timeout) to Outbox.

PocketPing posted each custom event once, unqueued and never retried. Outbox
queues the same body, signs the exact bytes it sends with the same header,
and retries until the endpoint takes it.

docs/migrating.md shows this file in parts; the tests run it against the test receiver.

OUTBOX_ENDPOINT=http://127.0.0.1:8080 python migrating_pocketping.py
"""

import json
import os
from datetime import datetime, timezone

import outbox

WEBHOOK_URL = os.environ.get("OUTBOX_ENDPOINT", "https://your-server.com") + "/pocketping-events"
WEBHOOK_SECRET = "your-hmac-secret"

forwarder = outbox.WebhookSender(
    outbox.Endpoint(
        WEBHOOK_URL,  # webhook_url
        WEBHOOK_SECRET,  # webhook_secret
        scheme="hmac-sha256",  # X-PocketPing-Signature: sha256=<hex HMAC of the body>; not the default scheme
        header="X-PocketPing-Signature",
        timeout=5.0,  # webhook_timeout, in seconds in both
    ),
    on_error=lambda report: print("pocketping webhook:", report.reason, report.status),
)


def forward(event: dict, session: dict) -> str:
    """PocketPing's webhook body for one custom event; call it from your event handler."""
    body = {
        "event": {
            "name": event["name"],
            "data": event["data"],
            "timestamp": event["timestamp"],
            "sessionId": session["id"],
        },
        "session": {"id": session["id"], "visitorId": session["visitorId"], "metadata": session["metadata"]},
        "sentAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    return forwarder.send_raw(json.dumps(body))  # sent as these exact bytes, which the signature covers


def verify(raw_body: bytes, headers) -> None:
    """The receiving side: raises outbox.WebhookVerificationError unless the signature matches."""
    outbox.verify(raw_body, headers, WEBHOOK_SECRET, scheme="hmac-sha256", header="X-PocketPing-Signature")


if __name__ == "__main__":
    session = {"id": "sess_abc123", "visitorId": "visitor_xyz", "metadata": {"url": "https://example.com/pricing"}}
    event = {"name": "clicked_pricing", "data": {"plan": "pro"}, "timestamp": "2026-01-21T00:00:00.000Z"}
    print(forward(event, session), forwarder.flush(timeout=5))
