"""TAXII 2.1, read side: discovery, one API root, one collection per incident whose room the
caller enters (permissions.entered_rooms; any other collection id is a 404), and each
collection's objects, single objects, versions and manifest (pages.py pages them).

Published debriefs hold no indicators (services/debriefs.py: a debrief is its own redacted
text), so there is no public collection of them."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ..exchange import stix
from ..models import Incident, Tlp
from ..permissions import access_collection
from ..selectors.exchange import collections_for, shared_incident
from . import pages
from .base import TAXII_MEDIA_TYPE, TaxiiEndpoint

TITLE = "Call Portal"


def collection_resource(incident: Incident) -> dict:
    return {
        "id": stix.collection_id(incident.pk),
        "title": f"Incident #{incident.pk}: {incident.title}",
        "description": _("%(tlp)s. The indicators shared in the incident's room, as STIX 2.1.")
        % {"tlp": Tlp(incident.tlp).label},
        "can_read": True,
        "can_write": False,
        "media_types": [stix.STIX_MEDIA_TYPE],
    }


def _envelope(page: pages.Page, item) -> Response:
    if not page.entries:
        return Response({})
    data = {"more": page.more, "objects": [item(entry) for entry in page.entries]}
    if page.more:
        data["next"] = page.next
    headers = {
        "X-TAXII-Date-Added-First": stix.timestamp(page.entries[0].added),
        "X-TAXII-Date-Added-Last": stix.timestamp(page.entries[-1].added),
    }
    return Response(data, headers=headers)


def _stix_object(entry: pages.Entry) -> dict:
    return stix.to_dict(entry.build())


def _manifest_record(entry: pages.Entry) -> dict:
    return {
        "id": entry.id,
        "date_added": stix.timestamp(entry.added),
        "version": stix.timestamp(entry.version),
        "media_type": stix.STIX_MEDIA_TYPE,
    }


class Discovery(TaxiiEndpoint):
    def get(self, request):
        root = request.build_absolute_uri(reverse("taxii:api-root"))
        return Response(
            {
                "title": TITLE,
                "description": _("Indicators of the incidents whose rooms you may enter, as STIX 2.1."),
                "default": root,
                "api_roots": [root],
            }
        )


class ApiRoot(TaxiiEndpoint):
    def get(self, request):
        return Response(
            {
                "title": _("%(title)s incidents") % {"title": TITLE},
                "description": _("One collection per incident whose room you may enter."),
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            }
        )


class Collections(TaxiiEndpoint):
    def get(self, request):
        collections = [collection_resource(incident) for incident in collections_for(request.user)]
        return Response({"collections": collections} if collections else {})


class Collection(TaxiiEndpoint):
    def get(self, request, collection_id):
        return Response(collection_resource(access_collection(request.user, collection_id)))


class Objects(TaxiiEndpoint):
    def get(self, request, collection_id):
        incident = access_collection(request.user, collection_id)
        query = pages.parse_query(request.query_params)
        return _envelope(pages.page_of(shared_incident(incident), query), _stix_object)


class Manifest(TaxiiEndpoint):
    def get(self, request, collection_id):
        incident = access_collection(request.user, collection_id)
        query = pages.parse_query(request.query_params)
        return _envelope(pages.page_of(shared_incident(incident), query), _manifest_record)


class Object(TaxiiEndpoint):
    def get(self, request, collection_id, object_id):
        incident = access_collection(request.user, collection_id)
        query = pages.parse_query(request.query_params, object_id=object_id)
        page = pages.page_of(shared_incident(incident), query)
        if not page.entries and not request.query_params:
            raise NotFound(_("No object %(id)s in this collection.") % {"id": object_id})
        return _envelope(page, _stix_object)


class ObjectVersions(TaxiiEndpoint):
    def get(self, request, collection_id, object_id):
        incident = access_collection(request.user, collection_id)
        query = pages.parse_query({}, object_id=object_id)
        page = pages.page_of(shared_incident(incident), query)
        if not page.entries:
            raise NotFound(_("No object %(id)s in this collection.") % {"id": object_id})
        return Response({"more": False, "versions": [stix.timestamp(entry.version) for entry in page.entries]})
