"""One mechanism for "set up two-factor first" on pages: a view (or an access check inside it)
raises portal.permissions.TwoFactorRequired, and portal.decorators sends the user to the TOTP
set-up page with the refusal's message. Other apps (incidents) raise the same exception."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from portal.decorators import secretariat_two_factor, two_factor_setup_on_refusal
from portal.permissions import TwoFactorRequired, check_secretariat_two_factor

from .factories import UserFactory, make_totp

pytestmark = pytest.mark.django_db

MESSAGE = "Doing this requires two-factor authentication."


def _request(user, method="post", path="/somewhere/"):
    request = getattr(RequestFactory(), method)(path)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _checking_view(request):
    """Like the incident pages: the check is reached inside the view, through an access_* helper."""
    check_secretariat_two_factor(request.user, MESSAGE)
    return HttpResponse("done")


def test_a_refusal_raised_inside_the_view_sends_the_secretariat_to_set_up_totp():
    secretary = UserFactory(is_secretariat=True)
    request = _request(secretary)
    response = two_factor_setup_on_refusal(_checking_view)(request)
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    assert [str(m) for m in get_messages(request)] == [MESSAGE]

    make_totp(secretary)
    assert two_factor_setup_on_refusal(_checking_view)(_request(secretary)).content == b"done"


def test_a_page_opened_with_get_is_where_the_set_up_leads_back():
    request = _request(UserFactory(is_secretariat=True), "get", "/somewhere/?page=2")
    response = two_factor_setup_on_refusal(_checking_view)(request)
    assert response.url == reverse("mfa_activate_totp") + "?next=%2Fsomewhere%2F%3Fpage%3D2"


def test_other_refusals_are_left_to_answer_403():
    def refusing_view(request):
        raise PermissionDenied("not yours")

    with pytest.raises(PermissionDenied) as refusal:
        two_factor_setup_on_refusal(refusing_view)(_request(UserFactory()))
    assert not isinstance(refusal.value, TwoFactorRequired)


def test_the_refusal_is_a_permission_denied_for_the_api():
    """DRF answers PermissionDenied with 403 and its message: the API needs nothing else."""
    with pytest.raises(PermissionDenied, match=MESSAGE):
        check_secretariat_two_factor(UserFactory(is_secretariat=True), MESSAGE)
    check_secretariat_two_factor(UserFactory(), MESSAGE)  # not the secretariat: passes


def test_secretariat_pages_check_before_the_view_runs():
    ran = []

    def view(request):
        ran.append(request)
        return HttpResponse("done")

    secretary = UserFactory(is_secretariat=True)
    request = _request(secretary)
    response = secretariat_two_factor(view)(request)
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    (message,) = get_messages(request)
    assert "Secretariat pages require two-factor authentication." in str(message)
    assert ran == []

    assert secretariat_two_factor(view)(_request(UserFactory())).content == b"done"  # others pass through
    assert len(ran) == 1
