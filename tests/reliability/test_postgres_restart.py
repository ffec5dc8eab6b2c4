"""Drill: PostgreSQL "restarts" under requests.

The app server reaches the database through a proxy (proxy.py) that drops every
connection and refuses new ones for a few seconds. Meanwhile every request that needs
the database gets a clean 503 with Retry-After (JSON under /api/, a page otherwise), a
websocket post gets an error frame on a connection that stays open, and afterwards the
app recovers by itself: no restart, health-checked connections.
"""

import asyncio
import json
import os
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.portal.factories import UserFactory

from .checks import readyz, request, until
from .proxy import RestartingProxy
from .room import RoomClient
from .servers import AppServer, database_url, free_port

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(transactional_db):
    """A signed-in browser's cookie: its session and user are read from the database on every request."""
    client = Client()
    client.force_login(UserFactory())
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _answers(server, incident_id: int, key: str, cookie: str) -> dict[str, tuple[int, dict, bytes]]:
    """What a browser, a signed-in browser and an API client get from pages that need the database."""
    api = f"{server.url}/api/v1/incidents/"
    return {
        # A name search is rendered afresh (portal.page_cache), so it needs the database.
        "page": await request("GET", server.url + "/organisations/?q=a"),
        "signed-in page": await request("GET", server.url + "/organisations/", cookie=cookie),
        "api read": await request("GET", api, key=key),
        "api write": await request(
            "POST", f"{api}{incident_id}/items/", key=key, payload={"client_id": _uuid(), "body": "via the API"}
        ),
    }


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


async def test_postgres_restart_answers_503_then_recovers(room, session_cookie, tmp_path):
    incident, (key, _key_b, _key_c) = room
    real = urlsplit(os.environ["DATABASE_URL"])
    proxy = RestartingProxy(
        listen_port=free_port("proxy"), target_host=real.hostname or "127.0.0.1", target_port=real.port or 5432
    )
    await proxy.start()
    server = AppServer(
        database_url=database_url(connection.settings_dict, port=proxy.port),
        redis_url=os.environ["REDIS_URL"],
        workdir=tmp_path,
    )
    client = None
    try:
        await asyncio.to_thread(server.start)  # in a thread: the proxy runs on this loop
        client = await RoomClient("alice", [server.ws_url], incident.pk, key).start()
        outcome, seq, _client_id = await client.say("before the restart")
        assert outcome == "acked", seq
        before = await _answers(server, incident.pk, key, session_cookie)
        assert {name: answer[0] for name, answer in before.items()} == {
            "page": 200,
            "signed-in page": 200,
            "api read": 200,
            "api write": 201,
        }
        assert (await request("GET", server.url + "/organisations/"))[0] == 200  # now in the page cache
        links_before = proxy.accepted

        await proxy.restart_begins()
        status, body = await readyz(server)
        assert (status, body["failing"]) == (503, ["database"]), body
        during = await _answers(server, incident.pk, key, session_cookie)
        for name, (status, headers, page) in during.items():
            assert status == 503, (name, status, page[:500])
            assert int(headers.get("retry-after", 0)) > 0, (name, headers, page[:300])
            if name.startswith("api"):
                assert json.loads(page)["detail"], name
            else:
                assert headers["content-type"].startswith("text/html"), name
                assert b"try again" in page.lower(), name
        assert (await request("GET", server.url + "/healthz"))[0] == 200  # the process itself is alive
        # The public directory cached before the outage is still served from the cache.
        status, _headers, page = await request("GET", server.url + "/organisations/")
        assert status == 200 and b"<!doctype html>" in page.lower(), page[:300]
        outcome, error, _client_id = await client.say("during the restart")
        assert outcome == "refused" and error["code"] == "unavailable", error

        await proxy.restart_ends()
        status, body = await until(lambda: _ready(server), "/readyz to recover without a restart")
        assert body["checks"]["database"] == "ok"
        after = await _answers(server, incident.pk, key, session_cookie)
        assert {name: answer[0] for name, answer in after.items()} == {name: got[0] for name, got in before.items()}
        outcome, seq, _client_id = await client.say("after the restart")
        assert outcome == "acked", seq
        assert proxy.accepted > links_before  # new database connections, through the same proxy
        # The websocket stayed open through the outage and still has every item, in order.
        assert client.connections == 1 and client.closes == []
        await client.until(lambda: client.last_seq >= seq, "the message after the restart")
        assert client.seqs == list(range(1, seq + 1)) and client.out_of_order == []
        assert "Internal Server Error" not in server.log()
    finally:
        if client is not None:
            await client.stop()
        await asyncio.to_thread(server.stop)
        await proxy.stop()


async def _ready(server):
    status, body = await readyz(server)
    return (status, body) if status == 200 else None
