"""TAXII 2.1: discovery, one API root, one collection per incident whose room the caller
enters (permissions.entered_rooms; any other collection id is a 404), each collection's
objects, single objects, versions and manifest (pages.py pages them). Adding objects is for
those who may share indicators in the room (can_write): each indicator goes through the same
service as the STIX import, and the answer is a status resource (statuses.py).

Besides, one collection for everyone with a token: the indicators published with the public
debriefs, at TLP:CLEAR, read-only (debriefs.py)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status as http_status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.response import Response

from .. import services
from ..exchange import stix
from ..models import Incident, Tlp
from ..permissions import access_collection, can_post_in_room, rooms_posted_in
from ..selectors.exchange import collections_for, near_match_links, shared_incident
from . import debriefs, pages, statuses
from .base import TAXII_MEDIA_TYPE, TaxiiEndpoint


class TooLarge(APIException):
    status_code = http_status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is larger than the API root's max_content_length.")


TITLE = "Call Portal"


def collection_resource(incident: Incident, *, can_write: bool) -> dict:
    return {
        "id": stix.collection_id(incident.pk),
        "title": f"Incident #{incident.pk}: {incident.title}",
        "description": _("%(tlp)s. The indicators shared in the incident's room, as STIX 2.1.")
        % {"tlp": Tlp(incident.tlp).label},
        "can_read": True,
        "can_write": can_write,
        "media_types": [stix.STIX_MEDIA_TYPE],
    }


def _page(user, incident: Incident, query: pages.Query) -> pages.Page:
    """The collection's page for this caller: the near-matches are those they may see."""
    shared = shared_incident(incident)
    links = near_match_links(user, shared) if pages.wants_links(query) else ()
    return pages.page_of(shared, query, links)


def _collection_page(user, collection_id: str, params, *, object_id: str | None = None) -> pages.Page:
    """The collection is resolved (a 404 for one the caller may not see) before the query is read."""
    if debriefs.is_debrief_collection(collection_id):
        return debriefs.page_of(pages.parse_query(params, object_id=object_id))
    incident = access_collection(user, collection_id)
    return _page(user, incident, pages.parse_query(params, object_id=object_id))


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
        writable = set(rooms_posted_in(request.user).values_list("pk", flat=True))
        collections = [
            collection_resource(incident, can_write=incident.pk in writable)
            for incident in collections_for(request.user)
        ]
        collections.append(debriefs.collection_resource())
        return Response({"collections": collections})


class Collection(TaxiiEndpoint):
    def get(self, request, collection_id):
        if debriefs.is_debrief_collection(collection_id):
            return Response(debriefs.collection_resource())
        incident = access_collection(request.user, collection_id)
        return Response(collection_resource(incident, can_write=can_post_in_room(request.user, incident)))


class Objects(TaxiiEndpoint):
    def get(self, request, collection_id):
        return _envelope(_collection_page(request.user, collection_id, request.query_params), _stix_object)

    def post(self, request, collection_id):
        """An envelope's indicators added as the STIX import adds them: 415 for a body that is not
        TAXII, 413 above max_content_length, 403 for a collection the caller reads but may not
        write, 400 for a body that is not an envelope; otherwise 202 with the (complete) status."""
        requested_at = timezone.now()
        if debriefs.is_debrief_collection(collection_id):
            raise PermissionDenied(_("The collection of published debriefs is read-only."))
        incident = access_collection(request.user, collection_id)
        self.require_taxii_body(request)
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise TooLarge
        results = services.import_stix_bundle(actor=request.user, incident=incident, bundle=request.data, envelope=True)
        status = statuses.record_status(user=request.user, results=results, requested_at=requested_at)
        return Response(status, status=http_status.HTTP_202_ACCEPTED)


class Status(TaxiiEndpoint):
    def get(self, request, status_id):
        status = statuses.status_for(request.user, status_id)
        if status is None:
            raise NotFound(_("No status %(id)s.") % {"id": status_id})
        return Response(status)


class Manifest(TaxiiEndpoint):
    def get(self, request, collection_id):
        return _envelope(_collection_page(request.user, collection_id, request.query_params), _manifest_record)


class Object(TaxiiEndpoint):
    def get(self, request, collection_id, object_id):
        page = _collection_page(request.user, collection_id, request.query_params, object_id=object_id)
        if not page.entries and not request.query_params:
            raise NotFound(_("No object %(id)s in this collection.") % {"id": object_id})
        return _envelope(page, _stix_object)


class ObjectVersions(TaxiiEndpoint):
    def get(self, request, collection_id, object_id):
        page = _collection_page(request.user, collection_id, {}, object_id=object_id)
        if not page.entries:
            raise NotFound(_("No object %(id)s in this collection.") % {"id": object_id})
        return Response({"more": False, "versions": [stix.timestamp(entry.version) for entry in page.entries]})
