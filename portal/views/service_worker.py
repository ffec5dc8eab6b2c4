"""The Web Push service worker at /sw.js: at the site's root so that its scope is the whole
site, served as JavaScript, never cached for long (a browser checks it for updates)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def service_worker(request):
    response = render(request, "portal/sw.js", content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
