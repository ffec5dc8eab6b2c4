"""Who may enter a room, checked for the connections entering it together in one process.

A room that reconnects after a restart is hundreds of handshakes at once. Checked one by one,
each took a trip to the thread pool and two queries, and the joins queued behind each other
in the pool. Now those that arrive while a check runs are checked together in the next one,
in the same two queries (permissions.room_entries; portal.ws.batch).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.ws.batch import Batched

from .models import Incident
from .permissions import access_incident, holds_room_credential, room_audience

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def room_entries(users: list, incident_id) -> tuple[Incident | None, list[Exception | None]]:
    """permissions.access_room for many users in two queries: the incident and, per user, None or
    the error access_room raises (each refusal adds access_incident's query: 4404 or 4403). Its
    answers are held to the TLP matrix by tests/incidents/test_tlp_matrix.py, through the room."""
    try:
        incident = Incident.objects.filter(pk=incident_id).first()
    except (ValueError, TypeError):
        incident = None
    able = [holds_room_credential(user) for user in users]
    ids = [user.pk for user, ok in zip(users, able, strict=True) if ok]
    allowed = room_audience(incident, ids) if incident is not None and ids else set()
    pairs = zip(users, able, strict=True)
    return incident, [None if ok and user.pk in allowed else _refusal(user, incident_id) for user, ok in pairs]


def _refusal(user, incident_id) -> Exception:
    try:
        access_incident(user, incident_id)  # Http404 for an incident the user may not see at all
    except Http404 as not_found:
        return not_found
    return PermissionDenied()


def _close_code(refusal: Exception | None) -> int | None:
    if refusal is None:
        return None
    if isinstance(refusal, Http404):
        return CLOSE_NOT_FOUND
    assert isinstance(refusal, PermissionDenied), refusal
    return CLOSE_FORBIDDEN


def enter_together(incident_id: int, users: list) -> list[tuple[Incident | None, int | None]]:
    """(incident, None) for each user who may enter the room, else (incident or None, close code)."""
    incident, refusals = room_entries(users, incident_id)
    return [(incident, _close_code(refusal)) for refusal in refusals]


_entries = Batched(enter_together)


async def enter(user, incident_id: int):
    """(incident, None) if the user may enter the room, else (None, close code)."""
    incident, code = await _entries(incident_id, user)
    return (None, code) if code else (incident, None)
