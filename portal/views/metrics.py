"""The Prometheus metrics page, for the monitoring system's bearer token alone."""

from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_LATEST

from ..metrics.exposition import render
from ..permissions import can_read_metrics


@csrf_exempt  # it writes nothing; a POST gets the same 404 as a GET without the token
@never_cache
def metrics(request):
    # Without the token the page does not exist: the same 404 as any unknown address,
    # whatever the method, so a probe learns nothing.
    if not can_read_metrics(request.headers.get("Authorization", "")):
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
