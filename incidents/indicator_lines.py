"""Reading a pasted or uploaded list of indicators, line by line (services/indicator_lists.py
stores what it accepts). Pure functions: nothing here touches the database.

A line is either `kind,value` (a CSV row: the kind by its value or its label, `sha256` or
`SHA-256`; a `kind,value` header is skipped) or a value alone, whose kind is the one given
for the whole list or, with none given, recognised: a http(s) address is a URL, 32
hexadecimal digits MD5, 40 SHA-1, 2,048 TMK+PDQF, PDQ hashes joined by commas vPDQ. 64
digits are refused without a kind, since SHA-256 and PDQ both have 64. Blank lines and
lines starting with `#` are skipped and reported nowhere; every other line gets a result
with its line number."""

import csv
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .indicators import PDQ_HEX_LENGTH, TMK_HEX_LENGTH, normalise
from .models import IndicatorKind

MAX_LINES = 100_000
MAX_BYTES = 20 * 1024 * 1024
SHOWN_INPUT_CHARS = 120

ADDED, PRESENT, INVALID = "added", "present", "invalid"

_HEX = re.compile(r"[0-9a-fA-F]+")
_URL_START = re.compile(r"^(https?|hxxps?)://", re.IGNORECASE)
_KINDS_BY_NAME = {
    **{value: value for value in IndicatorKind.values},
    **{str(label).lower(): value for value, label in IndicatorKind.choices if value != IndicatorKind.URL},
    "sha-1": IndicatorKind.SHA1,
    "sha-256": IndicatorKind.SHA256,
    "tmk+pdqf": IndicatorKind.TMK,
}


@dataclass
class LineResult:
    line: int
    result: str
    kind: str = ""
    value: str = ""  # normalised and defanged once valid; the input, cut short, when not
    reason: str = ""


@dataclass
class ParsedLine:
    line: int
    kind: str
    value: str


@dataclass
class ParsedList:
    valid: list[ParsedLine] = field(default_factory=list)
    invalid: list[LineResult] = field(default_factory=list)


def check_size(text: str) -> None:
    """The whole list is refused, and nothing stored, past MAX_LINES lines or MAX_BYTES."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(_("A list may be at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if text.count("\n") >= MAX_LINES and len(text.splitlines()) > MAX_LINES:
        raise ValidationError(
            _("A list may have at most %(n)s lines.") % {"n": number_format(MAX_LINES, force_grouping=True)}
        )


def parse_list(text: str, *, kind: str = "") -> ParsedList:
    """Each line normalised (incidents.indicators.normalise) or refused with its reason."""
    if kind and kind not in IndicatorKind.values:
        from .choices import choose_one_of

        raise ValidationError({"kind": choose_one_of(IndicatorKind)})
    parsed = ParsedList()
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line_kind, value = _split(line)
        if line_kind is None and value is None:
            continue  # the header
        line_kind = line_kind or kind or recognise(value)
        try:
            if not line_kind:
                raise ValidationError(_unrecognised(value))
            normalised = normalise(line_kind, value)
        except ValidationError as error:
            parsed.invalid.append(LineResult(number, INVALID, line_kind or "", _shown(raw), reason=_reason(error)))
            continue
        parsed.valid.append(ParsedLine(number, line_kind, normalised))
    return parsed


def _split(line: str) -> tuple[str | None, str | None]:
    head, comma, rest = line.partition(",")
    name = head.strip().strip('"').lower()
    if not comma or (name not in _KINDS_BY_NAME and name != "kind"):
        return "", line
    rest = rest.strip()
    if rest.startswith('"'):
        rest = next(csv.reader([rest]), [""])[0]
    if name == "kind" and rest.lower() == "value":
        return None, None
    if name == "kind":
        return "", line
    return _KINDS_BY_NAME[name], rest


def recognise(value: str) -> str:
    """The kind a value alone has, or "" when it could be several or none."""
    if _URL_START.match(value):
        return IndicatorKind.URL
    if _HEX.fullmatch(value):
        return {32: IndicatorKind.MD5, 40: IndicatorKind.SHA1, TMK_HEX_LENGTH: IndicatorKind.TMK}.get(len(value), "")
    frames = [t.strip() for t in value.split(",")]
    if len(frames) > 1 and all(len(t) == PDQ_HEX_LENGTH and _HEX.fullmatch(t) for t in frames):
        return IndicatorKind.VPDQ
    return ""


def _unrecognised(value: str) -> str:
    if _HEX.fullmatch(value) and len(value) == 64:
        return _(
            "64 hexadecimal digits may be a SHA-256 or a PDQ hash: choose the list's hash type, "
            "or write the line as sha256,… or pdq,…"
        )
    return _(
        "Not recognised: give the list's kind, or write the line as kind,value "
        "(url, md5, sha1, sha256, pdq, vpdq or tmk)."
    )


def _reason(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


def _shown(raw: str) -> str:
    """An invalid line as it came, short and defanged: it is shown back, never opened."""
    text = raw.strip()
    text = text if len(text) <= SHOWN_INPUT_CHARS else text[: SHOWN_INPUT_CHARS - 1] + "…"
    return re.sub("http", "hxxp", text, flags=re.IGNORECASE).replace(".", "[.]")


def read_upload(upload) -> str:
    """An uploaded list as text: UTF-8 (a byte-order mark is dropped), at most MAX_BYTES."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("A list may be at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file must be UTF-8 text.")) from None
