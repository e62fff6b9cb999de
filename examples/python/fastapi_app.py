"""Outbox in FastAPI (Starlette alike): request.state.outbox bound to the
request, delivery at app shutdown, and an endpoint receiving signed webhooks
(401 when the signature fails).

    pip install fastapi uvicorn outbox
    OUTBOX_ENDPOINT=http://127.0.0.1:8799 uvicorn fastapi_app:app
"""

import json
import os
from typing import Annotated

import outbox
from fastapi import Depends, FastAPI, Request
from outbox.integrations.asgi import OutboxMiddleware, lifespan, verify_webhook

outbox.configure(os.environ.get("OUTBOX_ENDPOINT", "http://127.0.0.1:8799"), api_key="my-write-key")
app = FastAPI(lifespan=lifespan)
app.add_middleware(OutboxMiddleware)
verified = verify_webhook(os.environ.get("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))


@app.post("/checkout", status_code=204)
async def checkout(request: Request) -> None:
    request.state.outbox.track("Order Completed", {"total": 99.5})


@app.post("/webhooks", status_code=204)
async def webhooks(body: Annotated[bytes, Depends(verified)]) -> None:
    print("webhook", json.loads(body)["type"])
