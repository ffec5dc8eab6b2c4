"""The `rooms` fixture's connections end, whatever the test did (tests/helpers/rooms.py).

The room-outage test hung about one run in four on Redis: its connection was ended by
cancelling its application, the cancellation reached channels_redis's receive just as
redis-py's send under asyncio.wait_for completed, Python 3.11's wait_for lost it, and
asgiref's `wait` then awaited the application for ever. Here an application that loses a
cancellation the same way stands in for that timing."""

import asyncio

import pytest

from incidents import events, fanout
from tests.helpers import rooms as rooms_module
from tests.helpers.rooms import RoomCommunicator, Rooms, group_members


def loses_first_cancellation(*, crash_on_disconnect=False):
    """An ASGI websocket application that accepts, then loses the first cancellation it gets."""
    lost = []

    async def app(scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        try:
            message = await receive()
        except asyncio.CancelledError:
            lost.append(True)  # as asyncio.wait_for does on 3.11 when what it awaits has just finished
            await asyncio.Event().wait()
        if crash_on_disconnect and message["type"] == "websocket.disconnect":
            raise RuntimeError("crashed while leaving")
        await asyncio.Event().wait()

    return app, lost


@pytest.fixture
def quick_cancel(monkeypatch):
    monkeypatch.setattr(rooms_module, "CANCEL_WAIT", 0.05)


async def test_a_lost_cancellation_is_repeated_until_the_application_ends(quick_cancel):
    app, lost = loses_first_cancellation()
    communicator = RoomCommunicator(app, "/ws/test/")
    assert (await communicator.connect())[0]
    await communicator.wait(timeout=0)  # asgiref's wait cancelled once and awaited for ever
    assert lost == [True]
    assert communicator.future.cancelled()
    assert communicator.forced


async def test_a_receive_that_times_out_ends_the_application_too(quick_cancel):
    app, lost = loses_first_cancellation()
    communicator = RoomCommunicator(app, "/ws/test/")
    assert (await communicator.connect())[0]
    with pytest.raises(TimeoutError):
        await communicator.receive_output(timeout=0.01)
    assert lost == [True]
    assert communicator.future.cancelled()


async def test_an_application_error_while_leaving_fails_the_teardown(quick_cancel):
    app, _lost = loses_first_cancellation(crash_on_disconnect=True)
    opened = Rooms()
    communicator = opened.communicator("/ws/test/", app=app)
    assert (await communicator.connect())[0]
    with pytest.raises(RuntimeError, match="crashed while leaving"):
        await opened.close_all()
    assert communicator.future.done()


@pytest.mark.django_db(transaction=True)
async def test_connections_a_test_left_open_leave_the_room_at_teardown(incident_with_two_orgs, responder_a):
    opened = Rooms()
    room_group = events.room_group(incident_with_two_orgs.pk)
    left_open = [await opened.join(responder_a, incident_with_two_orgs) for _ in range(2)]
    assert len(await group_members(room_group)) == 1  # the room's hub
    assert len(await group_members(events.RECHECK_GROUP)) == 1  # the hub again: connections have no channel
    await opened.close_all()  # what the fixture does after a test that failed before disconnecting
    # Ended, by themselves or by a repeated cancellation: on Python 3.11 a channels_redis receive
    # may swallow the first one (tests/helpers/rooms.py), so "by themselves" is not guaranteed.
    assert all(communicator.future.done() for communicator in left_open)
    assert await group_members(room_group) == set()
    assert await group_members(events.RECHECK_GROUP) == set()
    assert not fanout._hubs.get(asyncio.get_running_loop())
    await opened.assert_left()
