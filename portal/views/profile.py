"""The user's profile: the name, pronouns and job title other people see."""

import json

from django.contrib import messages
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
