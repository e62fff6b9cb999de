"""Receiving Outbox (Standard Webhooks) webhooks in FastAPI.

Read the raw body with `await request.body()` and verify it before parsing:
a pydantic model or `await request.json()` would hand you re-serialized data
whose bytes no longer match the signature.

    pip install fastapi uvicorn outbox-engine
    WEBHOOK_SECRET=whsec_... uvicorn fastapi_verify:app
"""

import json
import os

import outbox
from fastapi import FastAPI, HTTPException, Request, Response

app = FastAPI()
SECRET = os.environ.get("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")


@app.post("/webhooks", status_code=204)
async def receive(request: Request) -> Response:
    body = await request.body()  # raw bytes, exactly as received
    try:
        outbox.verify(body, request.headers, SECRET)
    except outbox.WebhookVerificationError as e:
        raise HTTPException(status_code=400, detail=f"invalid signature: {e.code}") from e
    message = json.loads(body)
    print("webhook", request.headers["webhook-id"], message["type"])
    return Response(status_code=204)
