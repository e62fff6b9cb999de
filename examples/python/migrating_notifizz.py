"""From Notifizz (generateHashedToken, track) to Outbox.

docs/migrating.md shows this file in parts; the tests run it against the test receiver.

OUTBOX_ENDPOINT=http://127.0.0.1:8080 python migrating_notifizz.py
"""

import json
import os

import outbox

AUTH_SECRET_KEY = os.environ.get("NOTIFIZZ_AUTH_SECRET_KEY", "auth-secret")
SDK_SECRET_KEY = os.environ.get("NOTIFIZZ_SDK_SECRET_KEY", "sdk-secret")
BASE_URL = os.environ.get("OUTBOX_ENDPOINT", "https://eu.api.notifizz.com/v1")

# generateHashedToken(user_id): the hex SHA-256 of user_id + auth secret key (not an HMAC).
token = outbox.user_hash(AUTH_SECRET_KEY, "user-42", algorithm="sha256")

# track({eventName, sdkSecretKey, properties}).send(): the same POST, queued and retried.
notifizz = outbox.WebhookSender(
    outbox.Endpoint(BASE_URL + "/events/track", headers={"Authorization": f"Bearer {SDK_SECRET_KEY}"})
)
body = {"eventName": "order_shipped", "sdkSecretKey": SDK_SECRET_KEY, "properties": {"orderId": "ord_1"}}
notifizz.send_raw(json.dumps({**body, "workflows": []}))  # .workflow(...) calls: append them to "workflows"

print(token, notifizz.flush(timeout=5))
