"""A room client that behaves as the contract asks a real one to (PRODUCT.md, "Websocket room").

It keeps every item it receives, reconnects with `?after=<last seq>` whenever its
connection drops (to the next server in its list, as a load balancer would), and
resends an unacknowledged message with the same client_id after reconnecting. Whatever
the server does, the client records it; the drills assert on the record.
"""

import asyncio
import itertools
import json
import time
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

WAIT = 20  # generous: a loaded CI machine; no assertion depends on it
RETRY_SECONDS = 0.2


class RoomClient:
    def __init__(self, name: str, ws_urls: list[str], incident_id: int, key: str):
        self.name = name
        self._urls = itertools.cycle(ws_urls)
        self.path = f"/ws/incidents/{incident_id}/"
        self.key = key
        self.items: list[dict] = []
        self.out_of_order: list[tuple[int, int]] = []  # (expected seq, received seq)
        self.acks: dict[str, int] = {}
        self.errors: list[dict] = []
        self.closes: list[int | None] = []  # close codes of dropped connections
        self.connections = 0  # successful handshakes
        self.refused_handshakes = 0
        self.failures: list[tuple[float, str]] = []  # (time.monotonic(), what) of failed connections
        self.websocket = None
        self.connected = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    # --- lifecycle ---

    async def start(self) -> "RoomClient":
        self._task = asyncio.ensure_future(self._run())
        await self.until(lambda: self.connected.is_set(), "the first connection")
        return self

    async def stop(self) -> None:
        self._stopping = True
        if self.websocket is not None:
            await self.websocket.close()
        await asyncio.wait_for(self._task, WAIT)

    @property
    def last_seq(self) -> int:
        return self.items[-1]["seq"] if self.items else 0

    @property
    def seqs(self) -> list[int]:
        return [item["seq"] for item in self.items]

    async def _run(self) -> None:
        url = next(self._urls)
        while not self._stopping:
            try:
                async with connect(
                    f"{url}{self.path}?after={self.last_seq}",
                    additional_headers={"Authorization": f"Token {self.key}"},
                    origin=url.replace("ws://", "http://"),
                    open_timeout=5,
                ) as websocket:
                    self.websocket = websocket
                    self.connections += 1
                    self.connected.set()
                    async for text in websocket:
                        self._receive(json.loads(text))
                    self.closes.append(websocket.close_code)
            except ConnectionClosed as closed:
                self.closes.append(closed.rcvd.code if closed.rcvd else None)
                self.failures.append((time.monotonic(), repr(closed)))
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError) as error:
                self.refused_handshakes += 1
                self.failures.append((time.monotonic(), f"{url}: {error!r}"))
            finally:
                self.websocket = None
                self.connected.clear()
            if not self._stopping:
                # Try the next server (a load balancer's job); a dead one refuses at once.
                url = next(self._urls)
                await asyncio.sleep(RETRY_SECONDS)

    def _receive(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "item":
            if frame["seq"] != self.last_seq + 1:
                self.out_of_order.append((self.last_seq + 1, frame["seq"]))
            self.items.append(frame)
        elif kind == "ack":
            self.acks[frame["client_id"]] = frame["seq"]
        elif kind == "error":
            self.errors.append(frame)

    # --- waiting and writing ---

    async def until(self, condition, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} waited {WAIT} s for {what}; seqs {self.seqs[-10:]}, closes {self.closes}, "
                    f"errors {self.errors[-3:]}, connections {self.connections}"
                )
            await asyncio.sleep(0.02)

    async def say(self, body: str, *, client_id: str | None = None) -> tuple[str, int | dict, str]:
        """Posts until the server answers: ("acked", seq, client_id) or ("refused", error frame, client_id).

        A connection that drops before the answer is retried with the same client_id,
        which the server stores at most once."""
        client_id = client_id or str(uuid.uuid4())
        deadline = time.monotonic() + WAIT
        errors_before = len(self.errors)
        while time.monotonic() < deadline:
            await self.until(lambda: self.connected.is_set(), f"a connection to post {body!r}")
            websocket = self.websocket
            try:
                await websocket.send(json.dumps({"type": "message", "client_id": client_id, "body": body}))
            except ConnectionClosed:
                # Wait for `_run` to notice the drop and reconnect. Retrying at once found
                # `connected` still set and this send failing again without ever yielding to the
                # event loop, so `_run` never ran: the client spun until its deadline, every
                # client of the drill stood still with it, and the failover drill failed about
                # one run in five ("no answer ... in 20 s").
                replaced = lambda dropped=websocket: self.websocket is not dropped  # noqa: E731
                await self.until(replaced, "its dropped connection to be noticed")
                continue
            while websocket is self.websocket and time.monotonic() < deadline:
                if client_id in self.acks:
                    return "acked", self.acks[client_id], client_id
                for error in self.errors[errors_before:]:
                    if error.get("client_id") == client_id:
                        return "refused", error, client_id
                await asyncio.sleep(0.02)
        failures = [(round(at - time.monotonic(), 1), what) for at, what in self.failures[-4:]]
        raise AssertionError(
            f"{self.name}: no answer to {body!r} in {WAIT} s; closes {self.closes}; "
            f"connections {self.connections}; last failures (s ago) {failures}"
        )
