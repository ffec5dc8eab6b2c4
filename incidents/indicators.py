"""Normalising and defanging indicators. Pure functions: nothing here fetches a URL."""

import re
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import choose_one_of
from .models import IndicatorKind

_HEX_LENGTHS = {IndicatorKind.MD5: 32, IndicatorKind.SHA256: 64, IndicatorKind.PDQ: 64}
_HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")
MAX_URL_LENGTH = 2048


def normalise(kind: str, value) -> str:
    if kind not in IndicatorKind.values:
        raise ValidationError({"kind": choose_one_of(IndicatorKind)})
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"value": _("Enter a value.")})
    value = value.strip()
    if kind == IndicatorKind.URL:
        return _normalise_url(value)
    value = value.lower()
    if len(value) != _HEX_LENGTHS[kind] or not re.fullmatch(r"[0-9a-f]+", value):
        raise ValidationError(
            {
                "value": _("Enter the %(kind)s hash as %(n)d hexadecimal digits.")
                % {"kind": IndicatorKind(kind).label, "n": _HEX_LENGTHS[kind]}
            }
        )
    return value


def _normalise_url(value: str) -> str:
    invalid = ValidationError({"value": _("Enter a full http or https address.")})
    if len(value) > MAX_URL_LENGTH or any(c.isspace() for c in value):
        raise invalid
    # Accept the defanged form people paste back from the room.
    value = re.sub(r"^hxxp", "http", value, flags=re.IGNORECASE).replace("[.]", ".")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise invalid from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host or not _HOST.match(host) or parts.username or parts.password:
        raise invalid
    if port and not (scheme == "http" and port == 80) and not (scheme == "https" and port == 443):
        host = f"{host}:{port}"
    # The fragment never reaches the server, so two URLs differing only in it are the same content.
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def defang(kind: str, value: str) -> str:
    """`https://example.com/x` → `hxxps://example[.]com/x`: safe to show, never a live link."""
    if kind != IndicatorKind.URL:
        return value
    scheme, _sep, rest = value.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.replace('http', 'hxxp')}://{host.replace('.', '[.]')}{slash}{path}"
