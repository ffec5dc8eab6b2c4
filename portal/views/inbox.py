"""The notification centre: the list of one's own notifications, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import permissions
from ..notifications import inbox, inbox_queries, push_keys
from .common import paginate, safe_next

PER_PAGE = 30


@never_cache  # it names incidents, whatever their TLP
@login_required
def notification_list(request):
    page = paginate(request, inbox_queries.list_notifications_of(request.user), per_page=PER_PAGE)
    return render(request, "portal/inbox.html", {"page": page, "push_key": push_keys.public_key()})


@login_required
@require_POST
def mark_notification_read(request, notification_id):
    notification = permissions.access_notification(request.user, notification_id)
    inbox.mark_read(user=request.user, notification_id=notification.pk)
    return redirect(safe_next(request, reverse("portal:notification_list")))


@login_required
@require_POST
def mark_all_notifications_read(request):
    inbox.mark_all_read(user=request.user)
    return redirect(safe_next(request, reverse("portal:notification_list")))
