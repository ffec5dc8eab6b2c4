"""What a machine pulling the portal's feeds (the MISP feed, views in api/misp.py) may read:
the incidents whose room its user may read now, decided as access_room decides for one
incident (the TLP audience, two-factor set up and passed by this credential: an API token
counts as passed), in one query for all of them."""

from django.db.models import Max, QuerySet
from django.http import Http404

from portal.permissions import can_enter_crisis_areas

from .. import misp
from ..models import Incident, Indicator
from ..permissions import room_incidents_q


def readable_rooms(user) -> QuerySet[Incident]:
    if not (user and user.is_authenticated and user.is_active) or not can_enter_crisis_areas(user):
        return Incident.objects.none()
    return Incident.objects.filter(room_incidents_q(user))


def misp_incidents(user) -> list[Incident]:
    return list(readable_rooms(user).annotate(last_indicator_at=Max("indicators__created_at")).order_by("pk"))


def misp_attribute_values(user) -> QuerySet:
    """(incident id, value) of every indicator in those rooms, for hashes.csv."""
    return (
        Indicator.objects.filter(incident__in=readable_rooms(user).values("pk"))
        .order_by("incident_id", "pk")
        .values_list("incident_id", "value")
    )


def misp_event_of(user, event_uuid: str) -> tuple[Incident, list[Indicator]]:
    """The incident behind a feed's event UUID with its indicators; Http404 for one the user
    may not read, as for one that does not exist."""
    ids = readable_rooms(user).values_list("pk", flat=True)
    incident_id = next((pk for pk in ids if misp.event_uuid(pk) == str(event_uuid)), None)
    if incident_id is None:
        raise Http404
    incident = Incident.objects.get(pk=incident_id)
    indicators = list(Indicator.objects.filter(incident=incident).select_related("organization").order_by("pk"))
    return incident, indicators
