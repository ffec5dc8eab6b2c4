"""The user's profile: the name, pronouns and job title other people see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
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
