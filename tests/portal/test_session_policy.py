"""Sessions of the secretariat and incident responders end after 30 minutes idle and 12 hours
in all; everyone else keeps the default. Times are moved by editing the session's clock."""

from datetime import timedelta

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import Role
from portal.session_policy import (
    ABSOLUTE_LIMIT,
    IDLE_LIMIT,
    SEEN_KEY,
    STARTED_KEY,
    record_activity,
    session_expired,
    within_limits,
)
from portal.ws.auth import TokenOrSessionAuthMiddlewareStack

from .factories import MembershipFactory, UserFactory, make_totp

PAGE = reverse("portal:my_organizations")
EXPIRED = "Your session has expired"


def _now() -> int:
    return int(timezone.now().timestamp())


def _age(client, *, started_ago=timedelta(0), seen_ago=timedelta(0)):
    session = client.session
    session[STARTED_KEY] = _now() - int(started_ago.total_seconds())
    session[SEEN_KEY] = _now() - int(seen_ago.total_seconds())
    session.save()


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def responder():
    user = MembershipFactory(role=Role.RESPONDER).user
    make_totp(user)
    return user


def test_limits_are_exclusive_at_the_boundary():
    now = timezone.now()
    t = int(now.timestamp())
    idle, absolute = int(IDLE_LIMIT.total_seconds()), int(ABSOLUTE_LIMIT.total_seconds())
    assert within_limits(started=t - absolute + 1, seen=t - idle + 1, now=now)
    assert not within_limits(started=t, seen=t - idle, now=now)
    assert not within_limits(started=t - absolute, seen=t, now=now)
    assert within_limits(started=None, seen=None, now=now)  # not yet recorded: counts as now


@pytest.mark.django_db
@pytest.mark.parametrize(
    "age",
    [
        {"seen_ago": timedelta(minutes=31)},
        {"started_ago": timedelta(hours=12, minutes=1), "seen_ago": timedelta(seconds=5)},
    ],
    ids=["idle", "absolute"],
)
@pytest.mark.parametrize("who", ["secretariat", "responder"])
def test_strict_session_past_a_limit_signs_out_and_says_why(client, request, who, age):
    _signed_in(client, request.getfixturevalue(who))
    _age(client, **age)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={PAGE}" in response["Location"]
    assert "_auth_user_id" not in client.session
    login_page = client.get(response["Location"])
    assert EXPIRED in login_page.content.decode()


@pytest.mark.django_db
def test_strict_session_within_limits_carries_on(client, secretariat):
    _signed_in(client, secretariat)
    _age(client, started_ago=timedelta(hours=11, minutes=50), seen_ago=timedelta(minutes=29))
    assert client.get(PAGE).status_code == 200
    assert client.session["_auth_user_id"] == str(secretariat.pk)
    assert _now() - client.session[SEEN_KEY] < 60  # the idle clock restarted


@pytest.mark.django_db
def test_other_users_keep_the_default_lifetime(client):
    member = MembershipFactory(role=Role.MEMBER).user
    _signed_in(client, member)
    _age(client, started_ago=timedelta(hours=13), seen_ago=timedelta(hours=2))
    assert client.get(PAGE).status_code == 200
    assert client.session["_auth_user_id"] == str(member.pk)


@pytest.mark.django_db
def test_last_seen_is_written_at_most_once_a_minute(client, secretariat):
    _signed_in(client, secretariat)
    _age(client, seen_ago=timedelta(seconds=20))
    recorded = client.session[SEEN_KEY]
    client.get(PAGE)
    assert client.session[SEEN_KEY] == recorded
    _age(client, seen_ago=timedelta(seconds=61))
    client.get(PAGE)
    assert client.session[SEEN_KEY] > recorded


def test_record_activity_leaves_a_fresh_session_unmodified():
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    now = timezone.now()
    session = SessionStore()
    record_activity(session, now=now)
    assert session[STARTED_KEY] == session[SEEN_KEY] == int(now.timestamp())
    session.modified = False
    record_activity(session, now=now + timedelta(seconds=59))
    assert not session.modified


@pytest.mark.django_db
def test_signing_in_again_restarts_the_clock(client, secretariat):
    _signed_in(client, secretariat)
    _age(client, started_ago=timedelta(hours=13), seen_ago=timedelta(hours=1))
    client.force_login(secretariat)
    assert client.get(PAGE).status_code == 200
    assert _now() - client.session[STARTED_KEY] < 60


