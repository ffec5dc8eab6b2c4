"""The user's profile: the name, pronouns and job title other people see."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .. import personal_data, services
from ..forms import ProfileForm, add_service_errors
from ..services.accounts import PROFILE_FIELDS


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(user=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("portal:profile")
    else:
        form = ProfileForm(initial={field: getattr(user, field) for field in PROFILE_FIELDS})
    return render(request, "portal/profile.html", {"form": form})


@never_cache
@login_required
def personal_data_download(request):
    """Everything the portal holds about the signed-in person, as JSON (portal.personal_data)."""
    body = json.dumps(personal_data.collect(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-call-portal-data.json"'
    return response


@login_required
def delete_account(request):
    """Deleting one's own account, after typing one's email address; then signed out."""
    errors = []
    if request.method == "POST":
        try:
            services.delete_account(user=request.user, confirm_email=request.POST.get("confirm_email", ""))
        except ValidationError as error:
            errors = error.messages
        else:
            logout(request)
            messages.success(request, _("Your account is deleted."))
            return redirect("portal:home")
    return render(request, "portal/delete_account.html", {"errors": errors}, status=400 if errors else 200)
