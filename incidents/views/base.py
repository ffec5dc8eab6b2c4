"""incident_page: every page whose URL names an incident (`incident_id`) resolves and
authorises it before the view runs, and the view receives `incident` in its place, as the
API's IncidentEndpoint (incidents/api/base.py) does for handlers.

`access="room"`: access_room (the timeline, report, exports and the room's own forms).
`access="incident"`: access_incident, with `write=True` the secretariat's (with two-factor);
a write page also sends a user without two-factor to set it up instead of answering 403
(portal.decorators.two_factor_setup_on_refusal). The answers are those functions': 404 for
an incident the user may not see, 403 for a room they may not enter or a change they may
not make.

`incident_action(access=…, write=…)` is the whole stack for a form post on an incident:
not cached, signed in, POST only, then incident_page.

incident_page goes innermost, under no_store, login_required and require_POST, so a 405 stays a 405
and an anonymous user is still sent to sign in first. It marks the view with
`incident_access` (copied outwards by functools.wraps), which
tests/incidents/test_endpoints.py looks for on every incident route."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from portal.decorators import two_factor_setup_on_refusal

from ..caching import no_store
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


def incident_action(*, access: str, write: bool = False):
    """A form post on an incident: no_store, login_required, require_POST, then incident_page."""

    def decorator(view):
        return no_store(login_required(require_POST(incident_page(access=access, write=write)(view))))

    return decorator