@pytest.mark.django_db
def test_htmx_request_is_sent_to_the_login_page(client, secretariat):
    _signed_in(client, secretariat)
    _age(client, seen_ago=timedelta(hours=1))
    response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_api_call_on_an_expired_session_is_anonymous_not_redirected(client, secretariat):
    _signed_in(client, secretariat)
    _age(client, seen_ago=timedelta(hours=1))
    response = client.get("/api/v1/tokens/")
    assert response.status_code in (401, 403)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_api_token_requests_are_not_affected(client, secretariat):
    _token, key = services.create_api_token(user=secretariat, name="script")
    response = client.get("/api/v1/tokens/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == "script"


@pytest.mark.django_db
def test_a_token_beside_an_expired_session_still_works_and_the_session_ends(client, secretariat):
    _token, key = services.create_api_token(user=secretariat, name="script")
    _signed_in(client, secretariat)
    _age(client, seen_ago=timedelta(hours=1))
    response = client.get("/api/v1/tokens/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200  # the token authenticated the call
    assert "_auth_user_id" not in client.session  # the cookie's session is past its limit all the same


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Token x", "Token", "token cp_not-a-real-key", "Bearer abc"])
def test_an_authorization_header_does_not_lift_the_limits_of_a_cookie(client, secretariat, header):
    """The audit's reproduction: an aged secretariat cookie plus `Authorization: Token x` opened
    /audit/ and changed a TLP. Pages authenticate from the cookie, so the cookie's limits apply."""
    from incidents import services as incident_services
    from incidents.models import Tier, Tlp

    incident = incident_services.declare_incident(actor=secretariat, title="Live", tier=Tier.COORDINATED, tlp=Tlp.AMBER)
    _signed_in(client, secretariat)
    _age(client, seen_ago=timedelta(hours=1))
    response = client.get(reverse("portal:audit_log"), headers={"Authorization": header})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))

    _signed_in(client, secretariat)
    _age(client, started_ago=timedelta(hours=13))
    change = reverse("incidents:change_tlp", args=[incident.pk])
    response = client.post(change, {"tlp": Tlp.GREEN}, headers={"Authorization": header})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    incident.refresh_from_db()
    assert incident.tlp == Tlp.AMBER


@pytest.mark.django_db
def test_session_expired_checks_the_role_only_past_a_limit(django_assert_num_queries):
    member = MembershipFactory(role=Role.RESPONDER).user
    fresh = {STARTED_KEY: _now(), SEEN_KEY: _now()}
    with django_assert_num_queries(0):
        assert not session_expired(fresh, member)
    stale = {STARTED_KEY: _now(), SEEN_KEY: _now() - 3600}
    assert session_expired(stale, member)


# --- The websocket handshake ------------------------------------------------------


class _WhoAmI(AsyncWebsocketConsumer):
    async def connect(self):
        if self.scope["user"].is_authenticated:
            await self.accept()
        else:
            await self.close(code=4401)


async def _handshake(session_key: str) -> bool:
    app = TokenOrSessionAuthMiddlewareStack(_WhoAmI.as_asgi())
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()
    communicator = WebsocketCommunicator(app, "/ws/test/", headers=[(b"cookie", cookie)])
    connected, _code = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seen_ago, accepted", [(timedelta(minutes=5), True), (timedelta(minutes=31), False)])
async def test_websocket_handshake_refuses_an_expired_session(seen_ago, accepted):
    from asgiref.sync import sync_to_async
    from django.test import Client

    def prepare():
        user = UserFactory(is_secretariat=True)
        client = Client()
        client.force_login(user)
        _age(client, seen_ago=seen_ago)
        return client.session.session_key

    session_key = await sync_to_async(prepare)()
    assert await _handshake(session_key) is accepted


@pytest.mark.django_db
def test_time_in_a_live_room_counts_as_activity_but_not_past_the_absolute_limit(client, responder):
    from portal.session_policy import note_live_activity

    _signed_in(client, responder)
    _age(client, seen_ago=timedelta(minutes=45))  # no page for 45 minutes...
    note_live_activity(client.session.session_key)  # ...but the incident room was open
    response = client.get(PAGE)
    assert response.status_code == 200 and EXPIRED not in response.content.decode()

    _age(client, started_ago=timedelta(hours=12, minutes=1), seen_ago=timedelta(minutes=45))
    note_live_activity(client.session.session_key)
    response = client.get(PAGE, follow=True)
    assert EXPIRED in response.content.decode()
