"""Who may enter a room, checked for the connections entering it together in one process.

A room that reconnects after a restart is hundreds of handshakes at once. Checked one by one,
each took a trip to the thread pool and two queries, and the joins queued behind each other
in the pool. Here the first connection to arrive is checked at once; those that arrive
while that check runs wait for the next one, which checks them all in the same two queries
(permissions.room_entries): a join costs a share of a batch, not a batch, and a quiet room
waits for nothing.
"""

import asyncio
import weakref

from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.ws import pooled

from .permissions import room_entries

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

# Doors belong to an event loop (tests run each on its own loop); one per room being entered.
_doors: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def _close_code(refusal: Exception | None) -> int | None:
    if refusal is None:
        return None
    if isinstance(refusal, Http404):
        return CLOSE_NOT_FOUND
    assert isinstance(refusal, PermissionDenied), refusal
    return CLOSE_FORBIDDEN


class _Door:
    def __init__(self, incident_id: int):
        self.incident_id = incident_id
        self.waiting: list[tuple[object, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def _run(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    incident, refusals = await pooled(room_entries)([user for user, _ in batch], self.incident_id)
                except Exception as error:  # the database, most likely: each connection closes with "try again"
                    for _user, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_user, future), refusal in zip(batch, refusals, strict=True):
                    if not future.done():  # a connection may have gone while it waited
                        future.set_result((incident, _close_code(refusal)))
        finally:
            doors = _doors.get(asyncio.get_running_loop(), {})
            if doors.get(self.incident_id) is self:
                del doors[self.incident_id]
            for _user, future in self.waiting:  # cancelled with waiters left: they try again
                future.cancel()


async def enter(user, incident_id: int):
    """(incident, None) if the user may enter the room, else (None or the incident, close code)."""
    loop = asyncio.get_running_loop()
    doors = _doors.setdefault(loop, {})
    door = doors.get(incident_id)
    if door is None:
        door = doors[incident_id] = _Door(incident_id)
    future = loop.create_future()
    door.waiting.append((user, future))
    if door.task is None or door.task.done():
        door.task = asyncio.ensure_future(door._run())
    incident, code = await future
    return (None, code) if code else (incident, None)
