"""The live room at /ws/incidents/<id>/ (contract: PRODUCT.md).

Each connection tracks the last seq it sent. Live items arrive already encoded,
through the process's hub for the room (fanout.py); one older than that is a
duplicate and dropped, one past a gap is preceded by the missing items read from
the database. Items that arrive while a connection is replaying or filling a gap
wait in its queue. So every connection gets items in seq order, with no gap and
no repeat, whichever process wrote them.
"""

import asyncio
import itertools
import json
import logging
import uuid
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from portal import metrics
from portal.ws import pooled
from portal.ws.language import connection_language

from . import admission, events, fanout, replay, room_checks, services

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = room_checks.CLOSE_UNAUTHENTICATED
CLOSE_FORBIDDEN = room_checks.CLOSE_FORBIDDEN
CLOSE_NOT_FOUND = admission.CLOSE_NOT_FOUND
CLOSE_TRY_AGAIN = 1011  # the database or the channel layer failed: the client reconnects with ?after
MAX_FRAME_CHARS = 16 * 1024
# A join (admission, the room's hub, the replay) that takes longer has met an outage it cannot
# see (a Redis primary gone mid-failover): closing with "try again" beats a silent socket.
# 1,000 connections resuming at once take 2-10 s in all (docs/performance.md).
JOIN_SECONDS = 10

# A room connection has no channel on the channel layer (its room's hub has one per process), but
# its presence row needs a name unique across processes: this process's prefix and a counter.
_NAME_PREFIX = f"room.{uuid.uuid4().hex}."
_names = itertools.count(1)


