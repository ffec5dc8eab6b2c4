"""The acknowledge link from an alert email. The signed token is the responder's
credential, so it works signed in or not: GET shows a confirm page (mail scanners
that follow links acknowledge nothing), POST records the acknowledgement. The token is
re-checked on each use (alert_emails.read_acknowledge_token): a responder no longer in the
incident's audience gets the invalid link's answer, which names nothing. At AMBER+STRICT
and RED the page shows the incident's number only, as the email does."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .. import alert_emails, selectors, services
from ..caching import no_store
from ..permissions import shares_content


@no_store
@require_http_methods(["GET", "POST"])
def acknowledge(request, token):
    claim = alert_emails.read_acknowledge_token(token)
    if claim is None:
        return render(request, "incidents/acknowledge.html", {"invalid": True}, status=400)
    recorded = False
    if request.method == "POST":
        recorded = services.acknowledge_alert(incident=claim.incident, organization=claim.organization, user=claim.user)
    context = {
        "claim": claim,
        "withheld": not shares_content(claim.incident),
        "posted": request.method == "POST",
        "recorded": recorded,
        "acknowledgement": selectors.current_acknowledgement(incident=claim.incident, organization=claim.organization),
    }
    return render(request, "incidents/acknowledge.html", context)
