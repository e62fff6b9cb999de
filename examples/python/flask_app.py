"""Outbox in Flask: g.outbox.track bound to the request, the client
configured by OUTBOX_* config keys, and a view receiving signed webhooks
(401 when the signature fails).

    pip install flask outbox
    OUTBOX_ENDPOINT=http://127.0.0.1:8799 flask --app flask_app run
"""

import os

from flask import Flask, g, request
from outbox.integrations.flask import Outbox, verify_webhook

app = Flask(__name__)
app.config["OUTBOX_ENDPOINT"] = os.environ.get("OUTBOX_ENDPOINT", "http://127.0.0.1:8799")
app.config["OUTBOX_API_KEY"] = "my-write-key"
Outbox(app)


@app.post("/checkout")
def checkout():
    g.outbox.track("Order Completed", {"total": 99.5})
    return "", 204


@app.post("/webhooks")
@verify_webhook(os.environ.get("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
def webhooks():
    app.logger.info("webhook %s", request.get_json()["type"])
    return "", 204
