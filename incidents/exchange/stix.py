"""STIX 2.1 for an incident's indicators, built with the `stix2` library over what
incidents.selectors.exchange reads: each indicator as an `indicator` with a STIX pattern, an
`identity` for each organisation that shared some (and one for the portal, which writes the
report), a `report` for the incident, and the incident's TLP 2.0 marking on every one of them.
Pure: no queries, no writes.

Ids are uuid5 under a namespace of the site (SITE_URL), from the incident's and the indicator's
primary keys: exporting again gives the same ids, and two portals never give the same ones.
Identities are per incident, because each carries the incident's marking: one id with two
markings would be two different objects under one version.

URLs leave in full, not defanged: a bundle is for machines, which match them.

A PDQ near-match (selectors.exchange.near_match_links: only in incidents the viewer's room
audience covers) is a `relationship` of type "related-to" from the incident's indicator to the
other one, its Hamming distance in the description (docs/exchange.md). It carries the stricter
of the two incidents' TLP levels, since it tells of both; that marking is added to the bundle."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import stix2
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from stix2patterns.exceptions import ParseException
from stix2patterns.v21.pattern import Pattern

from ..models import TLP_ORDER, IndicatorKind, Tlp
from ..selectors.exchange import NearMatchLink, SharedIncident

# The STIX pattern of each indicator kind: `[<path> = '<value>']`; a kind STIX carries is one
# row here, both ways (export and import). PDQ has no name in STIX's hashing-algorithm-ov, whose
# keys are only a SHOULD in STIX 2.1, so it is a hash of the file under the name 'PDQ'.
PATTERN_PATHS = {
    IndicatorKind.URL: "url:value",
    IndicatorKind.MD5: "file:hashes.MD5",
    IndicatorKind.SHA256: "file:hashes.'SHA-256'",
    IndicatorKind.SHA1: "file:hashes.'SHA-1'",
    IndicatorKind.PDQ: "file:hashes.'PDQ'",
    # Video hashes have no STIX name: ThreatExchange's names, without the "+" a hash key may not hold.
    IndicatorKind.VPDQ: "file:hashes.'vPDQ'",
    IndicatorKind.TMK: "file:hashes.'TMK-PDQF'",
}

# TLP 2.0 as OASIS publishes it for STIX 2.1 (cti-stix-common-objects, extension-definition-
# specifications/tlp-2.0): one marking-definition per level, fixed ids, fixed created time, each
# naming the TLP 2.0 extension definition. Tlp's values are the extension's `tlp_2_0` values.
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_MARKING_CREATED = "2022-10-01T00:00:00.000Z"
TLP_MARKING_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

PUBLISHER_NAME = "Call Portal"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


def _namespace() -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL.rstrip("/") + "/stix/")


def _stix_id(kind: str, *parts) -> str:
    return f"{kind}--{uuid.uuid5(_namespace(), ':'.join(str(part) for part in (kind, *parts)))}"


def indicator_id(incident_id: int, indicator_pk: int) -> str:
    return _stix_id("indicator", incident_id, indicator_pk)


def identity_id(incident_id: int, organization_id: int | None) -> str:
    """An organisation's identity in this incident; None: the portal's."""
    return _stix_id("identity", incident_id, "portal" if organization_id is None else organization_id)


def relationship_id(incident_id: int, source_pk: int, target_pk: int) -> str:
    return _stix_id("relationship", incident_id, source_pk, target_pk)


def report_id(incident_id: int) -> str:
    return _stix_id("report", incident_id)


def collection_id(incident_id: int) -> str:
    """The TAXII collection of the incident."""
    return str(uuid.uuid5(_namespace(), f"taxii-collection:{incident_id}"))


def debrief_collection_id() -> str:
    """The TAXII collection of the indicators published with debriefs (TLP:CLEAR)."""
    return str(uuid.uuid5(_namespace(), "taxii-collection:debriefs"))


def published_indicator_id(published_pk: int) -> str:
    return _stix_id("indicator", "debrief", published_pk)


def debrief_publisher_id() -> str:
    return _stix_id("identity", "debriefs")


def timestamp(moment: datetime) -> str:
    """A STIX/TAXII timestamp as stix2 writes `modified`: at least milliseconds, in UTC."""
    return stix2.utils.format_datetime(
        stix2.utils.STIXdatetime(moment, precision="millisecond", precision_constraint="min")
    )


def to_dict(stix_object) -> dict:
    return json.loads(stix_object.serialize())


# --- Building -------------------------------------------------------------------------


def escape(value: str) -> str:
    """A STIX pattern string literal's content: backslash and quote escaped."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def pattern_for(kind: str, value: str) -> str:
    return f"[{PATTERN_PATHS[kind]} = '{escape(value)}']"


