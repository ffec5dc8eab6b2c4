"""The leak scan of a debrief before it is published at TLP:CLEAR: what in its title and summary
could name the incident's indicators or its people. Pure: the caller gathers the incident's
needles (selectors/debrief_scan.py) and decides what a finding blocks (services/debriefs.py).

What is found:
- url: a token that, once fanged (`ioc_fanger`: hxxp://, [.], (.), [dot], [:] …), is one of the
  incident's URLs or names the host of one;
- hash: any run of 32 or more hexadecimal digits (MD5, SHA-1, SHA-256, PDQ, vPDQ frames, TMK),
  whether or not the incident holds it: no ordinary prose has one;
- email: any email address, defanged or not (`jane[@]example[.]org`);
- name: a participant's display name, as whole words, in any case;
- phone: a number `phonenumbers` finds valid, international or in the country of an invited
  organisation.

Each finding's id is a digest of the text it was found in, its place and what it matched, so a
confirmation holds for that text only: an edit makes every finding new."""

import hashlib
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from ioc_fanger import fang

from .indicators import normalise
from .models import IndicatorKind


class FindingKind(models.TextChoices):
    URL = "url", _("URL")
    HASH = "hash", _("Hash")
    EMAIL = "email", _("Email address")
    NAME = "name", _("Name")
    PHONE = "phone", _("Phone number")


FIELDS = ("title", "summary")
MIN_NAME_LENGTH = 3
# No URL indicator is longer (indicators.MAX_URL_LENGTH), nor an email address: a longer token is
# not read as either, which keeps the scan linear in the text on a token of thousands of characters.
MAX_TOKEN = 2100
# A token, with the bracketed separators defanging puts between its parts, spaces around them too.
_TOKEN = re.compile(r"\S+(?:\s{0,3}[\[({]\s{0,3}(?:\.|dot|@|at|:)\s{0,3}[\])}]\s{0,3}\S+)*", re.IGNORECASE)
_NEEDS_FANGING = re.compile(r"[\[\](){}]|hxxp|\sdot\s", re.IGNORECASE)
# Quotation marks and brackets around a token, as escapes (\u2018 and \u2019 are the curly quotes).
_LEADING = "(<\"'\u00ab\u201c\u2018"
_TRAILING = ".,;:!?)>\"'\u00bb\u201d\u2019"
_HEX_RUN = re.compile(r"(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])", re.IGNORECASE)
_URL_IN_TOKEN = re.compile(r"https?://\S+", re.IGNORECASE)
_EMAIL_IN_TOKEN = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)


@dataclass(frozen=True)
class Needles:
    """What the incident holds that its debrief must not give away."""

    urls: frozenset = frozenset()  # normalised (indicators.normalise)
    hashes: frozenset = frozenset()  # lower-case hexadecimal
    names: tuple = ()
    emails: frozenset = frozenset()  # lower-case
    regions: tuple = ()  # ISO 3166 codes for national phone formats

    @property
    def hosts(self) -> frozenset:
        return frozenset(_host(url) for url in self.urls)


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str
    text: str
    field: str
    start: int
    end: int
    # One of the incident's own indicators or people, rather than merely of that kind.
    known: bool = False

    @property
    def kind_label(self) -> str:
        return str(FindingKind(self.kind).label)


def text_digest(title: str, summary: str) -> str:
    return hashlib.sha256(f"{title}\x00{summary}".encode()).hexdigest()


def scan(*, title: str, summary: str, needles: Needles) -> list[Finding]:
    """Every finding in the title, then the summary, in the order they appear; where two overlap
    (a hash inside a URL) the longer one is kept."""
    digest = text_digest(title, summary)
    findings = []
    for name, text in zip(FIELDS, (title, summary), strict=True):
        found = _tokens(text, needles) + _hashes(text, needles) + _names(text, needles) + _phones(text, needles)
        for kind, start, end, known in _without_overlaps(found):
            matched = text[start:end]
            key = f"{digest}|{name}|{start}|{end}|{kind}|{matched}"
            finding_id = hashlib.sha256(key.encode()).hexdigest()[:32]
            findings.append(Finding(finding_id, kind, matched, name, start, end, known))
    return findings


def _host(url: str) -> str:
    return url.partition("://")[2].split("/", 1)[0].split("?", 1)[0]


def _tokens(text: str, needles: Needles) -> list[tuple]:
    found = []
    hosts = needles.hosts
    for match in _TOKEN.finditer(text):
        raw = match.group()
        stripped = raw.lstrip(_LEADING)
        start = match.start() + len(raw) - len(stripped)
        stripped = stripped.rstrip(_TRAILING)
        if not stripped or len(stripped) > MAX_TOKEN:
            continue
        end = start + len(stripped)
        plain = fang(stripped) if _NEEDS_FANGING.search(stripped) else stripped
        plain = "".join(plain.split())
        email = _EMAIL_IN_TOKEN.search(plain) if "@" in plain else None
        if email:
            found.append((FindingKind.EMAIL, start, end, email.group().lower() in needles.emails))
        elif hosts and _names_incident_url(plain, needles, hosts):
            found.append((FindingKind.URL, start, end, True))
    return found


def _names_incident_url(token: str, needles: Needles, hosts: frozenset) -> bool:
    url = _URL_IN_TOKEN.search(token)
    if url:
        try:
            if normalise(IndicatorKind.URL, url.group().rstrip(_TRAILING)) in needles.urls:
                return True
        except ValidationError:
            pass
        token = url.group().partition("://")[2]
    return _host(f"x://{token.lower()}").rstrip(_TRAILING) in hosts


def _hashes(text: str, needles: Needles) -> list[tuple]:
    return [
        (FindingKind.HASH, m.start(), m.end(), m.group().lower() in needles.hashes) for m in _HEX_RUN.finditer(text)
    ]


def _names(text: str, needles: Needles) -> list[tuple]:
    names = sorted({" ".join(n.split()) for n in needles.names if len(n.strip()) >= MIN_NAME_LENGTH}, key=len)
    if not names:
        return []
    pattern = "|".join(r"\s+".join(map(re.escape, name.split())) for name in reversed(names))
    return [
        (FindingKind.NAME, m.start(), m.end(), True) for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", text, re.I)
    ]


def _phones(text: str, needles: Needles) -> list[tuple]:
    found = []
    for region in (None, *needles.regions):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            found.append((FindingKind.PHONE, match.start, match.end, False))
    return found


def _without_overlaps(found: list[tuple]) -> list[tuple]:
    kept: list[tuple] = []
    for item in sorted(found, key=lambda f: (f[1], -(f[2] - f[1]))):
        if not kept or item[1] >= kept[-1][2]:
            kept.append(item)
    return kept
