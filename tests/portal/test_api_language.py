"""An API token's request speaks its user's saved language, as a signed-in session does; without
one, the request's Accept-Language decides."""

import pytest
from rest_framework.test import APIClient

from portal import services

from .factories import UserFactory

pytestmark = pytest.mark.django_db

MISSING = "/api/v1/organizations/999999/"


def call_as(language: str, accept: str):
    user = UserFactory(language=language)
    _token, key = services.create_api_token(user=user, name="t")
    return APIClient().get(MISSING, HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=accept)


def test_a_token_request_speaks_the_users_saved_language_over_the_header():
    english = call_as("", "en")
    french = call_as("fr", "ar")
    assert (english.status_code, french.status_code) == (404, 404)
    assert french["Content-Language"] == "fr"
    assert french.json() != english.json()  # the same refusal, in French


def test_without_a_saved_language_the_header_decides():
    assert call_as("", "ar")["Content-Language"] == "ar"
