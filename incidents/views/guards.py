"""Turns the permissions' two-factor refusal into what the portal's secretariat pages do
(portal.decorators.secretariat_two_factor): a message and the TOTP set-up page, not a 403."""

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect

from ..permissions import TwoFactorRequired


def two_factor_setup_on_refusal(view):
    """For every incident management page: the check itself is incidents.permissions'
    check_manage_two_factor, reached through access_* for_write or check_manage."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except TwoFactorRequired as refusal:
            messages.warning(request, str(refusal))
            return redirect("mfa_activate_totp")

    return wrapped