def _parse_after(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values:
        return None
    value = int(values[-1])  # ValueError for the caller
    if value < 0:
        raise ValueError(value)
    return value


class IncidentRoomConsumer(AsyncJsonWebsocketConsumer):
    incident = None
    hub = None
    joined = False
    present = False
    closing = False
    last_sent = 0
    credential = None
    language = settings.LANGUAGE_CODE  # the reader's, set on connect: system lines are said in it
    # True while connecting, replaying or filling a gap: live items wait in `pending`.
    busy = True

    async def dispatch(self, message):
        # Channels closes stale database connections in a worker thread before every
        # handler; every database call here goes through database_sync_to_async, which
        # does so itself in the thread it uses, so that extra trip is skipped.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def __call__(self, scope, receive, send):
        # Unlike Channels' consumers, no channel of its own on the channel layer: everything for
        # the room (items, presence, re-checks) reaches it through its room's hub, so it reads
        # only its socket. A channel per connection cost a receive buffer, tasks and a Redis
        # membership per connection (docs/performance.md).
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = f"{_NAME_PREFIX}{next(_names)}"  # the key of its presence row
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        except (RedisError, OSError) as error:
            # Joining or leaving the room's hub failed (Redis away). Leave the room and close
            # with "try again", rather than crash and stay behind in the room's hub.
            metrics.channel_layer_failed("connection")
            logger.warning("room connection %s lost the channel layer: %r", self.channel_name, error)
            await self.disconnect(CLOSE_TRY_AGAIN)
            try:
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})
            except Exception:  # the client may be gone already; nothing left to tell it
                logger.debug("room connection closed before its close frame", exc_info=True)

    async def websocket_connect(self, message):
        # An outage while joining must end in a close frame the client can act on, not a
        # dropped socket; everything stored stays replayable with ?after.
        room = self.scope["url_route"]["kwargs"].get("incident_id")
        try:
            async with asyncio.timeout(JOIN_SECONDS):
                await super().websocket_connect(message)
        except TimeoutError:
            # A join that cannot finish (Redis or the database away and not answering) must end
            # in a close the client acts on; its reconnect finds them back, or tries again.
            logger.warning("Room %s: joining took over %s s; closed to try again", room, JOIN_SECONDS, exc_info=True)
            await self.close(code=CLOSE_TRY_AGAIN)
        except (DatabaseError, RedisError, OSError) as exc:
            logger.warning("Room %s: joining failed: %s", room, exc)
            await self.close(code=CLOSE_TRY_AGAIN)

    async def connect(self):
        self.pending: list[tuple[int | None, str]] = []
        self.tasks: set[asyncio.Task] = set()
        # Accept before closing so the client sees our close code, not a bare handshake failure.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.language = connection_language(self.scope)
        self.incident_id = self.scope["url_route"]["kwargs"]["incident_id"]
        self.credential = room_checks.connection_credential(self.scope)
        try:
            after, bad_after = _parse_after(self.scope.get("query_string", b"")), False
        except ValueError:
            after, bad_after = None, True
        if after is not None and fanout.following(self.channel_layer, self.incident_id):
            entered = await self._enter_resuming(user, after)
        else:
            entered = await self._enter(user, after, bad_after=bad_after)
        if not entered:
            return
        await self._drain()
        await self.hub.roster.enter(self)  # sends this connection the room's list at once

    async def _enter(self, user, after: int | None, *, bad_after: bool) -> bool:
        incident, code = await admission.enter(user, self.incident_id)
        if code:
            await self.close(code=code)
            return False
        self.incident = incident
        if bad_after:
            await self._send_error("bad_after", _("after must be a whole number of at least 0; replay skipped."))
        # Subscribe before reading the backlog, so nothing committed meanwhile falls between the two.
        self.joined = True
        self.hub = await fanout.join(self.channel_layer, self.incident_id, self)
        if after is None:
            self.last_sent = await self.hub.stored_seq()  # read after subscribing; shared with those joining now
        else:
            await self._replay(after, *await replay.resumes((self.incident_id, after, self.language), self))
        return True

    async def _enter_resuming(self, user, after: int) -> bool:
        """Resuming into a room whose hub this process already runs (a room after a restart, all but
        its first connections). The connection waits in the hub while it is admitted: it is sent
        nothing before (live items queue in `pending`, it is not present), so the admission and the
        read of what it missed, after subscribing, are one trip to the database, not two."""
        self.joined = True
        self.hub = await fanout.join(self.channel_layer, self.incident_id, self)
        key = (self.incident_id, after, self.language)
        incident, code, current, missed = await replay.entries_and_resumes(key, user)
        if code:
            self.joined = False
            await fanout.leave(self.hub, self)
            await self.close(code=code)
            return False
        self.incident = incident
        await self._replay(after, current, missed)
        return True

    async def _replay(self, after: int, current: int, missed: list[tuple[int, str]]) -> None:
        # A client claiming more than exists would otherwise wait forever for its next item.
        self.last_sent = min(after, current)
        for seq, text in missed:
            await self._send_frame(text)
            self.last_sent = seq
        if len(missed) == replay.BACKLOG_BATCH:  # more than one batch missed: the rest in batches
            await self._send_backlog(upto=None)

    async def disconnect(self, code):
        for task in list(getattr(self, "tasks", ())):
            task.cancel()
        if not self.joined:
            return
        self.joined = self.present = False
        # Leaving survives an outage of either service: a stale presence row or group
        # membership expires on its own (presence heartbeats, group_expiry).
        try:
            if self.hub is not None:
                await fanout.leave(self.hub, self)
        except DatabaseError as error:
            logger.info("room connection %s left without clearing its presence: %s", self.channel_name, error)
        except (RedisError, OSError) as error:
            logger.info("room connection %s left without telling the room: %s", self.channel_name, error)

    # --- client frames ---

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self.joined or self.closing or self.incident is None:  # not admitted (yet)
            return
        if text_data is None:
            await self._send_error("binary", _("Send JSON text frames."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._send_error("too_large", _("The frame is too large."))
            return
        try:
            content = json.loads(text_data)
            # Half a UTF-16 pair ("\ud800", raw or escaped) is not text anything downstream can encode.
            json.dumps(content, ensure_ascii=False).encode("utf-8")
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            await self._send_error("bad_json", _("The frame is not valid JSON."))
            return
        if not isinstance(content, dict):
            await self._send_error("bad_frame", _("A frame is a JSON object with a type."))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if content.get("type") != "message":
            await self._send_error("unknown_type", _("Unknown frame type."))
            return
        client_id, body = content.get("client_id"), content.get("body")
        if not isinstance(client_id, str) or not isinstance(body, str):
            await self._send_error("invalid", _("A message needs a string client_id (a UUID) and a string body."))
            return
        try:
            item = await database_sync_to_async(services.post_message)(
                incident=self.incident, actor=self.user, client_id=client_id, body=body
            )
        except ValidationError as error:
            await self._send_error("invalid", " ".join(error.messages), client_id=client_id)
            return
        except PermissionDenied as error:
            # A reader of the room (permissions.can_post_in_room): nothing stored, and the
            # connection stays open to read.
            await self._send_error("forbidden", str(error), client_id=client_id)
            return
        except services.RoomFloodedError as error:
            await self._send_error("rate_limited", error, client_id=client_id)
            return
        except (DatabaseError, RedisError, OSError) as error:
            # The store is in one transaction: nothing was kept. The client keeps the message
            # and sends it again with the same client_id, which stores it once.
            logger.warning("Room %s: storing a message failed: %s", self.incident_id, error)
            await self._send_error(
                "unavailable", _("The message could not be stored just now; try again."), client_id=client_id
            )
            return
        await self.send_json(events.ack_frame(item))

    # --- from the room's hub (fanout.py); these never wait ---

    def offer_item(self, seq: int, text: str | None) -> None:
        """An item to send in order; text None means "fetch items up to seq from the database"."""
        if self.closing:
            return
        if self.busy:
            self.pending.append((seq, text))
        elif seq == self.last_sent + 1 and text is not None:
            self.last_sent = seq
            try:
                unfinished = fanout.start_eagerly(self._send_frame(text))
            except OSError:  # the client is gone; its disconnect is on its way
                return
            if unfinished is not None:
                # The connection's buffer is full: what follows waits until this send is done.
                self.busy = True
                self._spawn(self._drain(after=unfinished))
        elif seq > self.last_sent:
            # A gap: fill it from the database in a task of our own.
            self.busy = True
            self.pending.append((seq, text))
            self._spawn(self._drain())

    def offer_frame(self, text: str) -> None:
        """A frame to send after what is queued (presence): in order with the items around it."""
        if self.closing:
            return
        if self.busy:
            self.pending.append((None, text))
            return
        try:
            unfinished = fanout.start_eagerly(self._send_frame(text))
        except OSError:
            return
        if unfinished is not None:
            self.busy = True
            self._spawn(self._drain(after=unfinished))

    @property
    def member(self) -> room_checks.Member:
        """Who this connection is to the room's heartbeat check: user and credential."""
        return (self.user.pk, self.credential)

    def schedule_recheck(self, ended_session: str | None = None) -> None:
        """Its user's access or credentials changed (events.recheck_access, end_session), or the
        room's audience did: check again whether it may stay. On logout the session is flushed
        just after the signal: the event names it, so the connection it authenticated closes
        without racing that flush."""
        if ended_session and self.credential == ("session", ended_session):
            self._spawn(self._close_once(CLOSE_UNAUTHENTICATED))
        else:
            self._spawn(self._recheck())

    def leave(self, code: int) -> None:
        """The heartbeat found that this connection must leave (4401 or 4403)."""
        self.present = False  # no more news of the room
        self._spawn(self._close_once(code))

    def layer_lost(self) -> None:
        """The room's hub lost the channel layer: close, so the client reconnects with ?after."""
        self._spawn(self._close_once(CLOSE_TRY_AGAIN))

    # --- helpers ---

    def _spawn(self, coroutine) -> None:
        self._track(asyncio.ensure_future(coroutine))

    def _track(self, task) -> None:
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and isinstance(task.exception(), OSError):
            logger.info("room connection %s: send failed: %s", self.channel_name, task.exception())

    async def _drain(self, *, after=None) -> None:
        """Sends the queued live items in order, filling any gap first; then goes live."""
        self.busy = True
        try:
            if after is not None:
                await after
            while self.pending and not self.closing:
                pending, self.pending = self.pending, []
                for seq, text in pending:
                    if seq is None:  # a frame of no item (presence): in its place
                        await self._send_frame(text)
                        continue
                    if seq <= self.last_sent:
                        continue  # already sent (replay or gap fill)
                    if text is None:
                        await self._send_backlog(upto=seq)
                        continue
                    if seq > self.last_sent + 1:
                        await self._send_backlog(upto=seq - 1)
                    await self._send_frame(text)
                    self.last_sent = seq
        finally:
            self.busy = False

    async def _send_backlog(self, *, upto):
        # In batches, so a long outage does not load the whole room into memory at once.
        while True:
            batch = await replay.backlogs((self.incident_id, self.last_sent, upto, self.language), self)
            for seq, text in batch:
                await self._send_frame(text)
                self.last_sent = seq
            if len(batch) < replay.BACKLOG_BATCH:
                return

    async def _recheck(self) -> None:
        try:
            leaving = await pooled(room_checks.verdicts)(self.incident_id, [self.member])
        except (DatabaseError, RedisError, OSError) as error:  # the next heartbeat checks again
            logger.warning("room connection %s: re-check skipped: %s", self.channel_name, error)
            return
        if leaving:
            await self._close_once(leaving[self.member])

    async def _close_once(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code)

    def _send_frame(self, text: str):
        """Sends an encoded room frame (item or presence); straight to the ASGI server where the
        stack put its send in the scope (portal.ws.server_send), else through the middleware."""
        send = self.scope.get("server_send") or self.base_send
        return send({"type": "websocket.send", "text": text})

    async def _send_error(self, code: str, detail, **extra):
        await self.send_json({**events.error_frame(code, detail), **extra})
