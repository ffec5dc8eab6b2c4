"""The drills' room client (room.py) itself: a post on a connection the server has just closed
waits for the client to reconnect, instead of retrying without ever yielding to the event loop.

That spin stopped every client of the Sentinel failover drill at once (a server's 1011 arrives,
the post's send fails at once, `connected` is still set): the drill failed about one run in five
with "no answer ... in 20 s" while both servers sat idle with no connection at all."""

import asyncio
import json

from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

from .room import RoomClient

SPINS = 50  # sends on the dead connection before the test calls it a spin


class ClosedConnection:
    """A connection the server closed with 1011: every send fails at once, without awaiting."""

    def __init__(self):
        self.sends = 0

    async def send(self, text):
        self.sends += 1
        if self.sends > SPINS:
            raise RuntimeError("say() retried the closed connection without yielding to the event loop")
        raise ConnectionClosedError(Close(1011, ""), Close(1011, ""), True)


class AnsweringConnection:
    """The reconnected connection: the server acknowledges each post."""

    def __init__(self, client: RoomClient):
        self.client = client

    async def send(self, text):
        self.client._receive({"type": "ack", "client_id": json.loads(text)["client_id"], "seq": 7})


async def test_a_post_on_a_connection_just_closed_waits_for_the_client_to_reconnect():
    client = RoomClient("writer", ["ws://127.0.0.1:9"], incident_id=1, key="unused")
    closed = ClosedConnection()
    client.websocket = closed
    client.connected.set()  # the close has arrived; the client's own loop has not run since

    async def what_run_does_next():
        client.websocket = None  # it notices the close ...
        client.connected.clear()
        await asyncio.sleep(0)
        client.websocket = AnsweringConnection(client)  # ... and connects again
        client.connected.set()

    reconnecting = asyncio.ensure_future(what_run_does_next())
    outcome, seq, _client_id = await client.say("live 1")
    await reconnecting
    assert (outcome, seq) == ("acked", 7)
    assert closed.sends == 1
