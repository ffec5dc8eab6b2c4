"""While the database or Redis is away: 503 with Retry-After instead of a 500, and a cache
that misses instead of failing. The drills in tests/reliability/ show the same with real outages."""

import json
import socket
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from portal.cache import TolerantRedisCache
from portal.middleware import ServiceUnavailableMiddleware

from .factories import UserFactory


def _middleware():
    return ServiceUnavailableMiddleware(lambda request: pytest.fail("the view should not run"))


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("connection already closed")])
def test_api_gets_json_503_with_retry_after(error):
    response = _middleware().process_exception(RequestFactory().get("/api/v1/incidents/"), error)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/json"
    assert "try again" in json.loads(response.content)["detail"]


def test_pages_get_an_html_503_that_needs_no_database():
    request = RequestFactory().get("/organisations/")
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError):
        response = _middleware().process_exception(request, OperationalError("server closed the connection"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert b"Briefly unavailable" in response.content


def test_other_errors_are_left_alone():
    assert _middleware().process_exception(RequestFactory().get("/"), ValueError("a bug")) is None


@pytest.mark.django_db
def test_a_signed_in_request_gets_503_when_its_session_cannot_be_read(client):
    # The session and user are read lazily by the middleware that follows this one; Django would
    # turn an error there into a 500 before this middleware saw it, so it reads them first.
    client.force_login(UserFactory())
    with mock.patch.object(SessionStore, "load", side_effect=OperationalError("connection refused")):
        response = client.get("/organisations/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert b"Briefly unavailable" in response.content


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_cache_misses_instead_of_failing_while_redis_is_away():
    cache = TolerantRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {})
    assert cache.get("key", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("key", 1) is False
    cache.set("key", 1)  # dropped, not raised
    with pytest.raises(ValueError):  # as for a missing key: callers already handle it
        cache.incr("key")
    assert cache.get_or_set("key", 5) == 5
    assert cache.has_key("key") is False
    assert cache.delete("key") is False
