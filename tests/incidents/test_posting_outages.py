"""A database outage while posting: the websocket answers with an `error` frame and stays
open, the API with 503 and Retry-After; nothing is half-stored (the room's seq counter is
rolled back with the failed insert), and sending the same client_id again stores it once."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from incidents import selectors
from incidents.models import RoomItem

from .test_consumers import receive, send


def fail_inserts(monkeypatch, error=None):
    """The insert of the item fails after the room's counter was moved on, inside the transaction."""

    def outage(*args, **kwargs):
        raise error or OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(RoomItem.objects, "create", outage)


def stored_state(incident):
    return selectors.last_seq(incident.pk), RoomItem.objects.filter(incident=incident).count()


@pytest.mark.django_db(transaction=True)
async def test_websocket_gets_an_error_frame_and_stays_open(incident_with_two_orgs, responder_a, monkeypatch, rooms):
    before = await sync_to_async(stored_state)(incident_with_two_orgs)
    client = await rooms.join(responder_a, incident_with_two_orgs)
    fail_inserts(monkeypatch)
    client_id = await send(client, "during the outage")
    error = await receive(client)
    assert error["type"] == "error" and error["code"] == "unavailable"
    assert error["client_id"] == client_id and error["detail"]
    assert await sync_to_async(stored_state)(incident_with_two_orgs) == before

    monkeypatch.undo()  # the database is back: the same client_id goes through on the same connection
    await send(client, "during the outage", client_id=client_id)
    frames = [await receive(client), await receive(client)]
    ack = next(frame for frame in frames if frame["type"] == "ack")
    assert ack == {"type": "ack", "client_id": client_id, "seq": before[0] + 1}  # no gap left behind
    assert await sync_to_async(stored_state)(incident_with_two_orgs) == (before[0] + 1, before[1] + 1)
    await client.disconnect()


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_with_retry_after_and_stores_nothing(incident_with_two_orgs, responder_a, monkeypatch):
    client = APIClient()
    client.force_authenticate(responder_a)
    url = f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/"
    payload = {"client_id": str(uuid.uuid4()), "body": "via API during the outage"}
    before = stored_state(incident_with_two_orgs)
    fail_inserts(monkeypatch)
    response = client.post(url, payload, format="json")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"]
    assert stored_state(incident_with_two_orgs) == before

    monkeypatch.undo()
    retried = client.post(url, payload, format="json")
    assert retried.status_code == 201
    assert retried.json()["ack"] == {"client_id": payload["client_id"], "seq": before[0] + 1}
    assert stored_state(incident_with_two_orgs) == (before[0] + 1, before[1] + 1)


@pytest.mark.django_db(transaction=True)
def test_api_outage_before_the_room_is_read_is_also_a_503(incident_with_two_orgs, responder_a, monkeypatch):
    from incidents.api import base

    def outage(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(base, "access_room", outage)
    client = APIClient()
    client.force_authenticate(responder_a)
    response = client.post(f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/", {"body": "x"}, format="json")
    assert response.status_code == 503 and response.has_header("Retry-After")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "error",
    [RedisConnectionError("Connection refused"), ConnectionResetError(104, "Connection reset by peer")],
    ids=lambda error: type(error).__name__,
)
def test_api_answers_503_for_a_redis_or_network_outage_too(incident_with_two_orgs, responder_a, monkeypatch, error):
    client = APIClient()
    client.force_authenticate(responder_a)
    before = stored_state(incident_with_two_orgs)
    fail_inserts(monkeypatch, error)
    response = client.post(f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/", {"body": "x"}, format="json")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/json" and response.json()["detail"]
    assert stored_state(incident_with_two_orgs) == before


@pytest.mark.django_db(transaction=True)
def test_an_integrity_error_is_a_bug_not_an_outage(incident_with_two_orgs, responder_a, monkeypatch):
    """A DatabaseError, but retrying cannot help: a 500 (reported), never a 503 asking for a retry."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(responder_a)
    before = stored_state(incident_with_two_orgs)
    fail_inserts(monkeypatch, IntegrityError("null value in column violates not-null constraint"))
    response = client.post(f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/", {"body": "x"}, format="json")
    assert response.status_code == 500 and not response.has_header("Retry-After")
    assert stored_state(incident_with_two_orgs) == before
