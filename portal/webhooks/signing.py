"""Webhook signatures, two side by side on every delivery (docs/operations.md, "Webhooks"):

- Standard Webhooks (https://www.standardwebhooks.com/, the `standardwebhooks` library):
  `webhook-id`, `webhook-timestamp`, `webhook-signature`, so any receiver verifies with an
  off-the-shelf library. Its secret is `whsec_` + base64 of the endpoint's secret's UTF-8 bytes
  (standard_secret): the same HMAC key as below, in the specification's encoding, so no
  endpoint's secret changes.
- The portal's own, deprecated: "v1=" + hex HMAC-SHA256 of f"{timestamp}.{body}" under the
  endpoint's secret, in X-CallPortal-Signature."""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def standard_secret(secret: str) -> str:
    """The endpoint's secret as Standard Webhooks libraries take it."""
    return SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def sign(*, secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"v1={digest}"


def headers_for(*, secret: str, event: str, delivery_id: str, timestamp: int, body: str) -> dict[str, str]:
    standard = Webhook(secret.encode()).sign(
        msg_id=delivery_id, timestamp=datetime.fromtimestamp(timestamp, tz=UTC), data=body
    )
    return {
        "Content-Type": "application/json",
        "User-Agent": "CallPortal-Webhooks/1",
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard,
        "X-CallPortal-Event": event,
        "X-CallPortal-Delivery": delivery_id,
        "X-CallPortal-Timestamp": str(timestamp),
        "X-CallPortal-Signature": sign(secret=secret, timestamp=timestamp, body=body),
    }
