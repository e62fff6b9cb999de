"""make demo: Python's part. Signs with OUTBOX_SIGNING_SECRET and sends to
OUTBOX_ENDPOINT (the demo's `outbox listen`, which verifies the signature)."""

import os

import outbox

client = outbox.Client(os.environ["OUTBOX_ENDPOINT"], signing_secrets=os.environ["OUTBOX_SIGNING_SECRET"])
client.track("py-user", "Signed Up", {"language": "python", "plan": "pro"})
client.identify("py-user", {"email": "ada@example.com"})
print("python:", client.flush(timeout=5))
