"""Sending signed webhooks to your customers' endpoints.

python send_webhooks.py http://127.0.0.1:8799/webhooks
"""

import sys

import outbox

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def on_error(report: outbox.DeliveryError) -> None:
    print(f"gave up on {report.count} message(s) to {report.endpoint}: {report.reason} {report.status}")


with outbox.WebhookSender(outbox.Endpoint(sys.argv[1], SECRET), on_error=on_error) as sender:
    message_id = sender.send("invoice.paid", {"invoice": "in_123", "amount": 4200, "currency": "eur"})
    print("queued", message_id)
# Leaving the block flushed and stopped the sender.
