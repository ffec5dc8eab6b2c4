"""The frame of every TAXII 2.1 endpoint, after the OASIS reference server (medallion):

- API token only (`Authorization: Token …`): 401 without one or with a bad one, before anything;
- then the `Accept` header must name application/taxii+json (version 2.1 if it says one): 406;
- a POST's `Content-Type` the same, once the collection is found: 415;
- answers in application/taxii+json;version=2.1, errors as the spec's error resource
  (`title`, `description`, `http_status`), never kept by a cache (incidents/caching.py).

A collection the caller may not see is a 404 like one that does not exist (views.py), never a 403.
TAXII is described by its own specification, so these views stay out of the OpenAPI schema."""

import http
import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotAcceptable, UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from portal.api.parsers import JSONParser
from portal.authentication import ApiTokenAuthentication

from ..caching import NoStoreMixin

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
TAXII_VERSION = "2.1"
_TAXII_TYPE = re.compile(r"^application/taxii\+json(;version=(\d\.\d))?$")


class TaxiiRenderer(JSONRenderer):
    media_type = TAXII_MEDIA_TYPE
    format = "taxii"


class TaxiiParser(JSONParser):
    media_type = "application/taxii+json"


class AnswerInTaxii(DefaultContentNegotiation):
    """Always the TAXII renderer; the Accept header is checked after authentication (TaxiiEndpoint)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def names_taxii_21(header: str) -> bool:
    """Whether a header lists application/taxii+json, without a version or with 2.1, as medallion reads it."""
    for item in header.replace(" ", "").split(","):
        found = _TAXII_TYPE.match(item)
        if found:
            return found.group(2) in (None, TAXII_VERSION)
    return False


def error_resource(status: int, detail) -> dict:
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            parts.append(text if key == "detail" else f"{key}: {text}")
        description = " ".join(parts)
    elif isinstance(detail, list):
        description = " ".join(str(v) for v in detail)
    else:
        description = str(detail)
    return {"title": http.HTTPStatus(status).phrase, "description": description, "http_status": str(status)}


@extend_schema(exclude=True)
class TaxiiEndpoint(NoStoreMixin, APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [TaxiiRenderer]
    parser_classes = [TaxiiParser]
    content_negotiation_class = AnswerInTaxii

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: 401 before 406
        if not names_taxii_21(request.headers.get("Accept", "")):
            raise NotAcceptable(_("Ask for %(type)s in the Accept header.") % {"type": TAXII_MEDIA_TYPE})

    @staticmethod
    def require_taxii_body(request) -> None:
        """415 unless the body is TAXII; a handler asks once it has found the collection (404 first)."""
        if not names_taxii_21(request.headers.get("Content-Type", "")):
            raise UnsupportedMediaType(
                request.content_type, _("Send %(type)s as the Content-Type.") % {"type": TAXII_MEDIA_TYPE}
            )

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        response.data = error_resource(response.status_code, response.data)
        return response
