"""Webhook signatures: "v1=" + hex HMAC-SHA256 of f"{timestamp}.{body}" under the endpoint's secret.
docs/operations.md ("Webhooks") shows receivers how to verify it."""

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(*, secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"v1={digest}"


def headers_for(*, secret: str, event: str, delivery_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "CallPortal-Webhooks/1",
        "X-CallPortal-Event": event,
        "X-CallPortal-Delivery": delivery_id,
        "X-CallPortal-Timestamp": str(timestamp),
        "X-CallPortal-Signature": sign(secret=secret, timestamp=timestamp, body=body),
    }
