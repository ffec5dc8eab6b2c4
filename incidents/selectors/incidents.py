"""Reads of incidents and their rooms, already scoped to the user (see permissions.py)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.models import PARTICIPATING_STANDINGS, Membership, Organization, User

from ..models import (
    ActionItem,
    ActivationRequest,
    Debrief,
    Incident,
    IncidentChange,
    IncidentOrganization,
    IncidentRecipient,
    Indicator,
    IndicatorPlatformStatus,
    PublishedIndicator,
    RoomItem,
    RoomPresence,
    Status,
)
from ..permissions import visible_incidents_q, visible_requests_q

PRESENCE_FRESH_SECONDS = 90


def list_incidents_for(user) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(visible_incidents_q(user))
        .select_related("commander")
        .prefetch_related(
            Prefetch(
                "invitations",
                queryset=IncidentOrganization.objects.select_related("organization").order_by("organization__name"),
            )
        )
    )


def incident_detail_for(user, incident_id: int) -> Incident:
    """One incident the user may see, with what its detail shows (the named individuals too)."""
    return (
        list_incidents_for(user)
        .prefetch_related(
            Prefetch(
                "named_recipients",
                queryset=IncidentRecipient.objects.select_related("user").order_by("user__full_name", "user_id"),
            )
        )
        .get(pk=incident_id)
    )


def room_items(incident: Incident, *, after: int | None = None, before: int | None = None) -> QuerySet[RoomItem]:
    qs = RoomItem.objects.filter(incident=incident).select_related("author", "organization")
    if after is not None:
        qs = qs.filter(seq__gt=after)
    if before is not None:
        qs = qs.filter(seq__lt=before)
    return qs.order_by("seq")


@dataclass(frozen=True)
class ItemPage:
    items: list[RoomItem]
    has_more: bool


def room_items_page(incident: Incident, *, after: int | None, before: int | None, limit: int) -> ItemPage:
    """A page of the room's history in seq order, in one query: after N (oldest first), or the
    `limit` items before N (or the latest) when no `after` is given. One extra row tells whether
    there is more in the direction of travel."""
    items = room_items(incident, after=after, before=before)
    if after is None:  # from the end backwards
        rows = list(items.order_by("-seq")[: limit + 1])
        return ItemPage(items=rows[:limit][::-1], has_more=len(rows) > limit)
    rows = list(items[: limit + 1])
    return ItemPage(items=rows[:limit], has_more=len(rows) > limit)


def items_between(incident_id: int, *, after: int, upto: int | None = None, limit: int = 500) -> list[RoomItem]:
    qs = RoomItem.objects.filter(incident_id=incident_id, seq__gt=after).select_related("author", "organization")
    if upto is not None:
        qs = qs.filter(seq__lte=upto)
    return list(qs.order_by("seq")[:limit])


def last_seq(incident_id: int) -> int:
    return Incident.objects.filter(pk=incident_id).values_list("last_seq", flat=True).first() or 0


def incident_indicators(incident: Incident) -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(incident=incident)
        .select_related("added_by", "organization")
        .prefetch_related(
            Prefetch("platform_statuses", queryset=IndicatorPlatformStatus.objects.select_related("organization"))
        )
    )


def incident_actions(incident: Incident) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(incident=incident).select_related("assigned_organization", "completed_by", "owner")


def present_users(incident_id: int) -> list[dict]:
    """Who has a live connection to the room (one entry per user), each with the organisation
    they speak for in it (as acting_organization chooses) and their time zone ("" when unset),
    in two queries whatever the number."""
    fresh_since = timezone.now() - timedelta(seconds=PRESENCE_FRESH_SECONDS)
    # Plain values, not model instances: a room of a thousand reconnecting reads this list every
    # PRESENCE_INTERVAL_SECONDS while the handshakes wait for the same process (docs/performance.md).
    rows = (
        RoomPresence.objects.filter(incident_id=incident_id, last_seen__gte=fresh_since)
        .order_by("user__full_name", "user__email")
        .values_list("user_id", "user__full_name", "user__responder_contact__time_zone")
    )
    users = {}
    for user_id, full_name, time_zone in rows:
        if user_id not in users:
            users[user_id] = {
                "id": user_id,
                "name": User.display_name_of(user_id, full_name),
                "organization": None,
                "time_zone": time_zone or "",  # None: no contact details
            }
    if users:
        memberships = (
            Membership.objects.filter(user_id__in=list(users), organization__standing__in=PARTICIPATING_STANDINGS)
            .annotate(
                invited=Exists(
                    IncidentOrganization.objects.filter(
                        incident_id=incident_id, organization_id=OuterRef("organization_id")
                    )
                )
            )
            .order_by("user_id", "-invited", "organization__name")
            .values_list("user_id", "organization__name")
        )
        for user_id, name in memberships:
            if users[user_id]["organization"] is None:
                users[user_id]["organization"] = name
    return list(users.values())


def incident_changes(incident: Incident) -> QuerySet[IncidentChange]:
    return IncidentChange.objects.filter(incident=incident).select_related("actor", "user")


def incident_statistics(user) -> dict:
    """Counts of the real incidents the user may see. Exercises are left out of every figure."""
    real = Incident.objects.filter(visible_incidents_q(user), is_exercise=False)
    by_status = dict(real.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_tier = dict(real.values_list("tier").annotate(n=Count("pk")).values_list("tier", "n"))
    return {
        "total": sum(by_status.values()),
        "open": sum(n for status, n in by_status.items() if status != Status.CLOSED),
        "by_status": by_status,
        "by_tier": by_tier,
    }


def list_activation_requests_for(user) -> QuerySet[ActivationRequest]:
    return ActivationRequest.objects.filter(visible_requests_q(user)).select_related(
        "organization", "requested_by", "decided_by", "incident"
    )


def pending_activation_count(user) -> int:
    return ActivationRequest.objects.filter(visible_requests_q(user), status="pending").count()


def published_debriefs() -> QuerySet[Debrief]:
    """Public: only each debrief's own fields and published indicators are read, never its incident's."""
    return (
        Debrief.objects.filter(published_at__isnull=False)
        .only("id", "title", "summary", "published_at", "is_exercise")
        .prefetch_related(
            Prefetch("published_indicators", queryset=PublishedIndicator.objects.only("debrief_id", "kind", "value"))
        )
    )


def publishable_indicators(incident: Incident) -> QuerySet[Indicator]:
    """The incident's indicators the secretariat may choose to publish with its debrief."""
    return Indicator.objects.filter(incident=incident).only("pk", "kind", "value").order_by("pk")


def debrief_of(incident: Incident) -> Debrief | None:
    return Debrief.objects.filter(incident=incident).first()


def removal_items_q() -> Q:
    return Q(kind="indicator", data__status="removed", data__platform__isnull=False)


def acting_organization(user, incident: Incident) -> Organization | None:
    """The organisation a user speaks for in this room: an invited one first."""
    if not (user and user.is_authenticated):
        return None
    membership = (
        Membership.objects.filter(user=user, organization__standing__in=PARTICIPATING_STANDINGS)
        .annotate(
            invited=Exists(
                IncidentOrganization.objects.filter(
                    incident_id=incident.pk, organization_id=OuterRef("organization_id")
                )
            )
        )
        .select_related("organization")
        .order_by("-invited", "organization__name")
        .first()
    )
    return membership.organization if membership else None
