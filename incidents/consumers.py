"""The live room at /ws/incidents/<id>/ (contract: PRODUCT.md).

Each connection tracks the last seq it sent. Live items arrive already encoded,
through the process's hub for the room (fanout.py); one older than that is a
duplicate and dropped, one past a gap is preceded by the missing items read from
the database. Items that arrive while a connection is replaying or filling a gap
wait in its queue. So every connection gets items in seq order, with no gap and
no repeat, whichever process wrote them.
"""

import asyncio
import json
import logging
import random
from importlib import import_module
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from portal.models import ApiToken, User
from portal.services import hash_token_key
from portal.session_policy import note_live_activity

from . import events, fanout, selectors, services
from .permissions import access_incident, can_enter_room

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN = 1011  # the database or the channel layer failed: the client reconnects with ?after
MAX_FRAME_CHARS = 16 * 1024
BACKLOG_BATCH = 500


def pooled(func):
    """Reads and housekeeping run in the thread pool, each thread with its own database
    connection; storing a message keeps Channels' single database thread, so a burst of
    heartbeats never queues in front of it."""
    return database_sync_to_async(func, thread_sensitive=False)


def heartbeat_seconds() -> float:
    return getattr(settings, "INCIDENT_HEARTBEAT_SECONDS", 25)


def _connection_credential(scope, user_id: int) -> tuple[str, str] | None:
    """What authenticated this connection, to re-check while it stays open: ("token", key hash)
    when an active API token of this user was on the handshake, else ("session", session key).
    None for a scope built without either (an in-process test): nothing to re-check."""
    headers = dict(scope.get("headers") or [])
    scheme, _sep, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() == "token" and key.strip():
        key_hash = hash_token_key(key.strip())
        if ApiToken.objects.filter(key_hash=key_hash, user_id=user_id, revoked_at__isnull=True).exists():
            return ("token", key_hash)
    session = scope.get("session")
    session_key = getattr(session, "session_key", None) if session is not None else None
    return ("session", session_key) if session_key else None


def _credential_valid(user: User, credential: tuple[str, str] | None) -> bool:
    """The token is not revoked; the session still exists (no logout) and carries the user's
    current auth hash (no password change since), as django.contrib.auth.get_user checks."""
    if credential is None:
        return True
    kind, value = credential
    if kind == "token":
        return ApiToken.objects.filter(key_hash=value, user_id=user.pk, revoked_at__isnull=True).exists()
    data = import_module(settings.SESSION_ENGINE).SessionStore(value).load()  # {} once deleted or expired
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    stored = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, h) for h in hashes)


