"""Normalising and defanging indicators. Pure functions: nothing here fetches a URL.

The textual form of each kind (docs/indicators.md): MD5, SHA-1, SHA-256 and PDQ as 32, 40,
64 and 64 hexadecimal digits; vPDQ as the PDQ hashes of a video's distinct frames, in
frame order, joined by commas (at most MAX_VPDQ_FRAMES); TMK+PDQF as the hexadecimal of
the .tmk file's pure-average ("level-1") feature, 256 little-endian float32 values."""

import math
import re
import struct
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import choose_one_of
from .models import IndicatorKind

_HEX_LENGTHS = {IndicatorKind.MD5: 32, IndicatorKind.SHA1: 40, IndicatorKind.SHA256: 64, IndicatorKind.PDQ: 64}
_HEX = re.compile(r"[0-9a-f]+")
PDQ_HEX_LENGTH = 64
# 31 hashes and their 30 commas fill the 2,048 characters an indicator holds.
MAX_VPDQ_FRAMES = 31
TMK_FEATURE_FLOATS = 256
TMK_HEX_LENGTH = TMK_FEATURE_FLOATS * 4 * 2
_HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")
MAX_URL_LENGTH = 2048
# IndicatorKind.values builds a new list on each use; a list of 100,000 lines asks 100,000 times.
_KINDS = frozenset(IndicatorKind.values)
_SPACE = re.compile(r"\s")
_DEFANGED_SCHEME = re.compile(r"^hxxp", re.IGNORECASE)
# The common URL (lower-case scheme and host, no port, user or trailing dot) is normalised
# without urlsplit, which costs three times as much: 20,000 URLs of a list in 0.6 s. Its
# result is the same as _url's (tests/incidents/test_indicator_normalise.py compares them).
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)*)(/[^?#]*)?(?:\?([^#]*))?(?:#.*)?", re.DOTALL)
_PDQ_WORDS = struct.Struct(">4q")


class _InvalidUrlError(Exception):
    pass


def normalise(kind: str, value) -> str:
    if kind not in _KINDS:
        raise ValidationError({"kind": choose_one_of(IndicatorKind)})
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"value": _("Enter a value.")})
    value = value.strip()
    if kind == IndicatorKind.URL:
        return _normalise_url(value)
    value = value.lower()
    if kind == IndicatorKind.VPDQ:
        return _normalise_vpdq(value)
    if kind == IndicatorKind.TMK:
        return _normalise_tmk(value)
    if len(value) != _HEX_LENGTHS[kind] or not _HEX.fullmatch(value):
        raise ValidationError(
            {
                "value": _("Enter the %(kind)s hash as %(n)d hexadecimal digits.")
                % {"kind": IndicatorKind(kind).label, "n": _HEX_LENGTHS[kind]}
            }
        )
    return value


def _normalise_vpdq(value: str) -> str:
    """Also takes vpdq's own per-frame lines (`frame_number,quality,pdq_hex,timestamp`, one per
    line): the frame hashes are kept, each once, in the order they first appear."""
    if "\n" in value:
        tokens = [field.strip() for line in value.splitlines() for field in line.split(",")]
        tokens = [t for t in tokens if len(t) == PDQ_HEX_LENGTH]
    else:
        tokens = [t.strip() for t in value.split(",")]
    frames = list(dict.fromkeys(tokens))
    if (
        not frames
        or len(frames) > MAX_VPDQ_FRAMES
        or any(len(t) != PDQ_HEX_LENGTH or not _HEX.fullmatch(t) for t in frames)
    ):
        raise ValidationError(
            {
                "value": _(
                    "Enter the vPDQ hash as the PDQ hashes (64 hexadecimal digits each) of at most "
                    "%(n)d distinct frames, separated by commas."
                )
                % {"n": MAX_VPDQ_FRAMES}
            }
        )
    return ",".join(frames)


def _normalise_tmk(value: str) -> str:
    invalid = ValidationError(
        {
            "value": _(
                "Enter the TMK+PDQF level-1 feature as %(n)d hexadecimal digits "
                "(256 little-endian 32-bit floats, from the .tmk file)."
            )
            % {"n": TMK_HEX_LENGTH}
        }
    )
    if len(value) != TMK_HEX_LENGTH or not _HEX.fullmatch(value):
        raise invalid
    if not all(math.isfinite(f) for f in tmk_feature(value)):
        raise invalid
    return value


def tmk_feature(value: str) -> tuple[float, ...]:
    return struct.unpack(f"<{TMK_FEATURE_FLOATS}f", bytes.fromhex(value))


def tmk_level1_score(a: str, b: str) -> float:
    """TMK's level-1 score: the cosine similarity of two pure-average features (-1 to 1;
    ThreatExchange suggests 0.7 as the threshold before the level-2 score)."""
    fa, fb = tmk_feature(a), tmk_feature(b)
    norm = math.sqrt(sum(x * x for x in fa)) * math.sqrt(sum(y * y for y in fb))
    return sum(x * y for x, y in zip(fa, fb, strict=True)) / norm if norm else 0.0


def pdq_words(value: str) -> tuple[int, int, int, int]:
    """A normalised PDQ hash as four signed 64-bit integers (the model's pdq_0..pdq_3)."""
    return _PDQ_WORDS.unpack(bytes.fromhex(value))


def pdq_fields(kind: str, value: str) -> dict:
    """The extra columns an indicator of this kind stores (the model's check constraint)."""
    if kind != IndicatorKind.PDQ:
        return {}
    return dict(zip(("pdq_0", "pdq_1", "pdq_2", "pdq_3"), pdq_words(value), strict=True))


def pdq_distance(a: str, b: str) -> int:
    """The Hamming distance between two PDQ hashes (0 to 256)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _normalise_url(value: str) -> str:
    try:
        return _url(value)
    except _InvalidUrlError:
        raise ValidationError({"value": _("Enter a full http or https address.")}) from None


def _url(value: str) -> str:
    if len(value) > MAX_URL_LENGTH or _SPACE.search(value):
        raise _InvalidUrlError
    # Accept the defanged form people paste back from the room.
    value = _DEFANGED_SCHEME.sub("http", value).replace("[.]", ".")
    plain = _PLAIN_URL.fullmatch(value)
    if plain:
        scheme, host, path, query = plain.groups()
        return f"{scheme}://{host}{path or '/'}{'?' + query if query else ''}"
    return _split_url(value)


def _split_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise _InvalidUrlError from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host or not _HOST.match(host) or parts.username or parts.password:
        raise _InvalidUrlError
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
