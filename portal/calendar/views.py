"""The calendar page under the account pages (create, replace, revoke the secret URL) and the
feed itself, which the URL's key alone opens: an unknown or revoked key is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..notifications import conf
from . import services
from .feed import render_calendar
from .registry import entries_for


@login_required
def calendar_page(request):
    url = None
    if request.method == "POST":
        try:
            _feed, key = services.create_calendar_feed(user=request.user)
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            url = conf.site_url() + reverse("portal:calendar_feed", args=[key])
    return render(
        request,
        "portal/calendar.html",
        {
            "feed": services.active_feed(request.user),
            "url": url,
            "needs_two_factor": not permissions.can_create_api_token(request.user),
        },
    )


@login_required
@require_POST
def revoke_calendar(request):
    if services.revoke_calendar_feed(actor=request.user):
        messages.success(request, _("Your calendar link is revoked: calendars that use it get nothing more."))
    return redirect("portal:calendar")


@require_GET
def calendar_feed(request, key):
    user = services.user_for_key(key)
    if user is None:
        raise Http404
    body = render_calendar(entries_for(user), name=_("Call Portal: %(name)s") % {"name": user.display_name})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="callportal.ics"'
    return response
