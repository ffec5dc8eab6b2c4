"""Back to where the user was after setting up two-factor authentication. A page that
refuses entry without it (an incident room, the secretariat's tools) links to the TOTP
set-up with `next` (which offers a security key instead, with the same `next`); the set-up
keeps it in the session across allauth's password check and form post, and the
recovery-codes page that follows offers the way back."""

from urllib.parse import urlencode, urlsplit

from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import second_factor

SESSION_KEY = "two_factor_next"

# Pages worth naming in the link; any other same-site page is "where you were".
LABELS = {
    "incidents:detail": gettext_lazy("Back to the incident room"),
    "incidents:declare": gettext_lazy("Back to declaring an incident"),
}


def same_site_path(value) -> str | None:
    """The value when it is a path on this site (never another host or scheme), else None."""
    if not value or not isinstance(value, str) or not value.startswith("/"):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return None
    return value


def setup_url(request=None, next_path: str | None = None, *, key: bool = False) -> str:
    """The TOTP set-up page (with `key`, the security key's), carrying `next_path` (by default
    the current page when it was opened with GET: a form post's address is no page to come back to)."""
    url = reverse("mfa_add_webauthn" if key else "mfa_activate_totp")
    if next_path is None and request is not None and request.method == "GET":
        next_path = request.get_full_path()
    next_path = same_site_path(next_path)
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def step_url(user, request=None, next_path: str | None = None) -> str:
    """Where someone refused for want of the second factor goes: the code prompt when they
    have set one up (this session has not passed it), else the set-up; both lead back to
    `next_path` (by default the current page when it was opened with GET)."""
    if next_path is None and request is not None and request.method == "GET":
        next_path = request.get_full_path()
    if second_factor.owns_second_factor(user):
        return second_factor.verify_url(same_site_path(next_path), user=user)
    return setup_url(next_path=next_path)


def remember(request) -> None:
    """On opening the set-up page: keep its `next`, or forget an old one (a set-up begun
    from the account settings must not offer a way back to an earlier page)."""
    next_path = same_site_path(request.GET.get("next"))
    if next_path:
        request.session[SESSION_KEY] = next_path
    else:
        request.session.pop(SESSION_KEY, None)


def remembered(request) -> str | None:
    """The remembered `next`, left in place: the set-up is under way."""
    return same_site_path(request.session.get(SESSION_KEY))


def take(request) -> str | None:
    """The remembered `next`, once: the set-up is done."""
    return same_site_path(request.session.pop(SESSION_KEY, None))


def back_link(next_path) -> dict | None:
    """{"url", "label"} for a "Back to …" link, or None when there is nowhere safe to go back to."""
    next_path = same_site_path(next_path)
    if not next_path:
        return None
    try:
        view_name = resolve(urlsplit(next_path).path).view_name
    except Resolver404:
        return None
    label = LABELS.get(view_name)
    return {"url": next_path, "label": str(label) if label else _("Back to where you were")}
