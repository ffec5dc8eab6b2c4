"""The Django admin behind the site's own sign-in: allauth's login (its throttle and second
factor) instead of the admin's password-only form, and portal.permissions.can_use_admin for
every admin page."""

from allauth.account.decorators import secure_admin_login
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import permissions, two_factor_return


def _login(view):
    secured = secure_admin_login(view)  # anonymous: to allauth's sign-in, carrying `next`

    def login(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not permissions.can_use_admin(user):
            messages.warning(request, _("The admin requires two-factor authentication."))
            next_path = two_factor_return.same_site_path(request.GET.get("next")) or request.path
            return redirect(two_factor_return.step_url(user, next_path=next_path))
        return secured(request, *args, **kwargs)

    return login


def secure(site) -> None:
    """Wires `site` (django.contrib.admin.site) to the rules above."""
    site.has_permission = lambda request: permissions.can_use_admin(request.user)
    site.login = _login(site.login)
