"""Two server processes share a room through the Redis channel layer.

Both serve the test database on their own port. With REDIS_URL set (CI) they use that
Redis; without it, a private redis-server on a free port. Clients are real websocket
clients (the `websockets` library) authenticated with API tokens.
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from portal.services import create_api_token
from tests.browser.appserver import database_environment
from tests.helpers import processes

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 10  # generous: a loaded CI machine; no assertion depends on it
# The Procfile's server, and Daphne (the browser tests' server).
SERVER_COMMANDS = {
    "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", "portal.asgi:application"],
    "uvicorn": [
        *("-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", "{port}"),
        *("--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--lifespan", "off"),
    ],
}


def _wait_until(ready, process: subprocess.Popen, what: str, log: Path | None = None) -> None:
    try:
        processes.wait_until(ready, process, what, log=log, timeout=30)
    except processes.StartupError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def redis_url():
    """REDIS_URL if set; otherwise a private redis-server, which the test needs and starts itself."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "Two server processes can only share a room through Redis: set REDIS_URL, "
            "or install redis-server (apt-get install redis-server) so the test can start its own."
        )
    port = processes.free_port()
    with tempfile.TemporaryDirectory(prefix="two-processes-redis-") as workdir:
        process = processes.start(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir]
        )
        try:
            _wait_until(lambda: processes.accepts(port), process, "redis-server")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            processes.stop(process)


@contextmanager
def app_server(kind: str, redis: str, workdir: Path):
    """The production ASGI app in its own process, on the test database and the given Redis."""
    port = processes.free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL")}
    env.update(
        database_environment(connection.settings_dict),
        REDIS_URL=redis,
        DJANGO_SETTINGS_MODULE="portal.settings",
        PYTHONUNBUFFERED="1",
    )
    log = workdir / f"{kind}-{port}.log"
    command = [sys.executable, *(part.format(port=port) for part in SERVER_COMMANDS[kind])]
    process = processes.start(command, cwd=settings.BASE_DIR, env=env, log=log)
    try:
        _wait_until(lambda: processes.answers(f"http://127.0.0.1:{port}/healthz"), process, f"{kind} on {port}", log)
        process.port = port
        yield process
    finally:
        processes.stop(process)


@pytest.fixture
def room_with_two_tokens(incident_with_two_orgs, responder_a, responder_b):
    _token, key_a = create_api_token(user=responder_a, name="process one")
    _token, key_b = create_api_token(user=responder_b, name="process two")
    return incident_with_two_orgs, key_a, key_b


