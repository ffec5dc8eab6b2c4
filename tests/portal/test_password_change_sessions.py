"""Changing or resetting a password ends the account's other sessions (Django's session
auth hash); the session that changed it stays signed in."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-brand-new-passphrase-42"
PAGE = reverse("portal:my_organizations")


def _signed_in(user):
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    assert client.get(PAGE).status_code == 200
    return client


def _is_signed_in(client) -> bool:
    response = client.get(PAGE)
    return response.status_code == 200 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_changing_the_password_signs_out_the_other_sessions():
    user = UserFactory()
    here, elsewhere = _signed_in(user), _signed_in(user)
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    assert elsewhere.get(PAGE)["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_resetting_the_password_signs_out_every_session():
    user = UserFactory()
    signed_in = _signed_in(user)
    resetter = Client()
    resetter.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form = resetter.get(link, follow=True)  # allauth moves the key into the session, then shows the form
    assert form.status_code == 200 and form.redirect_chain
    set_password_url = form.redirect_chain[-1][0]
    response = resetter.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not _is_signed_in(signed_in)
    assert not _is_signed_in(resetter)
