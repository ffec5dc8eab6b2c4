"""The channel layer fails under a room (Redis away): its connections close with 1011 so that
clients reconnect with ?after, and the next connection gets a working room again.

Without this a process's hub for the room died silently and later connections joined the
dead hub: they replayed the backlog and then received nothing live. The Redis drill in
tests/reliability/ shows the same against a real redis-server that is killed."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from incidents import fanout

from .test_consumers import post, receive

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5


class Outage:
    """Fails pending and later receives on the layer, as a dead Redis does: on every channel,
    or only on some (a hub's connection to Redis may break before the connections' do)."""

    def __init__(self):
        self.event = asyncio.Event()
        self.only: set[str] | None = None

    def begin(self, only=None) -> None:
        self.only = only
        self.event.set()

    def end(self) -> None:
        self.event.clear()

    def hits(self, channel: str) -> bool:
        return self.event.is_set() and (self.only is None or channel in self.only)


@pytest.fixture
def outage():
    layer = get_channel_layer()
    original = layer.receive
    outage = Outage()

    async def receive_unless_away(channel):
        if outage.hits(channel):
            raise RedisConnectionError("Connection closed by server.")
        receiving, failing = asyncio.ensure_future(original(channel)), asyncio.ensure_future(outage.event.wait())
        try:
            done, _pending = await asyncio.wait({receiving, failing}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the connection ends: asyncio.wait leaves both running
            receiving.cancel()
            failing.cancel()
            raise
        if receiving in done:
            failing.cancel()
            return receiving.result()
        if outage.hits(channel):
            receiving.cancel()
            raise RedisConnectionError("Connection closed by server.")
        return await receiving

    layer.receive = receive_unless_away
    yield outage
    layer.receive = original


def _hub_count() -> int:
    return len(fanout._hubs.get(asyncio.get_running_loop(), {}))


def _hub():
    (hub,) = fanout._hubs.get(asyncio.get_running_loop(), {}).values()
    return hub


@pytest.mark.parametrize("failing", ["every channel", "the hub's channel"])
async def test_connections_close_to_reconnect_and_the_room_works_again(
    failing, outage, incident_with_two_orgs, responder_a, responder_b, rooms
):
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    outage.begin(only=None if failing == "every channel" else {_hub().channel_name})
    closed = await alice.receive_output(timeout=WAIT)
    while closed["type"] != "websocket.close":  # a presence frame may come first
        closed = await alice.receive_output(timeout=WAIT)
    assert closed["code"] == 1011  # try again: the client reconnects with ?after
    # The client answers the close, as a browser does. (Waiting for the connection to end by
    # itself relied on cancelling it, which on Redis could hang the test: tests/helpers/rooms.py.)
    await alice.disconnect(timeout=WAIT)
    assert _hub_count() == 0  # the dead hub is out of service

    # Redis is back: a reconnection replays what it missed, then receives live items.
    outage.end()
    missed = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="while away")
    alice = await rooms.join(responder_a, incident_with_two_orgs, f"?after={missed.seq - 1}")
    assert (await receive(alice))["seq"] == missed.seq
    live = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="live again")
    assert (await receive(alice))["seq"] == live.seq
    await alice.disconnect()
