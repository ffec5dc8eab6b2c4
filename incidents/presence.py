"""Who is in a room, as one process tells its connections: the roster each room's hub keeps.

A connection that enters gets the whole list at once (a `presence` frame): the list this
process read last, with its own user added when missing, spliced into the frame already
encoded rather than encoded again. After that it gets only the changes (`presence_change`
frames: who joined, who left), at most one per PRESENCE_INTERVAL_SECONDS, encoded once for
all the hub's connections. Every connection here knows the same list apart from its own
user, who is in the next read anyway, so one change frame fits them all: a join costs
one frame of one name to each connection, not the whole list to each (N joins used to
send N² names). The heartbeat sends the whole list to everyone (`presence` doubles as the
heartbeat), so a client that reads only `presence` frames is at most one heartbeat behind.

Presence rows (who is connected, across processes) are written and deleted in one batch per
interval for all the room's connections in this process, just before the list is read
again; a batch that wrote rows tells the room's other processes, which read again too.
The database is the one source of the list: a user with connections in two processes is
listed while either stays.
"""

import asyncio
import logging

from django.db import DatabaseError
from redis.exceptions import RedisError

from portal.ws import pooled

from . import events, selectors, services

logger = logging.getLogger(__name__)

# The changes of a busy spell (a room of a thousand reconnecting) go out together at its
# end; a change after a quiet spell goes out at once.
PRESENCE_INTERVAL_SECONDS = 0.25


def entry(user) -> dict:
    return {"id": user.pk, "name": user.display_name}


def _write_and_read(incident_id: int, arrived: list[tuple[str, int]], departed: list[str]) -> list[dict]:
    services.record_presence(incident_id=incident_id, arrived=arrived, departed=departed)
    return selectors.present_users(incident_id)


class Roster:
    """A room's list in one process, and the presence rows of the hub's connections.

    A connection here is a consumer with `user`, `channel_name` (its row's key), `present`
    (it has had the whole list: send it the changes) and `offer_frame(text)`.
    """

    def __init__(self, hub):
        self.hub = hub
        self.users: dict[int, dict] | None = None  # what every present connection here knows
        self.text: str | None = None  # the `presence` frame of self.users
        self.arriving: dict = {}  # connections whose rows the next batch writes (an ordered set)
        self.departing: list[str] = []  # rows the next batch deletes
        self.departed: asyncio.Future | None = None  # done when that batch is written
        self.writing: set = set()  # connections whose rows the batch under way writes
        self.written: set = set()  # connections whose rows were written
        self.lock = asyncio.Lock()
        self.loading: asyncio.Task | None = None
        self.task: asyncio.Task | None = None
        self.dirty = False
        self.sent_at = float("-inf")

    async def enter(self, consumer) -> None:
        """Queues the connection's row and sends it the list at once (read first if this is
        the room's first connection in the process)."""
        self.arriving[consumer] = None
        while self.users is None:
            # Those who enter while the first read is under way wait for it, not for one each.
            if self.loading is None or self.loading.done():
                self.loading = asyncio.ensure_future(self.refresh())
            await asyncio.shield(self.loading)  # its error is this connection's error
        if consumer.closing or consumer not in self.hub.members:
            return
        consumer.present = True
        consumer.offer_frame(self._whole_list_with(consumer.user))
        if consumer in self.arriving:
            self.changed()

    def _whole_list_with(self, user) -> str:
        if user.pk in self.users:
            return self.text
        # self.text ends with "]}" (events.encode, no spaces): add the one entry before it.
        return f"{self.text[:-2]}{',' if self.users else ''}{events.encode(entry(user))}]}}"

    async def leave(self, consumer) -> None:
        """Takes the connection's row out in the next batch, and waits for that batch. A
        DatabaseError means the row stays behind; it goes stale (selectors.present_users)."""
        consumer.present = False
        if consumer in self.arriving:
            del self.arriving[consumer]  # its row was never written
            return
        if consumer not in self.written and consumer not in self.writing:
            return  # it never entered
        self.written.discard(consumer)
        self.departing.append(consumer.channel_name)
        if self.departed is None:
            self.departed = asyncio.get_running_loop().create_future()
        departed = self.departed
        self.changed()
        try:
            await asyncio.shield(departed)
        except asyncio.CancelledError:
            if not departed.cancelled():
                raise  # this connection's own cancellation
            # the batch was cancelled with the hub: the row goes stale

    def changed(self) -> None:
        """A row to write, or another process's: the next batch runs now or at the interval's end."""
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._refresh_soon())
        else:
            self.dirty = True

    async def _refresh_soon(self) -> None:
        loop = asyncio.get_running_loop()
        wait = self.sent_at + PRESENCE_INTERVAL_SECONDS - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        while True:
            self.dirty = False
            self.sent_at = loop.time()
            try:
                await self.refresh()
            except (DatabaseError, RedisError, OSError) as error:  # the next change or heartbeat tries again
                logger.warning("room %s: presence not updated: %s", self.hub.incident_id, error)
            if not self.dirty:
                return
            await asyncio.sleep(PRESENCE_INTERVAL_SECONDS)

    async def refresh(self, *, whole: bool = False) -> None:
        """Writes the queued rows, reads the list and tells the present connections what changed
        (with `whole`, the whole list: the heartbeat)."""
        async with self.lock:
            arriving, self.arriving = [c for c in self.arriving if not c.closing], {}
            departing, self.departing = self.departing, []
            departed, self.departed = self.departed, None
            self.writing = set(arriving)
            rows = [(consumer.channel_name, consumer.user.pk) for consumer in arriving]
            try:
                users = await pooled(_write_and_read)(self.hub.incident_id, rows, departing)
            except BaseException as error:
                for consumer in arriving:  # written with the next batch, if still here
                    if consumer in self.hub.members:
                        self.arriving.setdefault(consumer, None)
                if departed is not None:
                    if isinstance(error, Exception):
                        departed.set_exception(error)
                    else:
                        departed.cancel()
                raise
            finally:
                self.writing = set()
            # A connection that left while its row was written is in the next batch's deletes.
            self.written.update(consumer for consumer in arriving if consumer in self.hub.members)
            if departed is not None:
                departed.set_result(None)
            self._tell(users, whole=whole)
        if rows or departing:
            await self._tell_other_processes()

    def _tell(self, users: list[dict], *, whole: bool) -> None:
        before, now = self.users, {user["id"]: user for user in users}
        self.users, self.text = now, events.encode({"type": "presence", "users": users})
        if whole:
            text = self.text
        elif before is None:
            return  # the first read: nobody here has a list yet
        else:
            joined = [user for user_id, user in now.items() if before.get(user_id) != user]
            left = [user for user_id, user in before.items() if user_id not in now]
            if not joined and not left:
                return
            text = events.encode({"type": "presence_change", "joined": joined, "left": left})
        for consumer in list(self.hub.members):
            if consumer.present:
                consumer.offer_frame(text)

    async def _tell_other_processes(self) -> None:
        event = {"type": "incident.presence", "hub": self.hub.channel_name}
        try:
            await self.hub.layer.group_send(self.hub.group, event)
        except (RedisError, OSError) as error:  # they read again at their next change or heartbeat
            logger.info("room %s: presence change not announced: %s", self.hub.incident_id, error)

    def close(self) -> None:
        for task in (self.task, self.loading):
            if task is not None:
                task.cancel()
        if self.departed is not None and not self.departed.done():
            self.departed.set_result(None)  # the hub stops: rows left behind go stale
