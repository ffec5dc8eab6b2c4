"""Every TLP level by every kind of user: may they see the incident, may they enter
its room, may they post in it, and what does the websocket say when they try."""

import json
import uuid

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from incidents import selectors, services
from incidents.consumers import IncidentRoomConsumer
from incidents.models import IncidentOrganization, RoomItem, Tlp
from incidents.permissions import (
    access_incident,
    access_room,
    can_enter_room,
    can_post_in_room,
    incident_audience,
    is_in_audience,
    room_audience,
)
from portal.models import Role, Standing, User
from tests.helpers.two_factor import signed_in
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

LEVELS = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]

# user kind -> for each level in LEVELS: "enter" (sees, may enter), "see" (sees, 4403), "none" (404 / 4404).
# Anonymous visitors are checked separately (the websocket answers 4401 before anything else).
MATRIX = {
    "secretariat": ["enter", "enter", "enter", "enter", "enter"],
    "secretariat_no_2fa": ["see", "see", "see", "see", "see"],
    "outsider": ["see", "none", "none", "none", "none"],
    "member_uninvited": ["enter", "enter", "none", "none", "none"],
    "responder_uninvited": ["enter", "enter", "none", "none", "none"],
    "member_invited": ["enter", "enter", "enter", "none", "none"],
    "responder_invited": ["enter", "enter", "enter", "enter", "none"],
    "responder_invited_no_2fa": ["see", "see", "see", "see", "none"],
    "responder_of_suspended_invited": ["see", "none", "none", "none", "none"],
    "named": ["see", "none", "none", "none", "enter"],
    "named_no_2fa": ["see", "none", "none", "none", "see"],
    "named_responder_invited": ["enter", "enter", "enter", "enter", "enter"],
}

# Who may write in the room (permissions.can_post_in_room), per level: "post", "read" (in the
# room's audience, may not post) or "-" (not in the audience). Two-factor is entering's check,
# so those without it are listed as they would be with it; MATRIX keeps them out of the room.
POSTING = {
    "secretariat": ["post", "post", "post", "post", "post"],
    "secretariat_no_2fa": ["post", "post", "post", "post", "post"],
    "outsider": ["-", "-", "-", "-", "-"],
    "member_uninvited": ["read", "read", "-", "-", "-"],
    "responder_uninvited": ["read", "read", "-", "-", "-"],
    "member_invited": ["post", "post", "post", "-", "-"],
    "responder_invited": ["post", "post", "post", "post", "-"],
    "responder_invited_no_2fa": ["post", "post", "post", "post", "-"],
    "responder_of_suspended_invited": ["-", "-", "-", "-", "-"],
    "named": ["-", "-", "-", "-", "post"],
    "named_no_2fa": ["-", "-", "-", "-", "post"],
    "named_responder_invited": ["post", "post", "post", "post", "post"],
}


@pytest.fixture
def community(db):
    invited = OrganizationFactory(name="Invited provider")
    suspended = OrganizationFactory(name="Suspended provider", standing=Standing.SUSPENDED)
    uninvited = OrganizationFactory(name="Uninvited provider")

    def user(*, org=None, role=Role.MEMBER, two_factor=True, **extra):
        u = UserFactory(**extra)
        if org is not None:
            MembershipFactory(user=u, organization=org, role=role)
        if two_factor:
            make_totp(u)
        return u

    users = {
        "secretariat": user(is_secretariat=True),
        "secretariat_no_2fa": user(is_secretariat=True, two_factor=False),
        "outsider": user(),
        "member_uninvited": user(org=uninvited),
        "responder_uninvited": user(org=uninvited, role=Role.RESPONDER),
        "member_invited": user(org=invited),
        "responder_invited": user(org=invited, role=Role.RESPONDER),
        "responder_invited_no_2fa": user(org=invited, role=Role.RESPONDER, two_factor=False),
        "responder_of_suspended_invited": user(org=suspended, role=Role.RESPONDER),
        "named": user(),
        "named_no_2fa": user(two_factor=False),
        "named_responder_invited": user(org=invited, role=Role.RESPONDER),
    }
    declarer = user(is_secretariat=True)
    incidents = {
        level: services.declare_incident(
            actor=declarer,
            title=f"Incident at {level}",
            tlp=level,
            organizations=[invited],
            recipients=[users["named"], users["named_no_2fa"], users["named_responder_invited"]],
        )
        for level in LEVELS
    }
    # The suspended organisation was invited while it was still a supporter.
    IncidentOrganization.objects.bulk_create(
        IncidentOrganization(incident=i, organization=suspended) for i in incidents.values()
    )
    return users, incidents