class RoomClient:
    """A websocket client that keeps every frame it gets, by type."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.items: list[dict] = []
        self.acks: list[dict] = []
        self.presences = 0
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, port: int, incident_id: int, key: str, query: str = ""):
        websocket = await connect(
            f"ws://127.0.0.1:{port}/ws/incidents/{incident_id}/{query}",
            additional_headers={"Authorization": f"Token {key}"},
            origin=f"http://127.0.0.1:{port}",
            open_timeout=WAIT,
        )
        client = cls(websocket)
        await client.until(lambda: client.presences, "its presence frame (joined)")
        return client

    async def _read(self):
        try:
            async for text in self.websocket:
                frame = json.loads(text)
                if frame["type"] == "item":
                    self.items.append(frame)
                elif frame["type"] == "ack":
                    self.acks.append(frame)
                elif frame["type"] == "presence":
                    self.presences += 1
                elif frame["type"] != "presence_change":  # who joined or left: not counted
                    pytest.fail(f"unexpected frame {frame}")
        except ConnectionClosed:
            pass

    async def until(self, condition, what: str):
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"waited {WAIT} s for {what}; items {self.seqs}, acks {self.acks}")
            await asyncio.sleep(0.02)

    async def say(self, body: str) -> int:
        client_id = str(uuid.uuid4())
        await self.websocket.send(json.dumps({"type": "message", "client_id": client_id, "body": body}))
        await self.until(lambda: any(a["client_id"] == client_id for a in self.acks), f"the ack of {body!r}")
        return next(a["seq"] for a in self.acks if a["client_id"] == client_id)

    @property
    def seqs(self) -> list[int]:
        return [item["seq"] for item in self.items]

    async def close(self):
        await self.websocket.close()
        await self.reader


@pytest.mark.parametrize("kind", sorted(SERVER_COMMANDS))
async def test_two_processes_share_a_room_and_a_client_fails_over(kind, redis_url, room_with_two_tokens, tmp_path):
    incident, key_a, key_b = room_with_two_tokens
    with app_server(kind, redis_url, tmp_path) as one, app_server(kind, redis_url, tmp_path) as two:
        alice = await RoomClient.open(one.port, incident.pk, key_a)
        bob = await RoomClient.open(two.port, incident.pk, key_b)

        # Each sees the other's message, through the other process, with its seq.
        seq = await alice.say("from process one")
        await bob.until(lambda: seq in bob.seqs, "alice's message on process two")
        reply = await bob.say("from process two")
        await alice.until(lambda: reply in alice.seqs, "bob's reply on process one")
        await bob.until(lambda: reply in bob.seqs, "bob's own reply (its ack may come first)")
        assert [i["body"] for i in bob.items] == ["from process one", "from process two"]
        assert alice.seqs == bob.seqs == [seq, reply] == [2, 3]

        # Process two dies; bob's connection drops with it.
        two.kill()
        two.wait()
        await asyncio.wait_for(bob.reader, WAIT)
        last_seen = bob.seqs[-1]
        missed = [await alice.say(f"while bob was away {n}") for n in range(3)]

        # Bob reconnects to process one from the last seq he saw: the missed items, then live ones.
        bob_again = await RoomClient.open(one.port, incident.pk, key_b, f"?after={last_seen}")
        await bob_again.until(lambda: len(bob_again.items) >= 3, "the replay")
        live = await alice.say("after bob is back")
        await bob_again.until(lambda: live in bob_again.seqs, "the live message after the replay")
        assert bob_again.seqs == [*missed, live] == [4, 5, 6, 7]
        assert [i["body"] for i in bob_again.items[:3]] == [f"while bob was away {n}" for n in range(3)]
        assert alice.seqs == [2, 3, 4, 5, 6, 7]

        await alice.close()
        await bob_again.close()


def _post_message(port: int, incident_id: int, key: str, body: str) -> int:
    """POSTs a room message through the API of the process on `port`; returns its seq."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/incidents/{incident_id}/items/",
        data=json.dumps({"client_id": str(uuid.uuid4()), "body": body}).encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        assert response.status == 201
        return json.load(response)["ack"]["seq"]


async def test_the_procfile_layout_two_websocket_processes_and_a_page_process(
    redis_url, room_with_two_tokens, tmp_path
):
    """The Procfile's process groups scaled out: the room's clients on two `ws` processes, messages
    posted through the API of a `web` process; every client gets every item once, in seq order."""
    incident, key_a, key_b = room_with_two_tokens
    with (
        app_server("uvicorn", redis_url, tmp_path) as ws_one,
        app_server("uvicorn", redis_url, tmp_path) as ws_two,
        app_server("uvicorn", redis_url, tmp_path) as web,
    ):
        alice = await RoomClient.open(ws_one.port, incident.pk, key_a)
        bob = await RoomClient.open(ws_two.port, incident.pk, key_b)

        posted = [
            await asyncio.to_thread(_post_message, web.port, incident.pk, key_a, f"from the web process {n}")
            for n in range(5)
        ]
        reply = await bob.say("from the second ws process")
        for client in (alice, bob):
            await client.until(lambda client=client: reply in client.seqs, "every item on both ws processes")
        assert alice.seqs == bob.seqs == [*posted, reply] == [2, 3, 4, 5, 6, 7]
        assert [i["body"] for i in alice.items] == [
            *(f"from the web process {n}" for n in range(5)),
            "from the second ws process",
        ]

        await alice.close()
        await bob.close()
