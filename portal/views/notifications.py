"""Notification settings, the digest preview and the signed unsubscribe link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..forms import add_service_errors
from ..notifications import digests, preferences
from ..notifications import render as digest_render
from ..notifications.forms import DigestPreferenceForm
from ..notifications.models import DigestFrequency
from ..notifications.tokens import user_from_unsubscribe_token


@login_required
def notification_settings(request):
    current = preferences.preference_for(request.user)
    if request.method == "POST":
        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            try:
                preferences.update_digest_preference(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("portal:notification_settings")
    else:
        form = DigestPreferenceForm(
            initial={
                "frequency": current.frequency,
                "scope": current.scope,
                "commitment_codes": current.commitment_codes,
                "language": request.user.language or translation.get_language(),
            }
        )
    return render(request, "portal/notifications/settings.html", {"form": form, "preference": current})


@login_required
def digest_preview(request):
    digest = digests.preview_digest(request.user)
    context = digest_render.digest_context(digest)
    off = preferences.preference_for(request.user).frequency == DigestFrequency.OFF
    return render(request, "portal/notifications/preview.html", {**context, "digests_off": off})


# Mail clients post the one-click unsubscribe (RFC 8058) without cookies or a CSRF token;
# the signed token in the URL is what authorises it. No other view is exempt.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    user = user_from_unsubscribe_token(token)
    if user is None:
        return render(request, "portal/notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        preferences.unsubscribe_from_digests(user=user)
        return render(request, "portal/notifications/unsubscribe_done.html", {"email": user.email})
    return render(request, "portal/notifications/unsubscribe_confirm.html", {"email": user.email, "token": token})
