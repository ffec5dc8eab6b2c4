"""Contact checks: the signed confirmation link (no sign-in) and the secretariat's list of
stale contacts. Organisation admins see theirs on the members page."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..contacts.selectors import contact_card
from ..decorators import secretariat_required
from ..notifications import contact_checks
from .common import paginate


# The signed token authorises; a GET only shows the question, since mail scanners open links.
@require_http_methods(["GET", "POST"])
def contact_confirm(request, token):
    membership = contact_checks.membership_from_token(token)
    if membership is None:
        return render(request, "portal/contacts/invalid.html", status=400)
    context = {
        "membership": membership,
        "organization": membership.organization,
        "token": token,
        "days": contact_checks.check_days(),
        "card": contact_card(membership.user),
    }
    if request.method == "POST":
        contact_checks.confirm_contact(membership=membership)
        return render(request, "portal/contacts/confirmed.html", context)
    return render(request, "portal/contacts/confirm.html", context)


@secretariat_required
def stale_contacts(request):
    page = paginate(request, contact_checks.list_stale_contacts())
    return render(request, "portal/contacts/stale.html", {"page": page, "days": contact_checks.check_days()})
