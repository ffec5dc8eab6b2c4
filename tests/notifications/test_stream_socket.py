"""/ws/notifications/ through the real routing and the real auth stack: replay with ?after,
live frames, gaps filled from the database, no loss across a reconnect, and the ends of a
credential (contract: README, "Notifications")."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from portal.notifications import inbox, stream
from portal.notifications.routing import websocket_urlpatterns
from portal.notifications.stream_models import Notification
from portal.services import create_api_token, revoke_api_token
from portal.ws.router import InPlaceURLRouter
from tests.helpers.rooms import WAIT, RoomCommunicator, group_members
from tests.helpers.two_factor import signed_in
from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

OWN = (b"origin", b"https://portal.example")  # SITE_URL in tests/notifications
FOREIGN = (b"origin", b"https://evil.example")


@sync_to_async
def notify(user, key):
    return inbox.notify(
        recipients=[user], kind="test", key=key, message="Incident #%(number)s was declared.", params={"number": key}
    )


@pytest.fixture
async def ana():
    return await sync_to_async(UserFactory)()


@pytest.fixture
async def streams():
    opened = []

    async def open_stream(user=None, query="", *, app=None, headers=None):
        communicator = RoomCommunicator(
            app or InPlaceURLRouter(websocket_urlpatterns), f"/ws/notifications/{query}", headers=headers
        )
        if user is not None:
            communicator.scope["user"] = signed_in(user)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=WAIT)
        assert connected
        return communicator

    yield open_stream
    for communicator in opened:
        if communicator._future is not None and not communicator._future.done():
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=WAIT)


async def frames_until_unread(communicator):
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=WAIT)
        if frame["type"] == "unread":
            return frames, frame["count"]
        frames.append(frame)


async def test_anonymous_is_closed_with_4401(streams):
    from django.contrib.auth.models import AnonymousUser

    communicator = await streams()
    communicator.scope["user"] = AnonymousUser()
    assert (await communicator.receive_output(timeout=WAIT))["code"] == 4401


async def test_replay_after_then_live_in_order(streams, ana):
    for key in ("1", "2", "3"):
        await notify(ana, key)
    communicator = await streams(ana, "?after=1")
    replayed, unread = await frames_until_unread(communicator)
    assert [f["seq"] for f in replayed] == [2, 3] and unread == 3
    assert replayed[0]["text"] == "Incident #2 was declared." and replayed[0]["read"] is False
    await notify(ana, "4")
    live = await communicator.receive_json_from(timeout=WAIT)
    assert live["type"] == "notification" and live["seq"] == 4 and live["kind"] == "test"
    assert {"id", "url", "created_at"} <= set(live)
    await communicator.disconnect()
    assert await group_members(stream.user_group(ana.pk)) == set()


async def test_without_after_only_new_notifications_arrive(streams, ana):
    await notify(ana, "old")
    communicator = await streams(ana)
    assert await frames_until_unread(communicator) == ([], 1)
    await notify(ana, "new")
    assert (await communicator.receive_json_from(timeout=WAIT))["seq"] == 2


async def test_one_notification_to_many_reaches_each_their_own_frame_in_their_language(streams, ana):
    """One broadcast carries every recipient's frames (stream.broadcast); each connection sends
    only its own user's, in that user's language."""
    ben = await sync_to_async(UserFactory)(language="fr")
    ana_stream, ben_stream = await streams(ana), await streams(ben)
    await frames_until_unread(ana_stream)
    await frames_until_unread(ben_stream)
    await notify(ana, "first-for-ana")
    await sync_to_async(inbox.notify)(
        recipients=[ana, ben],
        kind="test",
        key="both",
        message="Incident #%(number)s was declared.",
        params={"number": 5},
    )
    assert [(await ana_stream.receive_json_from(timeout=WAIT))["seq"] for _ in range(2)] == [1, 2]
    for_ben = await ben_stream.receive_json_from(timeout=WAIT)
    assert (for_ben["seq"], for_ben["text"]) == (1, "L'incident n° 5 a été déclaré.")
    assert await ben_stream.receive_nothing(timeout=0.3)


async def test_a_lost_broadcast_is_filled_from_the_database_before_the_next(streams, ana, monkeypatch):
    communicator = await streams(ana, "?after=0")
    assert await frames_until_unread(communicator) == ([], 0)
    with monkeypatch.context() as patched:
        patched.setattr(stream, "broadcast", lambda *args, **kwargs: None)  # the layer lost it
        await notify(ana, "lost")
    await notify(ana, "next")
    assert [(await communicator.receive_json_from(timeout=WAIT))["seq"] for _ in range(2)] == [1, 2]


async def test_a_repeated_broadcast_is_sent_once(streams, ana):
    communicator = await streams(ana, "?after=0")
    await frames_until_unread(communicator)
    [notification] = await notify(ana, "once")
    await sync_to_async(stream.broadcast)([notification], languages={})
    await notify(ana, "twice")
    assert [(await communicator.receive_json_from(timeout=WAIT))["seq"] for _ in range(2)] == [1, 2]


async def test_a_client_that_reconnects_from_its_last_seq_misses_nothing(streams, ana):
    first = await streams(ana, "?after=0")
    await frames_until_unread(first)
    await notify(ana, "a")
    last = (await first.receive_json_from(timeout=WAIT))["seq"]
    await first.disconnect()
    await notify(ana, "b")  # while away
    await notify(ana, "c")
    second = await streams(ana, f"?after={last}")
    replayed, _unread = await frames_until_unread(second)
    assert [f["seq"] for f in replayed] == [2, 3]


async def test_the_heartbeat_sends_the_unread_count_and_what_a_lost_broadcast_left_out(
    streams, ana, settings, monkeypatch
):
    settings.NOTIFICATIONS_HEARTBEAT_SECONDS = 0.2
    communicator = await streams(ana, "?after=0")
    await frames_until_unread(communicator)
    monkeypatch.setattr(stream, "broadcast", lambda *args, **kwargs: None)
    await notify(ana, "lost")
    replayed, unread = await frames_until_unread(communicator)
    assert [f["seq"] for f in replayed] == [1] and unread == 1


async def test_marking_read_pushes_the_new_count(streams, ana):
    [notification] = await notify(ana, "a")
    communicator = await streams(ana)
    assert await frames_until_unread(communicator) == ([], 1)
    await sync_to_async(inbox.mark_read)(user=ana, notification_id=notification.pk)
    assert await communicator.receive_json_from(timeout=WAIT) == {"type": "unread", "count": 0}
    assert await sync_to_async(Notification.objects.filter(read_at__isnull=True).count)() == 0


@pytest.mark.parametrize("query", ["?after=-1", "?after=x"])
async def test_a_bad_after_is_an_error_frame_and_the_stream_goes_live(streams, ana, query):
    communicator = await streams(ana, query)
    assert (await communicator.receive_json_from(timeout=WAIT))["code"] == "bad_after"
    await frames_until_unread(communicator)
    await notify(ana, "a")
    assert (await communicator.receive_json_from(timeout=WAIT))["seq"] == 1


@pytest.mark.parametrize("text", ["{", "[]", '{"type": "message"}', "x" * 5000])
async def test_client_frames_get_an_error_and_the_stream_stays_open(streams, ana, text):
    communicator = await streams(ana)
    await frames_until_unread(communicator)
    await communicator.send_to(text_data=text)
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "error"
    await notify(ana, "a")
    assert (await communicator.receive_json_from(timeout=WAIT))["seq"] == 1


# --- the real ASGI stack: origin, session, token ---


async def real_stream(streams, headers):
    from portal.asgi import application

    return await streams(app=application, headers=headers)


async def test_a_token_client_connects_and_is_closed_when_the_token_is_revoked(streams, ana):
    token, key = await sync_to_async(create_api_token)(user=ana, name="script")
    communicator = await real_stream(streams, [(b"authorization", f"Token {key}".encode())])
    assert await frames_until_unread(communicator) == ([], 0)
    await sync_to_async(revoke_api_token)(actor=ana, token=token)
    await sync_to_async(stream.recheck)(ana.pk)
    assert (await communicator.receive_output(timeout=WAIT))["code"] == 4401


async def test_a_foreign_origin_or_a_bad_token_is_refused(streams, ana):
    from portal.asgi import application

    _token, key = await sync_to_async(create_api_token)(user=ana, name="script")
    foreign = RoomCommunicator(
        application, "/ws/notifications/", headers=[(b"authorization", f"Token {key}".encode()), FOREIGN]
    )
    connected, _ = await foreign.connect(timeout=WAIT)
    assert not connected
    bad = await real_stream(streams, [(b"authorization", b"Token cp_nope")])
    assert (await bad.receive_output(timeout=WAIT))["code"] == 4401


async def test_a_browser_session_connects_and_logging_out_closes_it(streams, ana):
    client = Client()

    def sign_in():
        assert client.login(email=ana.email, password=PASSWORD)
        return client.cookies["sessionid"].value

    cookie = (b"cookie", f"sessionid={await sync_to_async(sign_in)()}".encode())
    communicator = await real_stream(streams, [cookie, OWN])
    assert await frames_until_unread(communicator) == ([], 0)
    await notify(ana, "a")
    assert (await communicator.receive_json_from(timeout=WAIT))["seq"] == 1
    await sync_to_async(client.post)("/accounts/logout/")
    assert (await communicator.receive_output(timeout=WAIT))["code"] == 4401


def test_frames_are_json_with_a_type():
    assert json.loads(stream.encode(stream.unread_frame(2))) == {"type": "unread", "count": 2}
