"""While the database or Redis is away: 503 with Retry-After instead of a 500, and a cache
that misses instead of failing. The drills in tests/reliability/ show the same with real outages."""

import json
import socket
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory
from redis.exceptions import BusyLoadingError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portal.cache import TolerantRedisCache
from portal.middleware import ServiceUnavailableMiddleware

from .factories import UserFactory


def _middleware():
    return ServiceUnavailableMiddleware(lambda request: pytest.fail("the view should not run"))


OUTAGES = [
    OperationalError("connection refused"),
    InterfaceError("connection already closed"),
    RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    RedisTimeoutError("Timeout reading from socket"),
    BusyLoadingError("Redis is loading the dataset in memory"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError("timed out"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda error: type(error).__name__)
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


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        IntegrityError("duplicate key value violates unique constraint"),  # a DatabaseError, not an outage
        DataError("value too long for type character varying(200)"),
        ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"),  # a RedisError
        FileNotFoundError(2, "No such file or directory"),  # an OSError, not the network's
    ],
    ids=lambda error: type(error).__name__,
)
@pytest.mark.parametrize("path", ["/", "/api/v1/incidents/"])
def test_other_errors_are_left_alone(error, path):
    assert _middleware().process_exception(RequestFactory().get(path), error) is None


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