def expected(kind, level):
    return MATRIX[kind][LEVELS.index(level)]


def test_matrix_covers_every_kind_and_level():
    assert all(len(row) == len(LEVELS) for row in MATRIX.values())
    assert POSTING.keys() == MATRIX.keys()
    assert all(len(row) == len(LEVELS) for row in POSTING.values())


def test_access_functions_follow_the_matrix(community):
    users, incidents = community
    for kind, user in users.items():
        listed = set(selectors.list_incidents_for(user).values_list("pk", flat=True))
        for level, incident in incidents.items():
            want = expected(kind, level)
            where = f"{kind} at {level}"
            if want == "none":
                with pytest.raises(Http404):
                    access_incident(user, incident.pk)
                with pytest.raises(Http404):
                    access_room(user, incident.pk)
                assert incident.pk not in listed, where
                continue
            assert access_incident(user, incident.pk) == incident, where
            assert incident.pk in listed, where
            assert can_enter_room(user, incident) is (want == "enter"), where
            if want == "see":
                with pytest.raises(PermissionDenied):
                    access_room(user, incident.pk)


def test_anonymous_sees_only_the_public_summary(community):
    _users, incidents = community
    anonymous = AnonymousUser()
    listed = set(selectors.list_incidents_for(anonymous).values_list("pk", flat=True))
    assert listed == {incidents[Tlp.CLEAR].pk}
    assert not can_enter_room(anonymous, incidents[Tlp.CLEAR])
    for level in LEVELS[1:]:
        with pytest.raises(Http404):
            access_incident(anonymous, incidents[level].pk)


def test_missing_incident_is_indistinguishable(community):
    users, _incidents = community
    with pytest.raises(Http404):
        access_incident(users["secretariat"], 10**9)
    with pytest.raises(Http404):
        access_incident(users["secretariat"], "not-a-number")


@pytest.mark.django_db(transaction=True)
async def test_websocket_close_codes_follow_the_matrix(community):
    users, incidents = community
    codes = {"enter": None, "see": 4403, "none": 4404}
    for kind, user in [*users.items(), ("anonymous", AnonymousUser())]:
        for level, incident in incidents.items():
            communicator = WebsocketCommunicator(IncidentRoomConsumer.as_asgi(), f"/ws/incidents/{incident.pk}/")
            communicator.scope["user"] = signed_in(user)
            communicator.scope["url_route"] = {"kwargs": {"incident_id": incident.pk}}
            connected, _ = await communicator.connect()
            assert connected
            want = 4401 if kind == "anonymous" else codes[expected(kind, level)]
            if want is None:
                frame = await communicator.receive_json_from()
                assert frame["type"] == "presence", (kind, level)
            else:
                message = await communicator.receive_output()
                assert message == {"type": "websocket.close", "code": want}, (kind, level)
            await communicator.disconnect()


def test_the_heartbeat_batch_check_follows_the_matrix(community):
    """room_audience (every connection of a room checked at once) agrees with can_enter_room."""
    users, incidents = community
    ids = {user.pk: kind for kind, user in users.items()}
    for level, incident in incidents.items():
        allowed = {ids[pk] for pk in room_audience(incident.pk, ids)}
        assert allowed == {kind for kind in users if expected(kind, level) == "enter"}, level


