"""One subscription per process per room.

The first connection to a room in a process starts a hub: it takes a channel on the
channel layer, joins the room's group and the shared re-check group
(events.RECHECK_GROUP) with it and hands every room event to the local connections
itself; the connections have no channel of their own. So a broadcast costs one channel-layer message per
process, not one per connection, and each connection gets the already-encoded
frame directly, without a trip through its own channel and Channels' dispatch
(which closes stale database connections in a worker thread for every event).
The last connection to leave stops the hub and leaves the group.

Ordering stays the consumer's job (IncidentRoomConsumer.offer_item): a hub only
passes items on in the order the layer gave them to it.

The hub also keeps the room's heartbeat in this process: every INCIDENT_HEARTBEAT_SECONDS
it re-checks all its connections at once (room_checks.beat), closes those that must
leave, fills in an item whose broadcast was lost, and sends the presence frame that
doubles as the heartbeat. Who is in the room, and the presence rows of its connections
here, are its roster's (presence.py).
"""

import asyncio
import logging
import random
import weakref

from django.conf import settings
from django.db import DatabaseError
from redis.exceptions import RedisError

from portal import metrics
from portal.ws import pooled

from . import events, room_checks, selectors
from .presence import Roster

logger = logging.getLogger(__name__)

# Hubs belong to an event loop (tests run each on its own loop) and to a channel layer.
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def heartbeat_seconds() -> float:
    return getattr(settings, "INCIDENT_HEARTBEAT_SECONDS", 25)


def start_eagerly(coroutine) -> asyncio.Task | None:
    """Runs a coroutine until it first suspends: None if it finished, else a task that
    finishes it (asyncio's eager tasks, which Python 3.11 lacks). A send to an open
    websocket finishes at once; one to a connection whose buffer is full waits, and
    must not hold up the other connections of the room."""
    try:
        awaited = coroutine.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_resume(coroutine, awaited))


async def _resume(coroutine, awaited):
    while True:
        if awaited is None:  # a bare yield, as in asyncio.sleep(0)
            await asyncio.sleep(0)
        else:
            awaited._asyncio_future_blocking = False  # what asyncio.Task does with an awaited future
            await asyncio.wait([awaited])
        try:
            awaited = coroutine.send(None)
        except StopIteration as stop:
            return stop.value


