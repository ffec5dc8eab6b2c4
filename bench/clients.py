"""N websocket clients in this process: connect, record every frame with its arrival
time, send from one at a fixed rate, and read the figures afterwards.

Frames are only timestamped while the run is live and parsed once it is over, so
the clients spend as little of the machine's second core as they can."""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

CONNECT_CONCURRENCY = 50
MARK = "bench:"


@dataclass
class Client:
    websocket: object
    frames: list = field(default_factory=list)
    reader: asyncio.Task | None = None
    counted: tuple = (0, 0, 0)  # (start, frames scanned, marked among them): count_marked's progress

    async def read(self):
        try:
            async for message in self.websocket:
                self.frames.append((time.perf_counter(), message))
        except ConnectionClosed:
            pass

    def count_marked(self, start: int) -> int:
        # Only the frames since the last call: rescanning them all every poll cost the clients'
        # process a growing share of its core in long runs.
        _start, scanned, marked = self.counted if self.counted[0] == start else (start, start, 0)
        marked += sum(1 for _t, text in self.frames[scanned:] if MARK in text)
        self.counted = (start, len(self.frames), marked)
        return marked


async def connect_all(urls: list[str], headers: list[list[tuple[str, str]]], *, joined_marker: str | None):
    """Connects one client per url; with joined_marker, waits until each has had a frame containing it."""
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(url, extra):
        async with semaphore:
            websocket = await connect(
                url,
                additional_headers=extra,
                origin=url.replace("ws://", "http://").split("/ws/")[0],
                compression=None,
                max_size=None,
                ping_interval=None,
                open_timeout=60,
                close_timeout=5,
            )
            client = Client(websocket)
            client.reader = asyncio.ensure_future(client.read())
            if joined_marker:
                deadline = time.monotonic() + 60
                while not any(joined_marker in text for _t, text in client.frames):
                    if time.monotonic() > deadline or client.reader.done():
                        raise RuntimeError(f"client on {url} never joined: {client.frames[:3]}")
                    await asyncio.sleep(0.01)
            return client

    return await asyncio.gather(*(one(url, extra) for url, extra in zip(urls, headers, strict=True)))


async def settle(clients, *, quiet_seconds: float = 1.0, limit_seconds: float = 60.0) -> None:
    """Waits until no client has received anything for quiet_seconds (join presence storms)."""
    deadline = time.monotonic() + limit_seconds
    last = -1
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        total = sum(len(c.frames) for c in clients)
        if total != last:
            last, quiet_since = total, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return
        await asyncio.sleep(0.1)


def message_frame(index: int, size: int) -> str:
    frame = {"type": "message", "client_id": str(uuid.uuid4()), "body": f"{MARK}{index}:"}
    text = json.dumps(frame)
    frame["body"] += "x" * max(0, size - len(text))
    return json.dumps(frame)


async def send_at_rate(sender: Client, *, messages: int, rate: float, size: int) -> list[float]:
    """Sends `messages` frames, one every 1/rate seconds; returns each one's send time."""
    sent = []
    start = time.perf_counter()
    for index in range(messages):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        text = message_frame(index, size)
        sent.append(time.perf_counter())
        await sender.websocket.send(text)
    return sent


async def wait_for_deliveries(clients, starts, *, expected: int, stall_seconds: float, limit_seconds: float) -> None:
    """Until every client has `expected` marked frames, nothing arrives for stall_seconds, or the limit."""
    deadline = time.monotonic() + limit_seconds
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        counts = [c.count_marked(s) for c, s in zip(clients, starts, strict=True)]
        if all(n >= expected for n in counts):
            return
        total = sum(counts)
        if total != last:
            last, quiet_since = total, time.monotonic()
        elif time.monotonic() - quiet_since > stall_seconds:
            return
        await asyncio.sleep(0.2)


@dataclass
class Result:
    deliveries: int
    expected: int
    seconds: float
    latencies: list
    order_ok: bool
    errors: int

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def analyse(clients, starts, sent: list[float], *, check_seq: bool) -> Result:
    latencies, order_ok, errors, last_arrival = [], True, 0, sent[0]
    for client, start in zip(clients, starts, strict=True):
        seqs = []
        for arrived, text in client.frames[start:]:
            if '"error"' in text and MARK not in text:
                errors += 1
            if MARK not in text:
                continue
            frame = json.loads(text)
            index = int(frame["body"][len(MARK) :].split(":", 1)[0])
            latencies.append(arrived - sent[index])
            last_arrival = max(last_arrival, arrived)
            if check_seq:
                seqs.append(frame["seq"])
        if check_seq and seqs and seqs != list(range(seqs[0], seqs[0] + len(seqs))):
            order_ok = False
    return Result(
        deliveries=len(latencies),
        expected=len(sent) * len(clients),
        seconds=last_arrival - sent[0],
        latencies=latencies,
        order_ok=order_ok,
        errors=errors,
    )


async def close_all(clients) -> None:
    await asyncio.gather(*(c.websocket.close() for c in clients), return_exceptions=True)
    for client in clients:
        if client.reader is not None:
            client.reader.cancel()
