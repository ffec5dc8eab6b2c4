"""The site's URLs plus one minimal Django view: the baseline of bench/load.py, served by
the same server processes, through the same middleware, as the pages it is compared with."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as site_urlpatterns


def minimal(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *site_urlpatterns]
