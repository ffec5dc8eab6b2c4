"""Room websocket connections in tests, ended for sure (the `rooms` fixture, tests/incidents/conftest.py).

Ending a connection's application means cancelling its channel-layer receive. On Python 3.11
that cancellation can be lost: redis-py sends each command under asyncio.wait_for (we set a
socket_timeout), and 3.11's wait_for returns normally when it is cancelled just as the send it
waits for completes (CPython gh-86296, fixed in 3.12). The receive then goes on to BZPOPMIN and
channels_redis polls again every 5 s, forever. asgiref's `wait` and `receive_output` cancel the
application once and await it without a limit, so such a test hung until pytest-timeout; a test
that failed before `disconnect` left its connection to leak into teardown. Here every wait is
bounded, a lost cancellation is repeated, and the fixture disconnects whatever a test left open.
"""

import asyncio
import re

from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from incidents import events, fanout
from incidents.routing import websocket_urlpatterns
from portal.ws.router import InPlaceURLRouter
from tests.helpers.two_factor import signed_in

WAIT = 5  # generous: a loaded CI machine; no assertion depends on it
CANCEL_ATTEMPTS = 5
CANCEL_WAIT = 2  # seconds for one cancellation to take; a lost one is repeated after it

_INCIDENT_PATH = re.compile(r"^/ws/incidents/(\d+)/")


async def end_application(future: asyncio.Future, *, timeout: float) -> bool:
    """Waits up to `timeout` for the application to end by itself, then cancels it, again if a
    cancellation is lost. True if it ended by itself. Raises the application's own error."""
    await asyncio.wait([future], timeout=timeout)
    by_itself = future.done()
    for _ in range(CANCEL_ATTEMPTS):
        if future.done():
            break
        future.cancel()
        await asyncio.wait([future], timeout=CANCEL_WAIT)
    if not future.done():
        raise AssertionError(
            f"the room application ignored {CANCEL_ATTEMPTS} cancellations; it waits at:\n{_awaiting(future)}"
        )
    if not future.cancelled():
        future.result()  # the application's own error, as asgiref's wait raises it
    return by_itself


def _awaiting(task: asyncio.Task) -> str:
    """Where a task waits, down its chain of awaited coroutines (Task.print_stack shows the top only)."""
    lines, coroutine = [], task.get_coro()
    while coroutine is not None and getattr(coroutine, "cr_frame", None) is not None:
        frame = coroutine.cr_frame
        lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coroutine = coroutine.cr_await
    return "\n".join(lines) or repr(task)


class RoomCommunicator(WebsocketCommunicator):
    """A WebsocketCommunicator whose waits end, and whose owner knows whether it ended cleanly."""

    forced = False  # its application had to be cancelled instead of ending by itself

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending: list[dict] = []  # frames read ahead (Rooms.join), for tests/incidents' `receive`

    async def wait(self, timeout=1):
        if self._future is None:
            return
        if not await end_application(self.future, timeout=timeout):
            self.forced = True

    async def receive_output(self, timeout=1):
        if self.future.done():
            self.future.result()
        try:
            async with asyncio.timeout(timeout):
                return await self.output_queue.get()
        except TimeoutError:
            await self.wait(timeout=0)  # as asgiref does: a silent application is stopped
            raise


async def group_members(group) -> set[str]:
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return {c.decode() for c in await connection.zrange(layer._group_key(group), 0, -1)}


class Rooms:
    """Opens room connections; `close_all` ends every one of them, whatever the test did."""

    def __init__(self):
        self.opened: list[RoomCommunicator] = []
        self.incident_ids: set[int] = set()

    def communicator(self, path: str, *, app=None, headers=None, user=None) -> RoomCommunicator:
        """A connection not yet connected: through the real routing unless `app` is given; `user`
        is put in the scope as a user who passed two-factor (the stack's auth middleware is not run)."""
        communicator = RoomCommunicator(app or InPlaceURLRouter(websocket_urlpatterns), path, headers=headers)
        if user is not None:
            communicator.scope["user"] = signed_in(user)
        if match := _INCIDENT_PATH.match(path):
            self.incident_ids.add(int(match.group(1)))
        self.opened.append(communicator)
        return communicator

    async def join(self, user, incident, query="", *, wait_for_join=True) -> RoomCommunicator:
        """A connection that has joined the room: its own presence frame has arrived.
        Frames before it (the replay) are kept in `pending` for `receive`."""
        communicator = self.communicator(f"/ws/incidents/{incident.pk}/{query}", user=user)
        connected, _ = await communicator.connect(timeout=WAIT)
        assert connected
        while wait_for_join:
            frame = await communicator.receive_json_from(timeout=WAIT)
            if frame["type"] == "presence":
                break
            communicator.pending.append(frame)
        return communicator

    async def close_all(self) -> None:
        """Disconnects, as a client going away does, every connection whose application still
        runs; then ends it, bounded. Raises the first application error met, after ending them all."""
        errors = []
        for communicator in self.opened:
            future = communicator._future
            if future is None:
                continue
            try:
                if not future.done():
                    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
                await communicator.wait(timeout=WAIT)
            except BaseException as error:  # every connection is ended before any error is raised
                communicator.forced = communicator.forced or not future.done()
                errors.append(error)
        if errors:
            raise errors[0]

    async def assert_left(self) -> None:
        """Every connection that ended cleanly left its groups, and its room's hub stopped."""
        if any(communicator.forced for communicator in self.opened):
            return  # a cancelled application skipped its disconnect: the test has failed already
        for incident_id in self.incident_ids:
            assert await group_members(events.room_group(incident_id)) == set()
        assert await group_members(events.RECHECK_GROUP) == set()  # the hubs' re-check membership
        assert not fanout._hubs.get(asyncio.get_running_loop())
