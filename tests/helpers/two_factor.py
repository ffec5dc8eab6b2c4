"""The secretariat's two-factor rule, as the incident and registry API tests check it: a
secretariat session without TOTP is refused every write (403, saying what to do) and nothing
changes; once TOTP exists the same request goes through.

A case is (method, path, body, done): each a function of the test's scene but the method;
`done` tells whether the change happened, and a body of None sends none."""

from rest_framework.test import APIClient

from tests.portal.factories import make_totp


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
    response = call(client, method, path(scene), body(scene))
    assert response.status_code in (200, 201, 204), response.content
    assert done(scene)
