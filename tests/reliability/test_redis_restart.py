"""Drill: Redis dies and comes back while two clients sit in a room and a third posts.

Two app server processes share a private redis-server, which the drill kills (SIGKILL,
no persistence: it comes back empty) and starts again on the same port.
"""

import asyncio

import pytest
from django.db import connection

from .checks import post_message, readyz, request, stored_items, until
from .room import RoomClient
from .servers import AppServer, RedisServer, database_url

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


async def test_redis_restart_loses_nothing_and_http_keeps_serving(room, tmp_path):
    incident, (key_a, key_b, key_writer) = room
    redis = RedisServer(tmp_path)
    redis.start()
    servers = [
        AppServer(database_url=database_url(connection.settings_dict), redis_url=redis.url, workdir=tmp_path)
        for _ in range(2)
    ]
    clients = []
    try:
        await asyncio.gather(*(asyncio.to_thread(server.start) for server in servers))
        one, two = servers
        urls = [one.ws_url, two.ws_url]
        alice = await RoomClient("alice", [one.ws_url], incident.pk, key_a).start()
        bob = await RoomClient("bob", [two.ws_url], incident.pk, key_b).start()
        writer = await RoomClient("writer", urls, incident.pk, key_writer).start()
        clients = [alice, bob, writer]
        accepted: dict[str, int] = {}  # client_id -> seq, for every message the app said it stored
        refused: list[str] = []
        for n in range(3):
            outcome, answer, client_id = await writer.say(f"before {n}")
            assert outcome == "acked", answer
            accepted[client_id] = answer
        for client in (alice, bob):
            await client.until(lambda c=client: c.last_seq >= max(accepted.values()), "the messages before")

        redis.kill()
        for server in servers:
            status, body = await until(lambda s=server: _unready(s), f"/readyz on {server.port} to report Redis")
            assert status == 503 and "channel_layer" in body["failing"], body
            assert body["checks"]["database"] == "ok", body
        # HTTP keeps serving: a page, the API's read and write.
        status, _headers, page = await request("GET", one.url + "/")
        assert status == 200, page[:300]
        status, _headers, page = await request("GET", f"{two.url}/api/v1/incidents/{incident.pk}/", key=key_a)
        assert status == 200, page[:300]
        # The writer's websocket message waits in its outbox until a connection takes it.
        outbox = asyncio.ensure_future(writer.say("during, by websocket"))
        for n, server in enumerate(servers * 2):
            client_id, status, answer = await post_message(server, incident.pk, key_writer, f"during {n}, by API")
            assert status in (201, 503), (status, answer)  # stored, or refused with a clear error
            if status == 201:
                accepted[client_id] = answer["ack"]["seq"]
            else:
                assert answer["detail"], answer
                refused.append(client_id)

        await asyncio.to_thread(redis.start)  # the clients keep retrying meanwhile
        for server in servers:
            status, body = await until(lambda s=server: _ready(s), f"/readyz on {server.port} after the restart")
            assert body["checks"]["channel_layer"] == "ok", body
        outcome, answer, client_id = await outbox
        assert outcome == "acked", answer
        accepted[client_id] = answer
        for n in range(3):
            outcome, answer, client_id = await writer.say(f"after {n}")
            assert outcome == "acked", answer
            accepted[client_id] = answer

        stored = await stored_items(one, incident.pk, key_a)
        stored_seqs = [item["seq"] for item in stored]
        assert stored_seqs == list(range(1, len(stored) + 1))
        by_client_id = {item["client_id"]: item["seq"] for item in stored if item["client_id"]}
        assert {cid: by_client_id.get(cid) for cid in accepted} == accepted  # each accepted item stored once
        assert not set(refused) & set(by_client_id)  # a refused one is not stored behind the writer's back
        for client in (alice, bob):
            await client.until(lambda c=client: c.last_seq >= stored_seqs[-1], "every stored item")
            assert client.seqs == stored_seqs, client.name  # each item once, in seq order
            assert client.out_of_order == [], client.name
            assert [item["id"] for item in client.items] == [item["id"] for item in stored]
            assert client.connections >= 2, f"{client.name} never reconnected"  # the outage closed it
    finally:
        for client in clients:
            await client.stop()
        for server in servers:
            server.stop()
        redis.stop()


async def _unready(server):
    status, body = await readyz(server)
    return (status, body) if status != 200 else None


async def _ready(server):
    status, body = await readyz(server)
    return (status, body) if status == 200 else None
