"""The heartbeat's check of a whole room at once (incidents.room_checks): who must leave and
with which code, presence and session activity renewed for the rest, in a fixed number of
queries whatever the number of connections."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from incidents import room_checks
from incidents.models import RoomPresence, Tier, Tlp
from incidents.services import declare_incident, record_presence
from portal.models import Role
from portal.services import create_api_token, hash_token_key, revoke_api_token
from portal.session_policy import LIVE_KEY_PREFIX, STARTED_KEY
from tests.incidents.factories import responder_of
from tests.portal.factories import PASSWORD, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


def session_of(user) -> str:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client.cookies["sessionid"].value


def set_session_started(key: str, started) -> None:
    row = Session.objects.get(session_key=key)
    data = row.get_decoded()
    data[STARTED_KEY] = int(started.timestamp())
    Session.objects.filter(pk=key).update(session_data=Session.objects.encode(data))


def test_members_who_may_stay_are_not_named(incident_with_two_orgs, responder_a, responder_b):
    _token, key = create_api_token(user=responder_b, name="room")
    members = [
        (responder_a.pk, ("session", session_of(responder_a))),
        (responder_b.pk, ("token", hash_token_key(key))),
        (responder_a.pk, None),  # an in-process connection: only access is checked
    ]
    assert room_checks.verdicts(incident_with_two_orgs.pk, members) == {}


def test_ended_credentials_leave_with_4401(incident_with_two_orgs, responder_a, responder_b, provider_a):
    token, key = create_api_token(user=responder_b, name="room")
    revoke_api_token(actor=responder_b, token=token)
    logged_out = session_of(responder_a)
    Session.objects.filter(pk=logged_out).delete()
    other = responder_of(provider_a)
    old_password = session_of(other)
    other.set_password("a-brand-new-passphrase-42")
    other.save()
    someone_elses = session_of(responder_b)  # a session of another user is no credential of this one
    members = [
        (responder_b.pk, ("token", hash_token_key(key))),
        (responder_a.pk, ("session", logged_out)),
        (other.pk, ("session", old_password)),
        (responder_a.pk, ("session", someone_elses)),
        (responder_a.pk, ("token", hash_token_key(create_api_token(user=responder_b)[1]))),
    ]
    assert room_checks.verdicts(incident_with_two_orgs.pk, members) == dict.fromkeys(members, 4401)


def test_a_strict_session_ends_at_its_absolute_limit_even_in_a_room(incident_with_two_orgs, responder_a, provider_a):
    """Being in the room counts as activity, not as a new sign-in: 12 hours after signing in a
    responder's session ends there too. A plain member's session has no such limit."""
    member = responder_of(provider_a, role=Role.MEMBER)
    strict, relaxed = session_of(responder_a), session_of(member)
    thirteen_hours_ago = timezone.now() - timedelta(hours=13)
    set_session_started(strict, thirteen_hours_ago)
    set_session_started(relaxed, thirteen_hours_ago)
    members = [(responder_a.pk, ("session", strict)), (member.pk, ("session", relaxed))]
    assert room_checks.verdicts(incident_with_two_orgs.pk, members) == {members[0]: 4401}


def test_lost_access_leaves_with_4403(incident_with_two_orgs, responder_a, provider_a, secretariat):
    uninvited = responder_of(OrganizationFactory(name="Not invited"))
    no_two_factor = responder_of(provider_a, two_factor=False)
    inactive = responder_of(provider_a)
    inactive.is_active = False
    inactive.save()
    members = [(uninvited.pk, None), (no_two_factor.pk, None), (inactive.pk, None), (10**9, None)]
    assert room_checks.verdicts(incident_with_two_orgs.pk, members) == dict.fromkeys(members, 4403)
    assert room_checks.verdicts(incident_with_two_orgs.pk, [(secretariat.pk, None), (responder_a.pk, None)]) == {}


def test_the_commander_stays_whatever_the_level(secretariat, provider_a):
    commander = UserFactory()
    make_totp(commander)
    incident = declare_incident(actor=secretariat, title="Red", tier=Tier.FULL_PROTOCOL, tlp=Tlp.RED)
    incident.commander = commander
    incident.save(update_fields=["commander"])
    assert room_checks.verdicts(incident.pk, [(commander.pk, None)]) == {}


def test_a_beat_renews_only_the_connections_that_stay(incident_with_two_orgs, responder_a, provider_a):
    gone = responder_of(provider_a, two_factor=False)
    stays = session_of(responder_a)
    record_presence(
        incident_id=incident_with_two_orgs.pk, arrived=[("stays", responder_a.pk), ("gone", gone.pk)], departed=[]
    )
    long_ago = timezone.now() - timedelta(hours=1)
    RoomPresence.objects.update(last_seen=long_ago)
    cache.delete(LIVE_KEY_PREFIX + stays)

    leaving = room_checks.beat(
        incident_with_two_orgs.pk, [("stays", (responder_a.pk, ("session", stays))), ("gone", (gone.pk, None))]
    )

    assert leaving == {"gone": 4403}
    seen = dict(RoomPresence.objects.values_list("channel_name", "last_seen"))
    assert seen["stays"] > long_ago and seen["gone"] == long_ago
    assert cache.get(LIVE_KEY_PREFIX + stays) is not None


@pytest.mark.parametrize("size", [2, 40])
def test_a_beat_costs_the_same_queries_for_any_number_of_connections(
    incident_with_two_orgs, provider_a, size, django_assert_max_num_queries
):
    connections = []
    for n in range(size):
        user = responder_of(provider_a)
        if n % 2:
            credential = ("session", session_of(user))
        else:
            credential = ("token", hash_token_key(create_api_token(user=user)[1]))
        record_presence(incident_id=incident_with_two_orgs.pk, arrived=[(f"c{n}", user.pk)], departed=[])
        connections.append((f"c{n}", (user.pk, credential)))
    # users, incident, audience, tokens, sessions, presence update; the strict-session
    # absolute limit adds a query only for a session past it.
    with django_assert_max_num_queries(6):
        assert room_checks.beat(incident_with_two_orgs.pk, connections) == {}
