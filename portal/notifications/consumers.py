"""The per-user notification stream at /ws/notifications/ (contract: README, "Notifications").

The room's rules (incidents/consumers.py): stored first, numbered per user (`seq`), replayed
with ?after=N, then live; a live frame past a gap is preceded by the missing notifications
read from the database, an old one is dropped. A user's traffic is a few frames an hour, so
each connection joins its user's group itself (no per-process hub), and Channels hands it
one event at a time: ordering needs no queue of its own. The heartbeat is an event the
connection sends itself, so it too runs between frames, never during one."""

import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from ..ws import credentials, pooled
from . import inbox_queries, stream

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_TRY_AGAIN = 1011  # the database or the channel layer failed: the client reconnects with ?after
BACKLOG_BATCH = 200
MAX_FRAME_CHARS = 4096
OUTAGES = (DatabaseError, RedisError, OSError)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "NOTIFICATIONS_HEARTBEAT_SECONDS", 25))


def parse_after(query_string: bytes) -> int | None:
    """The ?after=N of the handshake; None when absent. ValueError when not a whole number >= 0."""
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values:
        return None
    value = int(values[-1])
    if value < 0:
        raise ValueError(value)
    return value


def _backlog(user, *, after: int, upto: int | None) -> list[tuple[int, str]]:
    rows = inbox_queries.between(user.pk, after=after, upto=upto, limit=BACKLOG_BATCH)
    return stream.encoded_frames(rows, language=stream.language_of(user))


def _state(user_id: int) -> tuple[int, int]:
    return inbox_queries.last_seq(user_id), inbox_queries.unread_count(user_id)


def _beat_state(user_id: int, credential) -> tuple[bool, int, int]:
    """(still signed in, last seq, unread) in one trip to the thread pool: a thousand connections
    beat forty times a second, and each trip queues behind the others under load."""
    if not credentials.still_signed_in(user_id, credential):
        return False, 0, 0
    return True, *_state(user_id)


class NotificationStreamConsumer(AsyncJsonWebsocketConsumer):
    joined = False
    closing = False
    last_sent = 0
    beat_task = None

    async def dispatch(self, message):
        # Channels closes stale database connections in its one shared worker thread before
        # every handler: an incident declared to a thousand users was a thousand trips queued
        # on that thread before the last frame. Every database call here goes through `pooled`
        # (database_sync_to_async), which does so itself in the thread it uses.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message):
        try:
            await super().websocket_connect(message)
        except OUTAGES as error:
            logger.warning("notification stream: joining failed: %s", error)
            await self._close_once(CLOSE_TRY_AGAIN)

    async def connect(self):
        await self.accept()  # before closing, so the client sees our close code
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._close_once(CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.credential = credentials.connection_credential(self.scope)
        try:
            after = parse_after(self.scope.get("query_string", b""))
        except ValueError:
            after = None
            await self._send_error("bad_after", _("after must be a whole number of at least 0; replay skipped."))
        # Subscribe before reading the counter, so nothing committed meanwhile falls between the two.
        self.group = stream.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        current, unread = await pooled(_state)(user.pk)
        self.last_sent = current if after is None else min(after, current)
        await self._send_backlog(upto=None)
        await self.send_json(stream.unread_frame(unread))
        self.beat_task = asyncio.ensure_future(self._beat_forever())

    async def disconnect(self, code):
        if self.beat_task is not None:
            self.beat_task.cancel()
        if not self.joined:
            return
        self.joined = False
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except (RedisError, OSError) as error:  # the membership expires with the layer's group_expiry
            logger.info("notification stream %s left without leaving its group: %s", self.channel_name, error)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # The stream is one-way; marking read is a POST. Anything sent gets an error frame.
        if not self.joined or self.closing:
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._send_error("bad_frame", _("This stream takes no frames from the client."))
            return
        try:
            json.loads(text_data)
        except (ValueError, RecursionError):
            await self._send_error("bad_json", _("The frame is not valid JSON."))
            return
        await self._send_error("unknown_type", _("Unknown frame type."))

    # --- events from the user's group, one at a time ---

    async def notification_items(self, event):
        # Every recipient's frames, keyed by user id (stream.broadcast): this connection's own only.
        for seq, text in event["items"].get(str(self.user.pk), ()):
            if self.closing or seq <= self.last_sent:
                continue
            await self._guarded(self._send_item(seq, text))

    async def notification_unread(self, event):
        if not self.closing:
            await self.send(text_data=event["text"])

    async def notification_recheck(self, event):
        await self._guarded(self._recheck(ended_session=event.get("ended_session", "")))

    async def notification_beat(self, event):
        await self._guarded(self._beat())

    # --- helpers ---

    async def _send_item(self, seq: int, text: str) -> None:
        if seq > self.last_sent + 1:
            await self._send_backlog(upto=seq - 1)
        await self._send_frame(text)
        self.last_sent = seq

    async def _beat(self) -> None:
        signed_in, current, unread = await pooled(_beat_state)(self.user.pk, self.credential)
        if not signed_in:
            await self._close_once(CLOSE_UNAUTHENTICATED)
            return
        # A notification whose broadcast was lost, with none after it to reveal the gap.
        if current > self.last_sent:
            await self._send_backlog(upto=current)
        await self.send_json(stream.unread_frame(unread))

    async def _recheck(self, *, ended_session: str = "") -> bool:
        signed_in = await pooled(credentials.still_signed_in)(
            self.user.pk, self.credential, ended_session=ended_session
        )
        if not signed_in:
            await self._close_once(CLOSE_UNAUTHENTICATED)
        return signed_in

    async def _guarded(self, work) -> None:
        """An outage mid-frame closes with 1011: the client reconnects with ?after and misses nothing."""
        try:
            await work
        except OUTAGES as error:
            logger.warning("notification stream %s: %s", self.channel_name, error)
            await self._close_once(CLOSE_TRY_AGAIN)

    async def _beat_forever(self) -> None:
        interval = heartbeat_seconds()
        while True:
            await asyncio.sleep(interval)
            try:
                await self.channel_layer.send(self.channel_name, {"type": "notification.beat"})
            except (RedisError, OSError) as error:
                logger.info("notification stream %s: heartbeat skipped: %s", self.channel_name, error)

    async def _send_backlog(self, *, upto: int | None) -> None:
        while True:
            batch = await pooled(_backlog)(self.user, after=self.last_sent, upto=upto)
            for seq, text in batch:
                await self._send_frame(text)
                self.last_sent = seq
            if len(batch) < BACKLOG_BATCH:
                return

    async def _close_once(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code)

    def _send_frame(self, text: str):
        """A notification frame, straight to the ASGI server where the stack put its send in the
        scope (portal.ws.server_send: an incident declared to everyone is a frame per connection
        at once), else through the middleware."""
        send = self.scope.get("server_send") or self.base_send
        return send({"type": "websocket.send", "text": text})

    async def _send_error(self, code: str, detail) -> None:
        await self.send_json(stream.error_frame(code, detail))
