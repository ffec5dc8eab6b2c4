"""incident_page: every page whose URL names an incident (`incident_id`) resolves and
authorises it before the view runs, and the view receives `incident` in its place, as the
API's IncidentEndpoint (incidents/api/base.py) does for handlers.

`access="room"`: access_room (the timeline, report, exports and the room's own forms).
`access="incident"`: access_incident, with `write=True` the secretariat's (with two-factor);
a write page also sends a user without two-factor to set it up instead of answering 403
(portal.decorators.two_factor_setup_on_refusal). The answers are those functions': 404 for
an incident the user may not see, 403 for a room they may not enter or a change they may
not make.

It goes innermost, under no_store, login_required and require_POST, so a 405 stays a 405
and an anonymous user is still sent to sign in first. It marks the view with
`incident_access` (copied outwards by functools.wraps), which
tests/incidents/test_endpoints.py looks for on every incident route."""

from functools import wraps

from portal.decorators import two_factor_setup_on_refusal

from ..permissions import access_incident, access_room

ROOM, INCIDENT = "room", "incident"


def incident_page(*, access: str, write: bool = False):
    if access not in (ROOM, INCIDENT) or (write and access == ROOM):
        raise ValueError(f"incident_page(access={access!r}, write={write!r})")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, incident_id, **kwargs):
            if access == ROOM:
                incident = access_room(request.user, incident_id)
            else:
                incident = access_incident(request.user, incident_id, for_write=write)
            return view(request, *args, incident=incident, **kwargs)

        if write:
            wrapped = two_factor_setup_on_refusal(wrapped)
        wrapped.incident_access = (access, write)
        return wrapped

    return decorator
