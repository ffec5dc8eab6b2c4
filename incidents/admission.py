"""Who may enter a room, checked for the connections entering it together in one process.

A room that reconnects after a restart is hundreds of handshakes at once. Checked one by one,
each took a trip to the thread pool and two queries, and the joins queued behind each other
in the pool. Now those that arrive while a check runs are checked together in the next one,
in the same two queries (permissions.room_entries; portal.ws.batch).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.ws.batch import Batched

from .permissions import room_entries

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _close_code(refusal: Exception | None) -> int | None:
    if refusal is None:
        return None
    if isinstance(refusal, Http404):
        return CLOSE_NOT_FOUND
    assert isinstance(refusal, PermissionDenied), refusal
    return CLOSE_FORBIDDEN


def _enter_together(incident_id: int, users: list) -> list:
    incident, refusals = room_entries(users, incident_id)
    return [(incident, _close_code(refusal)) for refusal in refusals]


_entries = Batched(_enter_together)


async def enter(user, incident_id: int):
    """(incident, None) if the user may enter the room, else (None, close code)."""
    incident, code = await _entries(incident_id, user)
    return (None, code) if code else (incident, None)
