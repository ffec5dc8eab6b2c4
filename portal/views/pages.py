"""The home page, the dashboard and the language switcher."""

from contextlib import suppress

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .. import selectors, services
from ..models import OrganizationKind, Standing
from .charts import kind_bars


def home(request):
    counts = selectors.directory_counts(standing=Standing.SUPPORTER)
    return render(
        request,
        "portal/home.html",
        {"bars": kind_bars(counts), "total": sum(counts.values()), "kinds": OrganizationKind},
    )


@login_required
def dashboard(request):
    return redirect("portal:my_organizations")


@require_POST
def set_language(request):
    """Saves a signed-in user's choice (their saved language outranks the cookie), then does what
    Django's set_language does: set the cookie and go back to `next`."""
    if request.user.is_authenticated:
        # An unknown language changes nothing; Django's view ignores it too.
        with suppress(ValidationError):
            services.set_user_language(user=request.user, language=request.POST.get("language", ""))
    return django_set_language(request)
