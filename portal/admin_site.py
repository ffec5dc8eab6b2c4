"""The Django admin behind the site's own sign-in: allauth's login (its throttle and second
factor) instead of the admin's password-only form, and the same two-factor rule as the
secretariat's tools for every admin page (portal.second_factor: this session passed it)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import permissions, second_factor, two_factor_return


def _refused_for_two_factor(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff and not permissions.can_enter_crisis_areas(user)


def _login(view):
    secured = secure_admin_login(view)  # anonymous: to allauth's sign-in, carrying `next`

    def login(request, *args, **kwargs):
        if _refused_for_two_factor(request):
            messages.warning(request, _("The admin requires two-factor authentication."))
            next_path = two_factor_return.same_site_path(request.GET.get("next")) or request.path
            if second_factor.owns_second_factor(request.user):
                return redirect(second_factor.verify_url(next_path))
            return redirect(two_factor_return.setup_url(next_path=next_path))
        return secured(request, *args, **kwargs)

    return login


def secure(site) -> None:
    """Wires `site` (django.contrib.admin.site) to the rules above."""
    has_permission = site.has_permission
    site.has_permission = lambda request: has_permission(request) and not _refused_for_two_factor(request)
    site.login = _login(site.login)
