"""API rate limits answer 429 with Retry-After, for anonymous and token-authenticated calls.
The configured rates (hundreds a minute) are lowered here so a test makes a handful of calls."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from portal import services

from .factories import UserFactory

URL = "/api/v1/organizations/"


@pytest.fixture
def low_rates(monkeypatch):
    configured = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(configured) == {"anon", "user"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})


def _calls_until_throttled(client, limit=20):
    for n in range(1, limit + 1):
        response = client.get(URL)
        if response.status_code == 429:
            return n, response
        assert response.status_code == 200
    raise AssertionError("never throttled")


def _assert_retry_after(response):
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert "detail" in response.json()


@pytest.mark.django_db
def test_anonymous_calls_are_throttled_with_retry_after(low_rates):
    n, response = _calls_until_throttled(APIClient())
    assert n == 4
    _assert_retry_after(response)


@pytest.mark.django_db
def test_token_calls_are_throttled_per_user_with_retry_after(low_rates):
    _token, key = services.create_api_token(user=UserFactory(), name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    n, response = _calls_until_throttled(client)
    assert n == 6
    _assert_retry_after(response)
    # Another user's budget is their own.
    _other, other_key = services.create_api_token(user=UserFactory(), name="other")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert other.get(URL).status_code == 200
