"""Receiving Outbox (Standard Webhooks) webhooks in Flask.

Verify the raw body, before any JSON parsing: the signature covers the exact
bytes that were sent. `request.get_data()` gives them; `request.json` would
not (re-serializing changes the bytes).

    pip install flask outbox-engine
    WEBHOOK_SECRET=whsec_... flask --app flask_verify run
"""

import json
import os

import outbox
from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ.get("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")


@app.post("/webhooks")
def receive():
    body = request.get_data()  # raw bytes, exactly as received
    try:
        outbox.verify(body, request.headers, SECRET)
    except outbox.WebhookVerificationError as e:
        app.logger.warning("rejected webhook: %s (%s)", e, e.code)
        abort(400)
    message = json.loads(body)
    # Deduplicate on the webhook-id header: a retried message keeps its id.
    app.logger.info("webhook %s: %s", request.headers["webhook-id"], message["type"])
    return "", 204
