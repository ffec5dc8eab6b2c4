"""The VAPID key pair (RFC 8292) that signs every Web Push: from VAPID_PRIVATE_KEY, else derived
from SECRET_KEY (portal/settings_push.py says why that is enough for development)."""

import base64
import hashlib
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid

from . import conf

# The order of the P-256 group: a derived scalar must lie in [1, n - 1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _derived_key() -> ec.EllipticCurvePrivateKey:
    digest = hashlib.sha256(b"call-portal web push " + settings.SECRET_KEY.encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1, ec.SECP256R1())


@lru_cache(maxsize=4)
def _vapid(private_setting: str, public_setting: str, secret_key: str) -> Vapid:
    vapid = Vapid.from_string(private_setting) if private_setting else Vapid(_derived_key())
    if public_setting and public_setting != _public_of(vapid):
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY.")
    return vapid


def _public_of(vapid: Vapid) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(raw)


def vapid() -> Vapid:
    return _vapid(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY, settings.SECRET_KEY)


def public_key() -> str:
    """The applicationServerKey browsers subscribe with: base64url, uncompressed P-256 point."""
    return _public_of(vapid())


def subject() -> str:
    return settings.VAPID_SUBJECT or conf.site_url() or f"mailto:{settings.DEFAULT_FROM_EMAIL}"
