"""Two-factor in tests: sessions that passed the second factor or skipped it, and the
secretariat's two-factor rule as the incident and registry API tests check it: a secretariat
session without TOTP is refused every write (403, saying what to do) and nothing changes;
once TOTP is set up in that session the same request goes through.

A case is (method, path, body, done): each a function of the test's scene but the method;
`done` tells whether the change happened, and a body of None sends none."""

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.test import RequestFactory
from rest_framework.test import APIClient

from portal import second_factor
from tests.portal.factories import make_totp


def password_only_login(client, user):
    """A session as a sign-in that never asked for the second factor makes (the admin's own
    login form did): signed in, with no record of a second factor."""
    client.force_login(user)
    session = client.session
    session.pop(AUTHENTICATION_METHODS_SESSION_KEY, None)
    session.save()


def record_second_factor(client, user) -> bool:
    """Records in the client's session that it passed the user's second factor (TOTP or a key),
    as allauth's sign-in does. False (nothing recorded) when the user has not set one up."""
    authenticator = Authenticator.objects.filter(user=user, type__in=second_factor.FACTOR_TYPES).first()
    if authenticator is None:
        return False
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()
    return True


def signed_in(user):
    """A user object as a credential that passed the second factor hands it to the checks
    (an in-process websocket scope or a service call standing for a request)."""
    return second_factor.note(user, passed=True)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def call(client, method, path, body):
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


def assert_api_refused_until_totp(secretary, case, scene):
    method, path, body, done = case
    client = APIClient()
    client.force_login(secretary)  # a session, as in the browser
    response = call(client, method, path(scene), body(scene))
    assert response.status_code == 403
    assert "two-factor authentication" in response.json()["detail"]
    assert not done(scene)

    make_totp(secretary)
    assert record_second_factor(client, secretary)  # set up in this session, which proves the code
    response = call(client, method, path(scene), body(scene))
    assert response.status_code in (200, 201, 204), response.content
    assert done(scene)
