"""Personal API tokens: create (the key is shown once), list, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services, two_factor_return
from ..forms import ApiTokenForm, add_service_errors


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created = key = None
    if request.method == "POST" and form.is_valid():
        try:
            created, key = services.create_api_token(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            form = ApiTokenForm()
    return render(
        request,
        "portal/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.list_api_tokens_of(request.user),
            "created": created,
            "key": key,
            "needs_two_factor": not permissions.can_create_api_token(request.user),
            # The set-up leads back here (a form post's address is no page to come back to).
            "totp_url": two_factor_return.setup_url(next_path=reverse("portal:api_tokens")),
        },
    )


@login_required
@require_POST
def revoke_api_token(request, token_id):
    token = get_object_or_404(selectors.list_api_tokens_of(request.user).select_related("user"), pk=token_id)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("portal:api_tokens")