class RoomHub:
    def __init__(self, layer, incident_id: int):
        self.layer = layer
        self.incident_id = incident_id
        self.group = events.room_group(incident_id)
        self.members: dict = {}  # insertion-ordered set of consumers
        self.channel_name: str | None = None
        self.ready = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task | None = None
        self.beat_task: asyncio.Task | None = None
        self.roster = Roster(self)
        self.stopped = False
        self.group_added_at = 0.0
        self.seq_read_at = float("-inf")
        self.seq_wanted: asyncio.Future | None = None
        self.seq_task: asyncio.Task | None = None
        self.seq = 0

    async def start(self) -> None:
        try:
            self.channel_name = await self.layer.new_channel()
            await self.layer.group_add(self.group, self.channel_name)
            await self.layer.group_add(events.RECHECK_GROUP, self.channel_name)
            self.group_added_at = asyncio.get_running_loop().time()
        except BaseException as error:
            if isinstance(error, asyncio.CancelledError):  # its starter gave up (a time limit, a
                # closed socket): the others waiting on it close with "try again", not cancelled
                self.ready.set_exception(ConnectionError("the room's hub was not started"))
            else:
                self.ready.set_exception(error)
            self.ready.exception()  # marked retrieved: the caller gets it re-raised; a waiter may not exist
            raise
        self.task = asyncio.ensure_future(self._run())
        self.beat_task = asyncio.ensure_future(self._beat_forever())
        self.ready.set_result(None)

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.task is not None:
            self.task.cancel()
        for task in (self.beat_task, self.seq_task):
            if task is not None:
                task.cancel()
        self.roster.close()
        if self.channel_name is not None:
            try:
                await self.layer.group_discard(self.group, self.channel_name)
                await self.layer.group_discard(events.RECHECK_GROUP, self.channel_name)
            except (RedisError, OSError) as error:  # Redis away: the membership expires with it
                logger.info("room hub %s left without leaving its group: %s", self.group, error)

    async def refresh_group(self, *, max_age: float) -> None:
        """Renews the group membership, which the Redis layer expires after group_expiry."""
        loop = asyncio.get_running_loop()
        if self.channel_name is not None and loop.time() - self.group_added_at > max_age:
            self.group_added_at = loop.time()
            await self.layer.group_add(self.group, self.channel_name)
            await self.layer.group_add(events.RECHECK_GROUP, self.channel_name)

    async def _run(self) -> None:
        try:
            await self._relay()
        except Exception as error:  # Redis away, most likely; a hub that stops must not go quiet
            metrics.channel_layer_failed("relay")
            logger.warning(
                "room hub %s lost the channel layer (%r): its connections reconnect with ?after", self.group, error
            )
            self._forget()
            if self.beat_task is not None:  # out of service: its connections are closing
                self.beat_task.cancel()
            for consumer in list(self.members):
                consumer.layer_lost()

    def _forget(self) -> None:
        """Takes this hub out of service: the next connection to the room starts a new one."""
        hubs = _hubs.get(asyncio.get_running_loop(), {})
        key = (id(self.layer), self.incident_id)
        if hubs.get(key) is self:
            del hubs[key]

    async def _relay(self) -> None:
        while True:
            event = await self.layer.receive(self.channel_name)
            kind = event.get("type")
            if kind == "incident.item":
                for consumer in list(self.members):
                    consumer.offer_item(event["seq"], events.frame_text(event, consumer.language))
                metrics.item_relayed(self.incident_id, event, len(self.members))
            elif kind == "incident.presence":
                if event.get("hub") != self.channel_name:  # not our own announcement
                    self.roster.changed()
            elif kind == "incident.recheck":
                # The whole room (its audience changed), or some users in every room
                # (events.RECHECK_GROUP): their access or credentials changed.
                users = set(event["user_ids"]) if "user_ids" in event else None
                for consumer in list(self.members):
                    if users is None or consumer.user.pk in users:
                        consumer.schedule_recheck(event.get("ended_session"))
            else:
                logger.warning("room hub %s ignored an event of type %r", self.group, kind)

    # --- heartbeat ---

    async def _beat_forever(self) -> None:
        # The first beat is jittered so that rooms, and the hubs of one room in several
        # processes, do not all query the database at the same moment.
        interval = heartbeat_seconds()
        await asyncio.sleep(interval * random.uniform(0.1, 1.0))
        while True:
            try:
                await self.beat(interval)
            except Exception as error:
                # Being stopped wins: a Redis client may turn the cancellation into its own error.
                if asyncio.current_task().cancelling():
                    raise
                if isinstance(error, (DatabaseError, RedisError, OSError)):
                    # An outage skips a beat; the connections stay, and the next beat catches up.
                    logger.warning("room hub %s: heartbeat skipped: %s", self.group, error)
                else:  # a beat that fails for another reason must not end the heartbeat
                    logger.exception("room hub %s: heartbeat failed", self.group)
            await asyncio.sleep(interval)

    async def beat(self, interval: float) -> None:
        connections = [consumer for consumer in self.members if consumer.present and not consumer.closing]
        if not connections:
            return
        leaving = await pooled(room_checks.beat)(
            self.incident_id, [(consumer.channel_name, consumer.member) for consumer in connections]
        )
        await self.refresh_group(max_age=interval / 2)
        # An item whose broadcast was lost, with none after it to reveal the gap.
        stored = await self.last_seq(max_age=0)
        metrics.hub_backlog(self.incident_id, stored=stored)
        for consumer in connections:
            code = leaving.get(consumer.channel_name)
            if code is not None:
                consumer.leave(code)
            elif stored > consumer.last_sent:
                consumer.offer_item(stored, None)
        await self.roster.refresh(whole=True)  # the whole list to everyone: the heartbeat frame

    async def stored_seq(self) -> int:
        """The room's last stored seq, read after this call began (so after the caller
        subscribed): the connections joining together share one read."""
        if self.seq_wanted is None:
            self.seq_wanted = asyncio.get_running_loop().create_future()
            if self.seq_task is None or self.seq_task.done():
                self.seq_task = asyncio.ensure_future(self._read_stored_seqs())
        return await asyncio.shield(self.seq_wanted)

    async def _read_stored_seqs(self) -> None:
        while self.seq_wanted is not None:
            wanted, self.seq_wanted = self.seq_wanted, None
            try:
                wanted.set_result(await pooled(selectors.last_seq)(self.incident_id))
            except Exception as error:  # each waiting connection closes with "try again"
                wanted.set_exception(error)

    async def last_seq(self, *, max_age: float) -> int:
        """The room's last stored seq, read at most once per max_age seconds in this process."""
        loop = asyncio.get_running_loop()
        if loop.time() - self.seq_read_at > max_age:
            self.seq_read_at = loop.time()
            self.seq = await pooled(selectors.last_seq)(self.incident_id)
        return self.seq


def following(layer, incident_id: int) -> bool:
    """Whether this process's hub for the room is running and subscribed (someone was admitted)."""
    hub = _hubs.get(asyncio.get_running_loop(), {}).get((id(layer), incident_id))
    if hub is None or hub.stopped or not hub.ready.done() or hub.ready.cancelled():
        return False
    return hub.ready.exception() is None


async def join(layer, incident_id: int, consumer) -> RoomHub:
    """Adds a consumer to its room's hub, starting the hub if needed; returns once the
    hub is subscribed, so any item committed after this returns reaches the consumer."""
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    key = (id(layer), incident_id)
    hub = hubs.get(key)
    if hub is None:
        hub = hubs[key] = RoomHub(layer, incident_id)
        hub.members[consumer] = None
        try:
            await hub.start()
        except BaseException:
            hubs.pop(key, None)
            raise
    else:
        hub.members[consumer] = None
        await asyncio.shield(hub.ready)
    metrics.room_connections(incident_id, len(hub.members))
    return hub


async def leave(hub: RoomHub, consumer) -> None:
    """Takes a consumer out of its room's hub and its presence row out of the room (raising a
    DatabaseError if that failed); the last one to leave stops the hub."""
    hub.members.pop(consumer, None)
    metrics.room_connections(hub.incident_id, len(hub.members))
    try:
        await hub.roster.leave(consumer)
    finally:
        if not hub.members:
            hub._forget()
            await hub.stop()
