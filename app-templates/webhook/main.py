"""Receives webhooks signed like GitHub's: X-Hub-Signature-256 is "sha256=" followed by the hex
HMAC-SHA256 of the raw request body, keyed with the WEBHOOK_SECRET setting (a Slipway secret,
never committed)."""

import hashlib
import hmac
import json
import logging
import os

from fastapi import FastAPI, HTTPException, Request

MAX_BODY_BYTES = 1024 * 1024

app = FastAPI(title="webhook")
log = logging.getLogger("uvicorn.error")


def signature_is_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    # Constant-time, so the answer's timing tells nothing about how much of a guess was right.
    return hmac.compare_digest(expected.encode(), header.strip().encode())


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/")
def index() -> dict:
    return {"message": os.environ.get("GREETING", "Hello from Slipway"), "endpoint": "POST /webhook"}


@app.post("/webhook")
async def webhook(request: Request) -> dict:
    # Read per request: without the secret the app still starts and passes its health check.
    secret = os.environ.get("WEBHOOK_SECRET", "")
    if not secret:
        raise HTTPException(status_code=503, detail="WEBHOOK_SECRET is not set")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="body too large")
    if not signature_is_valid(secret.encode(), body, request.headers.get("x-hub-signature-256")):
        raise HTTPException(status_code=401, detail="missing or wrong X-Hub-Signature-256")

    event = request.headers.get("x-github-event", "unknown")
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    handle(event, payload)
    return {"received": True, "event": event, "bytes": len(body)}


def handle(event: str, payload: object) -> None:
    """Do the real work here. Only signed requests reach this point."""
    keys = sorted(payload) if isinstance(payload, dict) else []
    log.info("webhook: event=%s keys=%s", event, keys[:10])
