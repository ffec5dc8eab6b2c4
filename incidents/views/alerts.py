"""The acknowledge link from an alert email. The signed token is the responder's
credential, so it works signed in or not: GET shows a confirm page (mail scanners
that follow links acknowledge nothing), POST records the acknowledgement."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .. import alerts
from ..caching import no_store


@no_store
@require_http_methods(["GET", "POST"])
def acknowledge(request, token):
    claim = alerts.read_acknowledge_token(token)
    if claim is None:
        return render(request, "incidents/acknowledge.html", {"invalid": True}, status=400)
    recorded = False
    if request.method == "POST":
        recorded = alerts.acknowledge_alert(incident=claim.incident, organization=claim.organization, user=claim.user)
    context = {
        "claim": claim,
        "posted": request.method == "POST",
        "recorded": recorded,
        "acknowledgement": alerts.current_acknowledgement(incident=claim.incident, organization=claim.organization),
    }
    return render(request, "incidents/acknowledge.html", context)
