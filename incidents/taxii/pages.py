"""What a TAXII collection holds and how it is paged: an incident's STIX objects (exchange/stix.py)
as entries, each with the time its current version was added, filtered by the TAXII query
parameters and cut into pages by a cursor.

The order is (date added, rank, number): a few objects are built in memory (the TLP markings, the
identities, the report, and the near-match relationships, at most MAX_QUERIED times
MAX_PER_INDICATOR of them: selectors/near_matches.py); the indicators, which may be thousands, are
filtered and cut in SQL, and only the page's are built. `next` is that key, opaque to clients: a page is as cheap at the
end of a collection as at its start, and needs no state on the server."""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..exchange import stix
from ..models import TLP_ORDER
from ..selectors.exchange import NearMatchLink, SharedIncident, indicators_after, shared_indicators

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

# Appended to, never reordered: a client's `next` holds a rank.
RANK_MARKING, RANK_PUBLISHER, RANK_SHARER, RANK_INDICATOR, RANK_REPORT, RANK_RELATIONSHIP = range(6)
TLP_MARKING_VERSION = datetime.fromisoformat(stix.TLP_MARKING_CREATED)


@dataclass(frozen=True)
class Entry:
    id: str
    type: str
    added: datetime
    version: datetime
    rank: int
    number: int
    build: Callable[[], object]

    @property
    def key(self) -> tuple:
        return (self.added, self.rank, self.number)


@dataclass(frozen=True)
class Query:
    """The TAXII filters of one request, parsed (`parse_query`)."""

    added_after: datetime | None = None
    types: frozenset | None = None
    ids: frozenset | None = None
    versions: frozenset | None = None  # timestamps; None for the latest (the only one kept)
    spec_versions: frozenset | None = None
    limit: int = DEFAULT_LIMIT
    after: tuple | None = None  # the cursor: the key of the last entry already sent


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    more: bool

    @property
    def next(self) -> str | None:
        return encode_cursor(self.entries[-1].key) if self.more else None


def _timestamp(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: _("Enter a timestamp such as 2026-01-31T12:00:00.000Z.")}) from None
    if moment.tzinfo is None:
        raise ValidationError({name: _("Enter a timestamp in UTC, ending in Z.")})
    return moment


def _list(raw: str | None) -> frozenset | None:
    return None if raw is None else frozenset(part.strip() for part in raw.split(",") if part.strip())


