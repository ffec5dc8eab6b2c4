"""The MISP feed (docs/indicators.md, "MISP"): manifest.json, hashes.csv and one <uuid>.json
per event, as MISP's feed format has them, for a MISP instance that pulls with a personal
API token in its feed's headers (`Authorization: Token <key>`). Each caller sees the
incidents whose room it may read (selectors/feeds.py); the TLP level of each sets the
event's tag and distribution. Outside the OpenAPI schema: the format is MISP's."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import misp
from ..caching import NoStoreMixin
from ..selectors import feeds


class MispFeedView(NoStoreMixin, APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]


@extend_schema(exclude=True)
class MispManifest(MispFeedView):
    def get(self, request):
        return Response(misp.manifest(feeds.misp_incidents(request.user)))


@extend_schema(exclude=True)
class MispHashes(MispFeedView):
    def get(self, request):
        body = misp.hashes_csv(feeds.misp_attribute_values(request.user))
        return HttpResponse(body, content_type="text/csv; charset=utf-8")


@extend_schema(exclude=True)
class MispEvent(MispFeedView):
    def get(self, request, event_uuid):
        incident, indicators = feeds.misp_event_of(request.user, event_uuid)
        return Response(misp.event(incident, indicators))
