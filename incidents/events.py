"""What the room sends: frame shapes, group names and the broadcasts services
schedule after commit. Each frame is encoded to JSON once here; consumers send
the text as-is to every connection."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation
from redis.exceptions import RedisError

from portal import metrics

from .models import RoomItem

logger = logging.getLogger(__name__)


def room_group(incident_id: int) -> str:
    return f"incident.{incident_id}"


# Every room hub of every process (fanout.py) is in this one group: a change to some users'
# access reaches their connections through their rooms' hubs, so a connection needs no
# channel or group of its own (one per connection cost memory and a Redis membership each).
RECHECK_GROUP = "incident-rechecks"


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _party(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": getattr(obj, "display_name", None) or obj.name}


def item_frame(item: RoomItem) -> dict:
    """The public shape of a room item (PRODUCT.md); callers select_related author and organization.
    `body` is said in the active language; `event` and `params` are what is stored (incidents.lines)."""
    return {
        "type": "item",
        "seq": item.seq,
        "id": item.pk,
        "kind": item.kind,
        "author": _party(item.author),
        "organization": _party(item.organization),
        "body": item.text,
        "event": item.event or None,
        "params": item.params,
        "data": item.data,
        "client_id": str(item.client_id) if item.client_id else None,
        "created_at": item.created_at.isoformat(),
    }


def encoded_by_language(item: RoomItem) -> dict[str, str]:
    """The item's frame encoded once per language the portal speaks."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = encode(item_frame(item))
    return texts


def frame_text(event: dict, language: str) -> str:
    """An item event's text for a connection in this language (the default's for a chat message)."""
    return event.get("texts", {}).get(language, event["text"])


def ack_frame(item: RoomItem) -> dict:
    return {"type": "ack", "client_id": str(item.client_id), "seq": item.seq}


def error_frame(code: str, detail) -> dict:
    return {"type": "error", "code": code, "detail": str(detail)}


def broadcast_item(item: RoomItem) -> None:
    """Sends a stored, committed item to every connection in its room.

    A layer that fails (Redis away, a full channel) is logged, not raised: the item is
    stored, and each connection fills the gap from the database when the next item or
    heartbeat arrives. Raising here would fail the request that stored it."""
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": "incident.item", "seq": item.seq, "text": encode(item_frame(item))}
    if item.event:  # a system line: each connection gets it in its own language
        event["texts"] = encoded_by_language(item)
    event["committed_at"] = metrics.stamp()  # the hubs observe the delivery lag from it
    try:
        async_to_sync(layer.group_send)(room_group(item.incident_id), event)
    except (ChannelFull, RedisError, OSError, TimeoutError) as error:
        metrics.channel_layer_failed("broadcast")
        logger.warning(
            "room %s: item %s not broadcast (%r); clients will fill it in", item.incident_id, item.seq, error
        )


def recheck_access(user_ids) -> None:
    """Asks every room connection of these users to re-check whether they may stay: one message
    to every room hub (RECHECK_GROUP), each passing it to its connections of these users."""
    layer = get_channel_layer()
    user_ids = sorted({int(user_id) for user_id in user_ids})
    if layer is None or not user_ids:
        return
    async_to_sync(layer.group_send)(RECHECK_GROUP, {"type": "incident.recheck", "user_ids": user_ids})


def end_session(user_id: int, session_key: str) -> None:
    """Closes the user's room connections opened with this session (logged out); the others re-check."""
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": "incident.recheck", "user_ids": [user_id], "ended_session": session_key}
    async_to_sync(layer.group_send)(RECHECK_GROUP, event)


def recheck_room(incident_id: int) -> None:
    """Asks every connection in a room to re-check (the audience changed: uninvited, TLP raised)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(room_group(incident_id), {"type": "incident.recheck"})