def encode_cursor(key: tuple) -> str:
    added, rank, number = key
    return base64.urlsafe_b64encode(f"{added.isoformat()}|{rank}|{number}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        added, rank, number = text.split("|")
        return (datetime.fromisoformat(added), int(rank), int(number))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError({"next": _("This is not a 'next' value this server gave.")}) from None


def parse_query(params, *, object_id: str | None = None) -> Query:
    """TAXII's query parameters (added_after, limit, next, match[...]); ValidationError (a 400)
    for a malformed one. A limit above the maximum is lowered to it, as the spec allows."""
    limit = DEFAULT_LIMIT
    if "limit" in params:
        try:
            limit = int(params["limit"])
        except ValueError:
            raise ValidationError({"limit": _("Enter a whole number.")}) from None
        if limit <= 0:
            raise ValidationError({"limit": _("The limit must be a positive number.")})
    versions = _list(params.get("match[version]"))
    if versions is not None and versions & {"last", "first", "all"}:
        versions = None  # each object has one version here: the first is the last
    elif versions is not None:
        versions = frozenset(_timestamp("match[version]", v) for v in versions)
    ids = _list(params.get("match[id]"))
    if object_id is not None:
        ids = frozenset({object_id}) if ids is None or object_id in ids else frozenset()
    return Query(
        added_after=_timestamp("added_after", params["added_after"]) if "added_after" in params else None,
        types=_list(params.get("match[type]")),
        ids=ids,
        versions=versions,
        spec_versions=_list(params.get("match[spec_version]")),
        limit=min(limit, MAX_LIMIT),
        after=decode_cursor(params["next"]) if params.get("next") else None,
    )


def small_entries(shared: SharedIncident) -> list[Entry]:
    """The marking, the identities and the report: a handful, built only when sent."""
    sharer_entries = [
        Entry(
            id=stix.identity_id(shared.pk, sharer.organization_id),
            type="identity",
            added=stix.version_of(shared, sharer.first_shared),
            version=stix.version_of(shared, sharer.first_shared),
            rank=RANK_SHARER,
            number=sharer.organization_id,
            build=lambda sharer=sharer: stix.sharer_identity(shared, sharer),
        )
        for sharer in shared.sharers
    ]
    report_at = stix.report_version(shared)
    return [
        Entry(
            id=stix.TLP_MARKING_IDS[shared.tlp],
            type="marking-definition",
            added=shared.since,
            version=TLP_MARKING_VERSION,
            rank=RANK_MARKING,
            number=0,
            build=lambda: stix.tlp_marking(shared.tlp),
        ),
        Entry(
            id=stix.identity_id(shared.pk, None),
            type="identity",
            added=shared.since,
            version=shared.since,
            rank=RANK_PUBLISHER,
            number=0,
            build=lambda: stix.publisher_identity(shared),
        ),
        *sharer_entries,
        Entry(
            id=stix.report_id(shared.pk),
            type="report",
            added=report_at,
            version=report_at,
            rank=RANK_REPORT,
            number=0,
            build=lambda: stix.report(shared),
        ),
    ]


def _pair_number(a: int, b: int) -> int:
    """One number for each (source, target) pair of indicator keys (Cantor's pairing)."""
    return (a + b) * (a + b + 1) // 2 + b


def link_entries(shared: SharedIncident, links: tuple[NearMatchLink, ...]) -> list[Entry]:
    """The near-match relationships, and the marking of each stricter level they carry, added
    with the first relationship that carries it."""
    relationships = [
        Entry(
            id=stix.relationship_id(shared.pk, link.source_pk, link.target_pk),
            type="relationship",
            added=stix.link_version(shared, link),
            version=stix.link_version(shared, link),
            rank=RANK_RELATIONSHIP,
            number=_pair_number(link.source_pk, link.target_pk),
            build=lambda link=link: stix.relationship(shared, link),
        )
        for link in links
    ]
    markings = []
    for tlp in stix.link_markings(shared, links):
        first = min(stix.link_version(shared, link) for link in links if stix.link_tlp(shared, link) == tlp)
        markings.append(
            Entry(
                id=stix.TLP_MARKING_IDS[tlp],
                type="marking-definition",
                added=first,
                version=TLP_MARKING_VERSION,
                rank=RANK_MARKING,
                number=1 + TLP_ORDER.index(tlp),
                build=lambda tlp=tlp: stix.tlp_marking(tlp),
            )
        )
    return markings + relationships


def wants_links(query: Query) -> bool:
    """Whether the near-matches could be in the answer (a relationship, or a marking)."""
    return query.types is None or bool(query.types & {"relationship", "marking-definition"})


def matches(entry: Entry, query: Query) -> bool:
    return (
        (query.added_after is None or entry.added > query.added_after)
        and (query.types is None or entry.type in query.types)
        and (query.ids is None or entry.id in query.ids)
        and (query.versions is None or entry.version in query.versions)
        and (query.after is None or entry.key > query.after)
    )


def _indicator_entries(shared: SharedIncident, query: Query) -> list[Entry]:
    """At most limit + 1 indicators, the filters applied in SQL."""
    if query.types is not None and "indicator" not in query.types:
        return []
    rows = shared_indicators(shared)
    if query.added_after is not None:
        rows = rows.filter(added__gt=query.added_after)
    if query.versions is not None:
        rows = rows.filter(added__in=query.versions)
    if query.ids is not None:  # uuid5 cannot be reversed: compute the incident's ids once
        wanted = [pk for pk in shared.indicator_pks if stix.indicator_id(shared.pk, pk) in query.ids]
        rows = rows.filter(pk__in=wanted)
    if query.after is not None:
        added, rank, number = query.after
        rows = indicators_after(rows, added=added, rank=rank, own_rank=RANK_INDICATOR, pk=number)
    return [
        Entry(
            id=stix.indicator_id(shared.pk, row.pk),
            type="indicator",
            added=row.added,
            version=row.added,
            rank=RANK_INDICATOR,
            number=row.pk,
            build=lambda row=row: stix.indicator(shared, row),
        )
        for row in rows[: query.limit + 1]
    ]


def page_of(shared: SharedIncident, query: Query, links: tuple[NearMatchLink, ...] = ()) -> Page:
    """`links`: the viewer's near-matches (selectors.exchange.near_match_links), if wants_links."""
    if query.spec_versions is not None and "2.1" not in query.spec_versions:
        return Page(entries=[], more=False)
    entries = [entry for entry in small_entries(shared) + link_entries(shared, links) if matches(entry, query)]
    entries = sorted(entries + _indicator_entries(shared, query), key=lambda entry: entry.key)
    return Page(entries=entries[: query.limit], more=len(entries) > query.limit)