def test_the_email_audience_follows_the_matrix(community):
    """incident_audience (whom an incident email may reach) agrees with is_in_audience; above CLEAR
    it is everyone who sees the incident, and a suspended organisation's members are in none."""
    users, incidents = community
    ids = {user.pk: kind for kind, user in users.items()}
    for level, incident in incidents.items():
        reached = incident_audience(incident, User.objects.filter(pk__in=ids)).values_list("pk", flat=True)
        audience = {ids[pk] for pk in reached}
        assert audience == {kind for kind, user in users.items() if is_in_audience(user, incident)}, level
        if level != Tlp.CLEAR:
            assert audience == {kind for kind in users if expected(kind, level) != "none"}, level
        assert "responder_of_suspended_invited" not in audience and "outsider" not in audience, level


def test_posting_follows_the_matrix(community):
    """Only the room's audience posts, and at CLEAR and GREEN only its invited part."""
    users, incidents = community
    for kind, user in users.items():
        for level, incident in incidents.items():
            want = POSTING[kind][LEVELS.index(level)]
            where = f"{kind} at {level}"
            assert is_in_audience(user, incident) is (want != "-"), where
            assert can_post_in_room(user, incident) is (want == "post"), where
    assert not can_post_in_room(AnonymousUser(), incidents[Tlp.CLEAR])


@pytest.mark.django_db(transaction=True)
async def test_websocket_posting_follows_the_matrix(community):
    """Everyone who enters stays connected; a reader's message is refused and stored nowhere."""
    users, incidents = community
    for kind, user in users.items():
        for level, incident in incidents.items():
            if expected(kind, level) != "enter":
                continue
            communicator = WebsocketCommunicator(IncidentRoomConsumer.as_asgi(), f"/ws/incidents/{incident.pk}/")
            communicator.scope["user"] = signed_in(user)
            communicator.scope["url_route"] = {"kwargs": {"incident_id": incident.pk}}
            assert (await communicator.connect())[0]
            assert (await communicator.receive_json_from())["type"] == "presence"
            client_id = str(uuid.uuid4())
            await communicator.send_json_to({"type": "message", "client_id": client_id, "body": "hello"})
            frame = await communicator.receive_json_from()
            while frame["type"] in ("item", "presence", "presence_change"):  # our item may overtake the ack
                frame = await communicator.receive_json_from()
            stored = await RoomItem.objects.filter(client_id=client_id).aexists()
            if POSTING[kind][LEVELS.index(level)] == "post":
                assert frame["type"] == "ack" and stored, (kind, level)
            else:
                assert frame["type"] == "error" and frame["code"] == "forbidden", (kind, level)
                assert frame["client_id"] == client_id and not stored, (kind, level)
            await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_resuming_into_a_room_this_process_follows_follows_the_matrix(community):
    """With someone admitted already, a connection resuming with ?after waits in the room's hub while
    it is admitted (consumers._enter_resuming): the same close codes, and nothing sent before."""
    users, incidents = community
    codes = {"enter": None, "see": 4403, "none": 4404}

    def communicator_for(user, incident, query=""):
        communicator = WebsocketCommunicator(IncidentRoomConsumer.as_asgi(), f"/ws/incidents/{incident.pk}/{query}")
        communicator.scope["user"] = signed_in(user)
        communicator.scope["query_string"] = query.lstrip("?").encode()
        communicator.scope["url_route"] = {"kwargs": {"incident_id": incident.pk}}
        return communicator

    for level, incident in incidents.items():
        inside = next((user for kind, user in users.items() if expected(kind, level) == "enter"), None)
        if inside is None:
            continue
        first = communicator_for(inside, incident)
        assert (await first.connect())[0]
        assert (await first.receive_json_from())["type"] == "presence"
        for kind, user in users.items():
            communicator = communicator_for(user, incident, "?after=0")
            assert (await communicator.connect())[0]
            want = codes[expected(kind, level)]
            message = await communicator.receive_output()
            if want is None:  # the room's items from the start, then its presence
                while json.loads(message["text"])["type"] != "presence":
                    message = await communicator.receive_output()
            else:
                assert message == {"type": "websocket.close", "code": want}, (kind, level)
            await communicator.disconnect()
        await first.disconnect()
