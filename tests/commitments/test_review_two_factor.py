"""The API's review action asks the secretariat for two-factor authentication, as the
secretariat pages do; a browser session must have passed the second factor at sign-in."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory

from commitments.models import ReviewState
from commitments.permissions import check_review_two_factor
from portal.permissions import TwoFactorRequired
from portal.services import create_api_token
from tests.helpers.two_factor import password_only_login
from tests.portal.factories import PASSWORD, SecretariatFactory, UserFactory

from .factories import record

pytestmark = pytest.mark.django_db

REFUSAL = "Reviewing progress requires two-factor authentication. Set up an authenticator app or a security key."


def review_url(update):
    return f"/api/v1/progress-updates/{update.pk}/review/"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


@pytest.fixture
def submitted(reporter, osp1):
    return record(reporter, osp1)


def test_secretariat_without_totp_is_refused_and_nothing_changes(secretary_without_totp, submitted):
    client = APIClient()
    client.force_authenticate(secretary_without_totp)
    response = client.post(review_url(submitted), {"decision": "accept"}, format="json")
    assert response.status_code == 403
    assert response.data["detail"] == REFUSAL
    submitted.refresh_from_db()
    assert submitted.review_state == ReviewState.SUBMITTED


def test_the_refusal_is_portals_two_factor_refusal_with_the_reviews_own_message(secretary_without_totp):
    """The shared mechanism (portal.permissions.TwoFactorRequired), so a page using the check
    would send the user to set up TOTP; the API answers it as the 403 above."""
    request = APIRequestFactory().post("/")
    request.user = secretary_without_totp
    with pytest.raises(TwoFactorRequired) as refusal:
        check_review_two_factor(request)
    assert str(refusal.value) == REFUSAL


def test_token_of_a_secretariat_with_totp_may_review(secretariat, submitted):
    key = create_api_token(user=secretariat, name="review bot")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(review_url(submitted), {"decision": "accept"}, format="json")
    assert response.status_code == 200 and response.data["review_state"] == "accepted"


def test_token_stops_working_for_review_when_totp_is_removed(secretariat, submitted):
    key = create_api_token(user=secretariat, name="review bot")[1]
    secretariat.authenticator_set.all().delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(review_url(submitted), {"decision": "accept"}, format="json").status_code == 403


def test_session_must_have_passed_the_second_factor(client, secretariat, submitted):
    password_only_login(client, secretariat)  # a session with no second factor on record
    response = client.post(review_url(submitted), {"decision": "accept"}, content_type="application/json")
    assert response.status_code == 401  # the session signs nobody in (portal.second_factor)
    assert "second factor" in response.json()["detail"]
    submitted.refresh_from_db()
    assert submitted.review_state == ReviewState.SUBMITTED


def test_session_signed_in_with_totp_may_review(client, submitted, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the code is computed a moment before it is checked
    secretary = SecretariatFactory()
    secret = secretary.totp_secret
    client.post(reverse("account_login"), {"login": secretary.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302 and client.session.get("_auth_user_id") == str(secretary.pk)

    response = client.post(review_url(submitted), {"decision": "accept"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["review_state"] == "accepted"


def test_others_are_still_refused_or_not_found(reporter, submitted):
    client = APIClient()
    client.force_authenticate(reporter)
    assert client.post(review_url(submitted), {"decision": "accept"}, format="json").status_code == 403
    outsider = APIClient()
    outsider.force_authenticate(UserFactory())
    assert outsider.post(review_url(submitted), {"decision": "accept"}, format="json").status_code == 404
