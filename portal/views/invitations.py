"""Accepting an invitation to join an organisation."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import services
from ..forms import messages_of


def invitation_accept(request, token):
    if not request.user.is_authenticated:
        messages.info(
            request,
            _("Sign in, or create an account with the address the invitation was sent to, to accept it."),
        )
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
    try:
        if request.method == "POST":
            membership = services.accept_invitation(user=request.user, token=token)
            messages.success(
                request,
                _("Welcome to %(organization)s. Your role: %(role)s.")
                % {"organization": membership.organization.name, "role": membership.get_roles_display()},
            )
            return redirect("portal:organization_detail", slug=membership.organization.slug)
        invitation = services.get_invitation_from_token(token)
    except ValidationError as error:
        return render(request, "portal/invitation_invalid.html", {"errors": messages_of(error)}, status=400)
    return render(request, "portal/invitation_accept.html", {"invitation": invitation})
