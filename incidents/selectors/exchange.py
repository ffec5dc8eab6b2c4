"""The reads behind STIX and TAXII (incidents/exchange/): what an incident shares, in a fixed
number of queries whatever its size. The caller has authorised the incident (access_room, or
permissions.entered_rooms for TAXII); nothing here checks who asks, but near_match_links
compares only with the incidents the viewer's room audience covers (selectors/near_matches.py)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Greatest

from ..models import ChangeKind, Incident, IncidentChange, Indicator, IndicatorKind, PublishedIndicator
from ..permissions import entered_rooms, room_incidents_q
from .near_matches import MAX_QUERIED, near_matches


@dataclass(frozen=True)
class Sharer:
    """An organisation that shared indicators in the incident, and when it first did."""

    organization_id: int
    name: str
    first_shared: datetime


@dataclass(frozen=True)
class SharedIncident:
    """An incident as STIX and TAXII present it.

    `since` is when its current marking began: its declaration, or its latest TLP change. An
    object's version (STIX `modified`) is never older than that, so a TLP change gives every
    object a new version and TAXII clients polling with added_after see the new marking."""

    pk: int
    title: str
    summary: str
    tlp: str
    created_at: datetime
    since: datetime
    last_shared: datetime | None
    sharers: tuple[Sharer, ...]
    indicator_pks: tuple[int, ...]


def shared_incident(incident: Incident) -> SharedIncident:
    """Four queries."""
    tlp_changed = (
        IncidentChange.objects.filter(incident_id=incident.pk, kind=ChangeKind.TLP)
        .aggregate(at=Max("changed_at"))
        .get("at")
    )
    since = max(incident.created_at, tlp_changed) if tlp_changed else incident.created_at
    indicators = Indicator.objects.filter(incident_id=incident.pk)
    sharers = (
        indicators.filter(organization__isnull=False)
        .values("organization_id", "organization__name")
        .annotate(first_shared=Min("created_at"))
        .order_by("organization_id")
    )
    pks = tuple(indicators.order_by("pk").values_list("pk", flat=True))
    return SharedIncident(
        pk=incident.pk,
        title=incident.title,
        summary=incident.summary,
        tlp=incident.tlp,
        created_at=incident.created_at,
        since=since,
        last_shared=indicators.aggregate(at=Max("created_at"))["at"],
        sharers=tuple(
            Sharer(
                organization_id=row["organization_id"], name=row["organization__name"], first_shared=row["first_shared"]
            )
            for row in sharers
        ),
        indicator_pks=pks,
    )


def shared_indicators(shared: SharedIncident) -> QuerySet[Indicator]:
    """The incident's indicators, each with `added`: when its current version was added (its
    own time, or `since` if later), oldest first. The TAXII pages narrow it down in SQL."""
    return (
        Indicator.objects.filter(incident_id=shared.pk)
        .annotate(added=Greatest(F("created_at"), Value(shared.since)))
        .only("pk", "kind", "value", "organization_id", "created_at")
        .order_by("added", "pk")
    )


def indicators_after(qs: QuerySet[Indicator], *, added: datetime, rank: int, own_rank: int, pk: int):
    """Rows whose key (added, own_rank, pk) comes after (added, rank, pk): keyset paging."""
    later = Q(added__gt=added)
    if own_rank > rank:
        later |= Q(added=added)
    elif own_rank == rank:
        later |= Q(added=added, pk__gt=pk)
    return qs.filter(later)


def published_debrief_indicators() -> QuerySet[PublishedIndicator]:
    """The indicators published with the debriefs now public (TLP:CLEAR), with `added` (when
    published), oldest first: the TAXII collection of published debriefs narrows it down in SQL."""
    return (
        PublishedIndicator.objects.filter(debrief__published_at__isnull=False)
        .select_related("debrief")
        .only("pk", "kind", "value", "published_at", "debrief__id", "debrief__title")
        .annotate(added=F("published_at"))
        .order_by("added", "pk")
    )


def collections_for(user) -> QuerySet[Incident]:
    """The incidents whose TAXII collections the user reads: the rooms they enter."""
    return entered_rooms(user).only("pk", "title", "tlp").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class NearMatchLink:
    """A PDQ hash of the incident (source) within the match distance of another (target), in
    an incident the viewer's room audience covers: a STIX relationship (exchange/stix.py)."""

    source_pk: int
    source_created: datetime
    target_pk: int
    target_incident: int
    target_created: datetime
    target_tlp: str
    target_since: datetime  # when the target incident's marking began (SharedIncident.since)
    distance: int


def near_match_links(user, shared: SharedIncident) -> tuple[NearMatchLink, ...]:
    """The near-matches of the incident's latest MAX_QUERIED PDQ hashes, as the room shows them
    (closest first, at most MAX_PER_INDICATOR each); a pair within the incident once. Four
    queries, one when the incident has no PDQ hash."""
    sources = list(
        Indicator.objects.filter(incident_id=shared.pk, kind=IndicatorKind.PDQ)
        .only("pk", "kind", "value", "created_at")
        .order_by("-pk")[:MAX_QUERIED]
    )
    found = near_matches(user, sources)
    if not found:
        return ()
    visible = Incident.objects.filter(room_incidents_q(user)).values("pk")
    target_pks = {match.indicator for matches in found.values() for match in matches}
    targets = {
        row["pk"]: row
        # The audience again: an incident whose TLP changed since the comparison is not shown.
        for row in Indicator.objects.filter(pk__in=target_pks, incident__in=visible).values(
            "pk", "created_at", "incident_id", "incident__tlp", "incident__created_at"
        )
    }
    incidents = {row["incident_id"] for row in targets.values()}
    tlp_changed = dict(
        IncidentChange.objects.filter(incident_id__in=incidents, kind=ChangeKind.TLP)
        .values("incident_id")
        .annotate(at=Max("changed_at"))
        .values_list("incident_id", "at")
    )
    links, seen = [], set()
    for source in sources:
        for match in found.get(source.pk, []):
            target = targets.get(match.indicator)
            pair = frozenset((source.pk, match.indicator))
            if target is None or pair in seen:
                continue  # removed since it was compared, or the same pair from its other end
            seen.add(pair)
            declared = target["incident__created_at"]
            since = max(declared, tlp_changed.get(target["incident_id"], declared))
            links.append(
                NearMatchLink(
                    source_pk=source.pk,
                    source_created=source.created_at,
                    target_pk=match.indicator,
                    target_incident=target["incident_id"],
                    target_created=target["created_at"],
                    target_tlp=target["incident__tlp"],
                    target_since=since,
                    distance=match.distance,
                )
            )
    return tuple(links)
