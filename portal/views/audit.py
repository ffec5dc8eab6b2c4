"""The secretariat's view of the whole audit log."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .. import selectors
from ..decorators import secretariat_required
from .common import paginate


@never_cache  # it names incidents of every TLP level, RED included
@secretariat_required
def audit_log(request):
    page = paginate(request, selectors.list_audit_events_for(request.user), per_page=50)
    return render(request, "portal/audit_log.html", {"page": page})
