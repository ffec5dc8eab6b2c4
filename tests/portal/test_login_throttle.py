"""Repeated failed logins are throttled, per account, before a password can be guessed."""

import pytest

from .factories import PASSWORD, UserFactory

TOO_MANY = "Too many failed login attempts"


@pytest.mark.django_db
def test_failed_logins_are_throttled_then_even_the_right_password_waits(client):
    user = UserFactory()
    for attempt in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{attempt}"})
        assert TOO_MANY not in response.content.decode()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_few_mistakes_do_not_lock_the_account(client):
    user = UserFactory()
    for attempt in range(3):
        client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{attempt}"})
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
