"""The site's URL conf plus a page that fails: for the error-report test (tests/portal/test_error_reports.py)."""

from django.urls import path

from portal.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("error-report-test: the page failed")


urlpatterns = [path("fail/", fail), *site_urlpatterns]
