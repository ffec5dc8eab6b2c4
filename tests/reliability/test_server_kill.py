"""Drill: an app server process is killed (kill -9) under its clients while a writer keeps posting.

Two processes share the room through Redis. The clients sit on process one; when it
dies they reconnect to process two (as a load balancer would send them) with
?after=<last seq>, and end with every item once, in order.
"""

import asyncio
import os

import pytest
from django.db import connection

from .checks import stored_items
from .room import RoomClient
from .servers import AppServer, database_url

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

# Below the room's flood limit (20 messages in 10 s per user), so no post is refused for speed.
WRITER_PAUSE_SECONDS = 0.6


async def _keep_posting(writer: RoomClient, stop: asyncio.Event, answers: list) -> None:
    n = 0
    while not stop.is_set():
        answers.append(await writer.say(f"message {n}"))
        n += 1
        await asyncio.sleep(WRITER_PAUSE_SECONDS)


async def test_killed_server_clients_resume_on_the_other(room, tmp_path):
    incident, (key_a, key_b, key_writer) = room
    servers = [
        AppServer(
            database_url=database_url(connection.settings_dict), redis_url=os.environ["REDIS_URL"], workdir=tmp_path
        )
        for _ in range(2)
    ]
    clients: list[RoomClient] = []
    writing = None
    try:
        await asyncio.gather(*(asyncio.to_thread(server.start) for server in servers))
        one, two = servers
        # The clients' "load balancer" sends them to process one first, then to the next one alive.
        alice = await RoomClient("alice", [one.ws_url, two.ws_url], incident.pk, key_a).start()
        bob = await RoomClient("bob", [one.ws_url, two.ws_url], incident.pk, key_b).start()
        writer = await RoomClient("writer", [two.ws_url], incident.pk, key_writer).start()
        clients = [alice, bob, writer]
        stop, answers = asyncio.Event(), []
        writing = asyncio.ensure_future(_keep_posting(writer, stop, answers))
        for client in (alice, bob):
            await client.until(lambda c=client: len(answers) >= 3 and c.last_seq >= answers[2][1], "live messages")

        await asyncio.to_thread(one.kill)
        for client in (alice, bob):
            await client.until(lambda c=client: c.connections == 2 and c.connected.is_set(), "a reconnection")
        posted_at_reconnect = len(answers)
        await writer.until(lambda: len(answers) >= posted_at_reconnect + 3, "messages after the reconnections")
        stop.set()
        await writing

        assert [outcome for outcome, _seq, _client_id in answers] == ["acked"] * len(answers)
        stored = await stored_items(two, incident.pk, key_writer)
        stored_seqs = [item["seq"] for item in stored]
        assert stored_seqs == list(range(1, len(stored) + 1))
        assert {client_id: seq for _outcome, seq, client_id in answers} == {
            item["client_id"]: item["seq"] for item in stored if item["client_id"]
        }
        for client in (alice, bob):
            await client.until(lambda c=client: c.last_seq >= stored_seqs[-1], "every stored item")
            assert client.seqs == stored_seqs, client.name  # nothing missed, nothing twice, in order
            assert client.out_of_order == [], client.name
            assert client.connections == 2, client.name  # on process one, then on process two
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
        for client in clients:
            await client.stop()
        for server in servers:
            server.stop()
