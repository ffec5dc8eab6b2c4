"""The base of every incident API view whose URL names an incident (`incident_id`): the
incident is resolved and authorised before any handler runs, as Sentry's monitor endpoints
do, so a handler cannot forget to and works on `self.incident`.

`access = "room"` (the room's items, indicators, actions and exports): access_room, the same
for every method, since reading and posting in a room are both the room's audience's.
`access = "incident"`: access_incident, for writing on any method but GET and HEAD (the
secretariat, with two-factor). The answers are those functions': 404 for an incident the
caller may not see, 403 for a room they may not enter or a change they may not make.

It runs in initial(), after DRF's authentication, permission and throttle checks, and only
for a method the view answers: an unsupported method stays a 405 and OPTIONS stays DRF's
metadata. tests/incidents/test_endpoints.py walks the URL conf so that every incident route
uses this."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from ..caching import NoStoreMixin
from ..models import Incident
from ..permissions import access_incident, access_room

ROOM, INCIDENT = "room", "incident"


class IncidentEndpoint(NoStoreMixin, APIView):
    access = INCIDENT
    incident: Incident

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.access not in (ROOM, INCIDENT):
            raise TypeError(f"{cls.__name__}.access must be {ROOM!r} or {INCIDENT!r}, not {cls.access!r}")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        if method != "options" and method in self.http_method_names and hasattr(self, method):
            self.incident = self.resolve_incident(request, kwargs["incident_id"])

    def resolve_incident(self, request, incident_id) -> Incident:
        if self.access == ROOM:
            return access_room(request.user, incident_id)
        return access_incident(request.user, incident_id, for_write=request.method not in SAFE_METHODS)
