"""View decorators for the registry's pages: who may open a page at all.
Object-level checks stay in permissions.py and run inside the views."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import permissions, two_factor_return


def two_factor_setup_on_refusal(view):
    """A page that raises permissions.TwoFactorRequired (from its own check or from an
    access_* check inside the view) sends the user to set up TOTP, with the refusal's
    message, instead of answering 403; a page opened with GET is where the set-up leads back.
    A user who has set it up but whose session has not passed it is asked for the code instead."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except permissions.TwoFactorRequired as refusal:
            messages.warning(request, str(refusal))
            return redirect(two_factor_return.step_url(request.user, request))

    return wrapped


def secretariat_two_factor(view):
    """A secretariat user without TOTP is sent to set it up before using any page
    that acts with the secretariat's powers. Others pass through unchanged."""

    @two_factor_setup_on_refusal
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        permissions.check_secretariat_two_factor(
            request.user,
            _(
                "Secretariat pages require two-factor authentication. "
                "Set up an authenticator app or a security key to continue."
            ),
        )
        return view(request, *args, **kwargs)

    return wrapped


def secretariat_required(view):
    """Signed in, secretariat, and with two-factor set up."""

    @login_required
    @secretariat_two_factor
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.is_secretariat(request.user):
            raise PermissionDenied(_("Only the secretariat can open this page."))
        return view(request, *args, **kwargs)

    return wrapped


def reviewer_required(view):
    """Signed in as the secretariat (with two-factor) or as an admin of some organisation."""

    @login_required
    @secretariat_two_factor
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.can_review_applications(request.user):
            raise PermissionDenied(_("Only the secretariat and organisation admins review applications."))
        return view(request, *args, **kwargs)

    return wrapped
