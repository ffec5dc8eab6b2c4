"""The live room at /ws/incidents/<id>/ (contract: PRODUCT.md).

Each connection tracks the last seq it sent. Live items arrive from the room group
already encoded; one older than that is a duplicate and dropped, one past a gap
is preceded by the missing items read from the database. So every connection
gets items in seq order, with no gap and no repeat, whichever process wrote them.
"""

import asyncio
import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from portal.models import User

from . import events, selectors, services
from .permissions import access_incident, can_enter_room

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
MAX_FRAME_CHARS = 16 * 1024
BACKLOG_BATCH = 500


def heartbeat_seconds() -> float:
    return getattr(settings, "INCIDENT_HEARTBEAT_SECONDS", 25)


def _room_check(user_id: int, incident_id: int):
    """(incident, None) if the user may be in the room, else (None, close code). Re-reads the user."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None, CLOSE_FORBIDDEN
    try:
        incident = access_incident(user, incident_id)
    except Http404:
        return None, CLOSE_NOT_FOUND
    if not can_enter_room(user, incident):
        return None, CLOSE_FORBIDDEN
    return incident, None


def _join(incident_id: int, user, channel_name: str) -> str:
    services.join_room(incident_id=incident_id, user=user, channel_name=channel_name)
    return _presence_text(incident_id)


def _leave(incident_id: int, channel_name: str) -> str:
    services.leave_room(channel_name=channel_name)
    return _presence_text(incident_id)


def _presence_text(incident_id: int) -> str:
    return events.encode({"type": "presence", "users": selectors.present_users(incident_id)})


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
    joined = False
    closing = False
    heartbeat = None
    last_sent = 0

    async def connect(self):
        # Accept before closing so the client sees our close code, not a bare handshake failure.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.incident_id = self.scope["url_route"]["kwargs"]["incident_id"]
        incident, code = await database_sync_to_async(_room_check)(user.pk, self.incident_id)
        if code:
            await self.close(code=code)
            return
        self.incident = incident
        try:
            after = _parse_after(self.scope.get("query_string", b""))
        except ValueError:
            after = None
            await self._send_error("bad_after", _("after must be a whole number of at least 0; replay skipped."))
        # Join before reading the backlog, so nothing committed meanwhile falls between the two.
        await self.channel_layer.group_add(events.room_group(self.incident_id), self.channel_name)
        await self.channel_layer.group_add(events.user_group(user.pk), self.channel_name)
        self.joined = True
        current = await database_sync_to_async(selectors.last_seq)(self.incident_id)
        if after is None:
            self.last_sent = current
        else:
            # A client claiming more than exists would otherwise wait forever for its next item.
            self.last_sent = min(after, current)
            await self._send_backlog(upto=None)
        presence = await database_sync_to_async(_join)(self.incident_id, user, self.channel_name)
        await self.channel_layer.group_send(
            events.room_group(self.incident_id), {"type": "incident.presence", "text": presence}
        )
        self.heartbeat = asyncio.ensure_future(self._heartbeat())

    async def disconnect(self, code):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if not self.joined:
            return
        self.joined = False
        await self.channel_layer.group_discard(events.room_group(self.incident_id), self.channel_name)
        await self.channel_layer.group_discard(events.user_group(self.user.pk), self.channel_name)
        presence = await database_sync_to_async(_leave)(self.incident_id, self.channel_name)
        await self.channel_layer.group_send(
            events.room_group(self.incident_id), {"type": "incident.presence", "text": presence}
        )

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
        except ValueError:
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
        await self.send_json(events.ack_frame(item))

    # --- group events ---

    async def incident_item(self, event):
        seq = event["seq"]
        if seq <= self.last_sent:
            return  # already sent (replay or gap fill)
        if seq > self.last_sent + 1:
            await self._send_backlog(upto=seq - 1)
        await self.send(text_data=event["text"])
        self.last_sent = seq

    async def incident_presence(self, event):
        await self.send(text_data=event["text"])

    async def incident_recheck(self, event):
        await self._recheck()

    # --- helpers ---

    async def _send_backlog(self, *, upto):
        # In batches, so a long outage does not load the whole room into memory at once.
        while True:
            batch = await database_sync_to_async(_encoded_items)(self.incident_id, after=self.last_sent, upto=upto)
            for seq, text in batch:
                await self.send(text_data=text)
                self.last_sent = seq
            if len(batch) < BACKLOG_BATCH:
                return

    async def _recheck(self) -> bool:
        _incident, code = await database_sync_to_async(_room_check)(self.user.pk, self.incident_id)
        if code:
            if not self.closing:
                self.closing = True
                await self.close(code=CLOSE_FORBIDDEN)
            return False
        return True

    async def _heartbeat(self):
        # The presence frame doubles as the heartbeat; each beat also re-checks access.
        while True:
            await asyncio.sleep(heartbeat_seconds())
            if not await self._recheck():
                return
            await database_sync_to_async(services.touch_presence)(channel_name=self.channel_name)
            await self.send(text_data=await database_sync_to_async(_presence_text)(self.incident_id))

    async def _send_error(self, code: str, detail, **extra):
        await self.send_json({**events.error_frame(code, detail), **extra})