def _room_check(user_id: int, incident_id: int, credential: tuple[str, str] | None = None):
    """(incident, None) if the user may be in the room, else (None, close code). Re-reads the user
    and re-checks the connection's credential (4401 once it has ended)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None, CLOSE_FORBIDDEN
    if not _credential_valid(user, credential):
        return None, CLOSE_UNAUTHENTICATED
    if credential is not None and credential[0] == "session":
        note_live_activity(credential[1])  # being in the room is not being idle
    try:
        incident = access_incident(user, incident_id)
    except Http404:
        return None, CLOSE_NOT_FOUND
    if not can_enter_room(user, incident):
        return None, CLOSE_FORBIDDEN
    return incident, None


def _encoded_items(incident_id: int, *, after: int, upto: int | None = None) -> list[tuple[int, str]]:
    return [
        (item.seq, events.encode(events.item_frame(item)))
        for item in selectors.items_between(incident_id, after=after, upto=upto, limit=BACKLOG_BATCH)
    ]


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
    heartbeat = None
    last_sent = 0
    last_presence = None
    credential = None
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
        try:
            await super().__call__(scope, receive, send)
        except (RedisError, OSError) as error:
            # This connection's own channel failed (Redis away). Leave the room and close with
            # "try again", rather than crash and stay behind in the room's hub.
            logger.warning("room connection %s lost the channel layer: %r", getattr(self, "channel_name", "?"), error)
            await self.disconnect(CLOSE_TRY_AGAIN)
            try:
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})
            except Exception:  # the client may be gone already; nothing left to tell it
                logger.debug("room connection closed before its close frame", exc_info=True)

    async def websocket_connect(self, message):
        # An outage while joining must end in a close frame the client can act on, not a
        # dropped socket; everything stored stays replayable with ?after.
        try:
            await super().websocket_connect(message)
        except (DatabaseError, RedisError, OSError) as exc:
            logger.warning("Room %s: joining failed: %s", self.scope["url_route"]["kwargs"].get("incident_id"), exc)
            await self.close(code=CLOSE_TRY_AGAIN)

    async def connect(self):
        self.pending: list[tuple[int, str]] = []
        self.tasks: set[asyncio.Task] = set()
        # Accept before closing so the client sees our close code, not a bare handshake failure.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.incident_id = self.scope["url_route"]["kwargs"]["incident_id"]
        self.credential = await pooled(_connection_credential)(self.scope, user.pk)
        incident, code = await pooled(_room_check)(user.pk, self.incident_id)
        if code:
            await self.close(code=code)
            return
        self.incident = incident
        try:
            after = _parse_after(self.scope.get("query_string", b""))
        except ValueError:
            after = None
            await self._send_error("bad_after", _("after must be a whole number of at least 0; replay skipped."))
        # Subscribe before reading the backlog, so nothing committed meanwhile falls between the two.
        self.joined = True
        self.hub = await fanout.join(self.channel_layer, self.incident_id, self)
        await self.channel_layer.group_add(events.user_group(user.pk), self.channel_name)
        current = await pooled(selectors.last_seq)(self.incident_id)
        if after is None:
            self.last_sent = current
        else:
            # A client claiming more than exists would otherwise wait forever for its next item.
            self.last_sent = min(after, current)
            await self._send_backlog(upto=None)
        await self._drain()
        await pooled(services.join_room)(incident_id=self.incident_id, user=user, channel_name=self.channel_name)
        self.present = True
        await self.channel_layer.group_send(events.room_group(self.incident_id), {"type": "incident.presence"})
        self.heartbeat = asyncio.ensure_future(self._heartbeat())

    async def disconnect(self, code):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        for task in list(getattr(self, "tasks", ())):
            task.cancel()
        if not self.joined:
            return
        self.joined = self.present = False
        if self.hub is not None:
            await fanout.leave(self.hub, self)
        # Leaving survives an outage of either service: a stale presence row or group
        # membership expires on its own (presence heartbeats, group_expiry).
        try:
            await pooled(services.leave_room)(channel_name=self.channel_name)
        except DatabaseError as error:
            logger.info("room connection %s left without clearing its presence: %s", self.channel_name, error)
        try:
            await self.channel_layer.group_discard(events.user_group(self.user.pk), self.channel_name)
            await self.channel_layer.group_send(events.room_group(self.incident_id), {"type": "incident.presence"})
        except (RedisError, OSError) as error:
            logger.info("room connection %s left without telling the room: %s", self.channel_name, error)

    # --- client frames ---

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self.joined or self.closing:
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
                unfinished = fanout.start_eagerly(self.send(text_data=text))
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

    def offer_presence(self, text: str, *, only_if_changed: bool = False) -> None:
        if not self.present or self.closing or (only_if_changed and text == self.last_presence):
            return
        self.last_presence = text
        try:
            unfinished = fanout.start_eagerly(self.send(text_data=text))
        except OSError:
            return
        if unfinished is not None:
            self._track(unfinished)

    def schedule_recheck(self) -> None:
        self._spawn(self._recheck())

    def layer_lost(self) -> None:
        """The room's hub lost the channel layer: close, so the client reconnects with ?after."""
        self._spawn(self._close_once(CLOSE_TRY_AGAIN))

    # --- group events sent to this connection alone (its user's group) ---

    async def incident_recheck(self, event):
        # On logout the session is flushed just after the signal: the event names it, so the
        # connection it authenticated closes without racing that flush.
        ended = event.get("ended_session")
        if ended and self.credential == ("session", ended):
            await self._close_once(CLOSE_UNAUTHENTICATED)
            return
        await self._recheck()

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
                    if seq <= self.last_sent:
                        continue  # already sent (replay or gap fill)
                    if text is None:
                        await self._send_backlog(upto=seq)
                        continue
                    if seq > self.last_sent + 1:
                        await self._send_backlog(upto=seq - 1)
                    await self.send(text_data=text)
                    self.last_sent = seq
        finally:
            self.busy = False

    async def _send_backlog(self, *, upto):
        # In batches, so a long outage does not load the whole room into memory at once.
        while True:
            batch = await pooled(_encoded_items)(self.incident_id, after=self.last_sent, upto=upto)
            for seq, text in batch:
                await self.send(text_data=text)
                self.last_sent = seq
            if len(batch) < BACKLOG_BATCH:
                return

    async def _recheck(self) -> bool:
        _incident, code = await pooled(_room_check)(self.user.pk, self.incident_id, self.credential)
        if code:
            # Ended credentials say 4401 (sign in again); lost access says 4403, as the contract has it.
            await self._close_once(CLOSE_UNAUTHENTICATED if code == CLOSE_UNAUTHENTICATED else CLOSE_FORBIDDEN)
            return False
        return True

    async def _close_once(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code)

    async def _heartbeat(self):
        # The presence frame doubles as the heartbeat; each beat also re-checks access, catches
        # up with items whose broadcast was lost and renews the hub's group membership. The first
        # beat is jittered so that a room's connections, often opened together, do not all
        # query the database at once.
        interval = heartbeat_seconds()
        await asyncio.sleep(interval * random.uniform(0.1, 1.0))
        while True:
            try:
                if not await self._recheck():
                    return
                await pooled(services.touch_presence)(channel_name=self.channel_name)
                await self.hub.refresh_group(max_age=interval / 2)
                # An item whose broadcast was lost, with none after it to reveal the gap.
                stored = await self.hub.last_seq(max_age=interval / 2)
                if stored > self.last_sent:
                    self.offer_item(stored, None)
                self.offer_presence(await self.hub.presence(max_age=interval / 2))
            except (DatabaseError, RedisError, OSError) as error:
                # An outage skips a beat; the connection stays, and the next beat catches up.
                logger.warning("room connection %s: heartbeat skipped: %s", self.channel_name, error)
            await asyncio.sleep(interval)

    async def _send_error(self, code: str, detail, **extra):
        await self.send_json({**events.error_frame(code, detail), **extra})
