"""Web Push (VAPID, RFC 8292) settings: docs/operations.md, "Web Push".

VAPID_PRIVATE_KEY is the P-256 private key, base64url (the raw 32-byte scalar, or DER); unset,
a key is derived from SECRET_KEY (portal.notifications.push_keys), stable across processes,
which is fine for development. Set a key of your own in production (`vapid --gen`, or the
README's one-liner): subscriptions are tied to the public key, so changing it ends them."""

import environ

_env = environ.Env()

VAPID_PRIVATE_KEY = _env("VAPID_PRIVATE_KEY", default="")
# Optional: derived from the private key when unset; when set it must be that key's.
VAPID_PUBLIC_KEY = _env("VAPID_PUBLIC_KEY", default="")
# Who push services may contact about this sender: a mailto: or https: URL. Unset: the site's address.
VAPID_SUBJECT = _env("VAPID_SUBJECT", default="")
# Seconds a push service keeps an undelivered message (a phone that is off).
WEB_PUSH_TTL_SECONDS = _env.int("WEB_PUSH_TTL_SECONDS", default=12 * 60 * 60)
# Tests and development only: push endpoint hosts exempt from the https and public-address rules
# (portal/notifications/push_endpoints.py), e.g. a local receiver playing the push service.
WEB_PUSH_ALLOW_HOSTS = _env.list("WEB_PUSH_ALLOW_HOSTS", default=[])
