"""Room connections end with the credential that opened them: logging out, a password
change or reset, or a revoked API token closes them with 4401; a role change that loses
access closes them with 4403. Connections are opened through the real websocket
authentication stack (session cookie or `Authorization: Token`)."""

import re
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.models import Tier, Tlp
from incidents.routing import websocket_urlpatterns
from portal.models import Membership, Role
from portal.services import change_roles, create_api_token, revoke_api_token
from portal.ws.auth import TokenOrSessionAuthMiddlewareStack
from portal.ws.router import InPlaceURLRouter
from tests.portal.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5  # generous: a loaded CI machine; no assertion depends on it
NEW_PASSWORD = "a-brand-new-passphrase-42"
APP = TokenOrSessionAuthMiddlewareStack(InPlaceURLRouter(websocket_urlpatterns))


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


async def open_room(rooms, incident, *, client: Client | None = None, token: str | None = None):
    """A connection that has joined: its own presence frame has arrived."""
    headers = []
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    if token is not None:
        headers.append((b"authorization", f"Token {token}".encode()))
    communicator = rooms.communicator(f"/ws/incidents/{incident.pk}/", app=APP, headers=headers)
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    while (frame := await communicator.receive_json_from(timeout=WAIT))["type"] != "presence":
        assert frame["type"] != "error", frame
    return communicator


async def close_code(communicator) -> int:
    while (message := await communicator.receive_output(timeout=WAIT))["type"] != "websocket.close":
        pass
    return message["code"]


async def still_open(communicator) -> bool:
    """The connection takes a message and acknowledges it."""
    client_id = str(uuid.uuid4())
    await communicator.send_json_to({"type": "message", "client_id": client_id, "body": "still here"})
    while True:
        frame = await communicator.receive_json_from(timeout=WAIT)
        if frame["type"] == "ack":
            return frame["client_id"] == client_id


async def test_logging_out_closes_that_sessions_room_connection_only(incident_with_two_orgs, responder_a, rooms):
    leaving, staying = await sync_to_async(_signed_in)(responder_a), await sync_to_async(_signed_in)(responder_a)
    left = await open_room(rooms, incident_with_two_orgs, client=leaving)
    kept = await open_room(rooms, incident_with_two_orgs, client=staying)
    response = await sync_to_async(leaving.post)(reverse("account_logout"))
    assert response.status_code == 302
    assert await close_code(left) == 4401
    assert await still_open(kept)
    await kept.disconnect()


async def test_changing_the_password_closes_every_room_connection_of_the_user(
    incident_with_two_orgs, responder_a, rooms
):
    here, elsewhere = await sync_to_async(_signed_in)(responder_a), await sync_to_async(_signed_in)(responder_a)
    own = await open_room(rooms, incident_with_two_orgs, client=here)
    other = await open_room(rooms, incident_with_two_orgs, client=elsewhere)
    response = await sync_to_async(here.post)(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert await close_code(other) == 4401  # its session holds the old auth hash
    # The changing session stays signed in under a new key (Django cycles it), so the key this
    # connection was opened with has ended too: reloading the page opens the room again.
    assert await close_code(own) == 4401
    reopened = await open_room(rooms, incident_with_two_orgs, client=here)
    assert await still_open(reopened)
    await reopened.disconnect()


def _reset_password(user) -> None:
    resetter = Client()
    resetter.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form = resetter.get(link, follow=True)
    response = resetter.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


async def test_resetting_the_password_closes_every_session_room_connection(incident_with_two_orgs, responder_a, rooms):
    signed_in = await sync_to_async(_signed_in)(responder_a)
    communicator = await open_room(rooms, incident_with_two_orgs, client=signed_in)
    await sync_to_async(_reset_password)(responder_a)
    assert await close_code(communicator) == 4401


async def test_revoking_the_api_token_closes_its_room_connection(incident_with_two_orgs, responder_a, rooms):
    token, key = await sync_to_async(create_api_token)(user=responder_a, name="bot")
    _other, other_key = await sync_to_async(create_api_token)(user=responder_a, name="other bot")
    revoked = await open_room(rooms, incident_with_two_orgs, token=key)
    kept = await open_room(rooms, incident_with_two_orgs, token=other_key)
    await sync_to_async(revoke_api_token)(actor=responder_a, token=token)
    assert await close_code(revoked) == 4401
    assert await still_open(kept)
    await kept.disconnect()


async def test_a_session_ended_without_a_signal_is_noticed_by_the_heartbeat(
    incident_with_two_orgs, responder_a, settings, rooms
):
    settings.INCIDENT_HEARTBEAT_SECONDS = 0.05
    signed_in = await sync_to_async(_signed_in)(responder_a)
    communicator = await open_room(rooms, incident_with_two_orgs, client=signed_in)
    await Session.objects.filter(session_key=signed_in.cookies["sessionid"].value).adelete()
    assert await close_code(communicator) == 4401


async def test_losing_the_responder_role_closes_with_forbidden(secretariat, provider_a, responder_a, rooms):
    incident = await sync_to_async(services.declare_incident)(
        actor=secretariat, title="Strict", tier=Tier.COORDINATED, tlp=Tlp.AMBER_STRICT, organizations=[provider_a]
    )
    communicator = await open_room(rooms, incident, client=await sync_to_async(_signed_in)(responder_a))
    membership = await Membership.objects.select_related("organization", "user").aget(user=responder_a)
    await sync_to_async(change_roles)(actor=secretariat, membership=membership, roles=[Role.MEMBER])
    assert await close_code(communicator) == 4403


async def test_a_heartbeat_counts_as_session_activity(incident_with_two_orgs, responder_a, settings, rooms):
    """A responder watching the room is not idle: each beat notes the session as in use."""
    from django.core.cache import cache

    from portal.session_policy import LIVE_KEY_PREFIX

    settings.INCIDENT_HEARTBEAT_SECONDS = 0.05
    client = await sync_to_async(_signed_in)(responder_a)
    key = LIVE_KEY_PREFIX + client.cookies["sessionid"].value
    room = await open_room(rooms, incident_with_two_orgs, client=client)
    while await sync_to_async(cache.get)(key) is None:
        frame = await room.receive_json_from(timeout=WAIT)  # heartbeats arrive as presence frames
        assert frame["type"] == "presence"
    await room.disconnect()