def tlp_marking(tlp: str) -> stix2.v21.MarkingDefinition:
    return stix2.v21.MarkingDefinition(
        id=TLP_MARKING_IDS[tlp],
        created=TLP_MARKING_CREATED,
        name=Tlp(tlp).label,
        extensions={TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": str(tlp)}},
    )


def version_of(shared: SharedIncident, moment: datetime) -> datetime:
    return max(moment, shared.since)


def report_version(shared: SharedIncident) -> datetime:
    return version_of(shared, shared.last_shared or shared.created_at)


def publisher_identity(shared: SharedIncident) -> stix2.v21.Identity:
    return stix2.v21.Identity(
        id=identity_id(shared.pk, None),
        name=PUBLISHER_NAME,
        identity_class="system",
        created=shared.created_at,
        modified=shared.since,
        object_marking_refs=[TLP_MARKING_IDS[shared.tlp]],
    )


def sharer_identity(shared: SharedIncident, sharer) -> stix2.v21.Identity:
    return stix2.v21.Identity(
        id=identity_id(shared.pk, sharer.organization_id),
        name=sharer.name,
        identity_class="organization",
        created=sharer.first_shared,
        modified=version_of(shared, sharer.first_shared),
        object_marking_refs=[TLP_MARKING_IDS[shared.tlp]],
    )


class BuiltIndicator(stix2.v21.Indicator):
    """A stix2 Indicator whose pattern pattern_for() wrote, from a row of PATTERN_PATHS and an
    escaped literal: stix2 would parse each pattern again with its ANTLR grammar, four fifths of
    an export's time (measured: 4.5 ms of 5 per indicator). test_stix_export.py parses every row's
    pattern, and runs the OASIS validator, which parses them all, on a whole bundle. The only
    other check stix2.Indicator makes, valid_until after valid_from, has nothing to compare."""

    def _check_object_constraints(self):
        super(stix2.v21.Indicator, self)._check_object_constraints()


def indicator(shared: SharedIncident, row) -> stix2.v21.Indicator:
    """`row`: an Indicator (pk, kind, value, organization_id, created_at)."""
    with translation.override("en"):
        label = str(IndicatorKind(row.kind).label)
    return BuiltIndicator(
        id=indicator_id(shared.pk, row.pk),
        created_by_ref=identity_id(shared.pk, row.organization_id),
        created=row.created_at,
        modified=version_of(shared, row.created_at),
        name=f"{label} shared in incident #{shared.pk}",
        description=f"{label} of content shared by a responder in incident #{shared.pk}: {shared.title}",
        indicator_types=["malicious-activity"],
        pattern=pattern_for(row.kind, row.value),
        pattern_type="stix",
        pattern_version="2.1",
        valid_from=row.created_at,
        object_marking_refs=[TLP_MARKING_IDS[shared.tlp]],
    )


# The published debriefs' collection: the portal's identity there has one version, from the
# portal's first release of the collection, so it never changes whatever is published or withdrawn.
DEBRIEF_PUBLISHER_CREATED = "2026-01-01T00:00:00.000Z"


def debrief_publisher() -> stix2.v21.Identity:
    return stix2.v21.Identity(
        id=debrief_publisher_id(),
        name=PUBLISHER_NAME,
        identity_class="system",
        created=DEBRIEF_PUBLISHER_CREATED,
        modified=DEBRIEF_PUBLISHER_CREATED,
        object_marking_refs=[TLP_MARKING_IDS[Tlp.CLEAR]],
    )


def published_indicator(row) -> stix2.v21.Indicator:
    """`row`: a PublishedIndicator (pk, kind, value, published_at) with its debrief (pk, title)."""
    with translation.override("en"):
        label = str(IndicatorKind(row.kind).label)
    return BuiltIndicator(
        id=published_indicator_id(row.pk),
        created_by_ref=debrief_publisher_id(),
        created=row.published_at,
        modified=row.published_at,
        name=f"{label} published with a debrief",
        # The debrief's address in words: an external reference with a URL wants its hash (validator 302).
        description=f'{label} published at TLP:CLEAR with the debrief "{row.debrief.title}": '
        + settings.SITE_URL.rstrip("/")
        + reverse("incidents:debrief", args=[row.debrief_id]),
        indicator_types=["malicious-activity"],
        pattern=pattern_for(row.kind, row.value),
        pattern_type="stix",
        pattern_version="2.1",
        valid_from=row.published_at,
        object_marking_refs=[TLP_MARKING_IDS[Tlp.CLEAR]],
    )


def report(shared: SharedIncident) -> stix2.v21.Report:
    refs = [identity_id(shared.pk, None)]
    refs += [identity_id(shared.pk, sharer.organization_id) for sharer in shared.sharers]
    refs += [indicator_id(shared.pk, pk) for pk in shared.indicator_pks]
    return stix2.v21.Report(
        id=report_id(shared.pk),
        created_by_ref=identity_id(shared.pk, None),
        created=shared.created_at,
        modified=report_version(shared),
        published=shared.created_at,
        name=f"Incident #{shared.pk}: {shared.title}",
        description=shared.summary or shared.title,
        report_types=["indicator"],
        object_refs=refs,
        object_marking_refs=[TLP_MARKING_IDS[shared.tlp]],
    )


def link_tlp(shared: SharedIncident, link: NearMatchLink) -> str:
    """The stricter of the two incidents' levels."""
    return max(shared.tlp, link.target_tlp, key=TLP_ORDER.index)


def link_version(shared: SharedIncident, link: NearMatchLink) -> datetime:
    """New when either hash was shared, or either incident's marking changed."""
    return max(link.source_created, link.target_created, shared.since, link.target_since)


def relationship(shared: SharedIncident, link: NearMatchLink) -> stix2.v21.Relationship:
    return stix2.v21.Relationship(
        id=relationship_id(shared.pk, link.source_pk, link.target_pk),
        created_by_ref=identity_id(shared.pk, None),
        created=max(link.source_created, link.target_created),
        modified=link_version(shared, link),
        relationship_type="related-to",
        source_ref=indicator_id(shared.pk, link.source_pk),
        target_ref=indicator_id(link.target_incident, link.target_pk),
        description=(
            f"PDQ near-match: Hamming distance {link.distance} of 256 bits "
            f"(a match is at most {settings.PDQ_MATCH_DISTANCE})."
        ),
        object_marking_refs=[TLP_MARKING_IDS[link_tlp(shared, link)]],
    )


def link_markings(shared: SharedIncident, links) -> list[str]:
    """The TLP levels the links carry besides the incident's own, mildest first."""
    levels = {link_tlp(shared, link) for link in links} - {shared.tlp}
    return sorted(levels, key=TLP_ORDER.index)


def bundle(shared: SharedIncident, indicators, links=()) -> stix2.v21.Bundle:
    """The whole incident; `indicators` as selectors.exchange.shared_indicators gives them,
    `links` as selectors.exchange.near_match_links."""
    objects = [tlp_marking(shared.tlp), *(tlp_marking(tlp) for tlp in link_markings(shared, links))]
    objects.append(publisher_identity(shared))
    objects += [sharer_identity(shared, sharer) for sharer in shared.sharers]
    objects += [indicator(shared, row) for row in indicators]
    objects.append(report(shared))
    objects += [relationship(shared, link) for link in links]
    return stix2.v21.Bundle(objects=objects)


# --- Reading --------------------------------------------------------------------------


def _path_key(object_type: str, path) -> tuple:
    """How a pattern names a property, compared leniently: hash names without case or hyphens."""
    return (object_type, *(str(part).lower().replace("-", "") for part in path))


@cache
def _kinds_by_path() -> dict[tuple, str]:
    kinds = {}
    for kind, path in PATTERN_PATHS.items():
        ((object_type, comparisons),) = Pattern(f"[{path} = 'x']").inspect().comparisons.items()
        kinds[_path_key(object_type, comparisons[0][0])] = kind
    return kinds


def _unescape(literal: str) -> str:
    body = literal[1:-1]
    out, chars = [], iter(body)
    for char in chars:
        out.append(next(chars, "") if char == "\\" else char)
    return "".join(out)


class UnsupportedPatternError(ValueError):
    """A pattern the portal cannot hold as one indicator."""


class InvalidPatternError(ValueError):
    """Not STIX pattern syntax."""


@dataclass(frozen=True)
class Candidate:
    kind: str
    value: str


def candidate(pattern) -> Candidate:
    """The one indicator a STIX pattern names: `[<path of a kind> = '<value>']` and nothing else.
    InvalidPatternError for bad syntax, UnsupportedPatternError for anything valid but not that."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise InvalidPatternError(_("The pattern is empty or not text."))
    try:
        inspected = Pattern(pattern).inspect()
    except (ParseException, RecursionError) as error:
        raise InvalidPatternError(_("Not a STIX pattern: %(error)s") % {"error": error}) from None
    comparisons = [(kind, *c) for kind, found in inspected.comparisons.items() for c in found]
    if len(comparisons) != 1 or inspected.observation_ops or inspected.qualifiers:
        raise UnsupportedPatternError(_("Only a pattern that compares one property with one value is read."))
    ((object_type, path, operator, literal),) = comparisons
    kind = _kinds_by_path().get(_path_key(object_type, path))
    if kind is None or operator != "=" or not literal.startswith("'"):
        supported = ", ".join(f"[{path} = '…']" for path in PATTERN_PATHS.values())
        raise UnsupportedPatternError(_("The patterns read are: %(patterns)s.") % {"patterns": supported})
    return Candidate(kind=kind, value=_unescape(literal))
