"""What the notification stream sends: frame shapes, the user's group and the broadcasts
the services schedule after commit (contract: README, "Notifications").

A notification's text is translated into its recipient's language (their profile's
language, else the site's) when a frame is built: every frame a user gets, live or
replayed, reads the same."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation
from redis.exceptions import RedisError

from ..ws import multicast
from .stream_models import Notification

logger = logging.getLogger(__name__)
LAYER_FAILURES = (ChannelFull, RedisError, OSError, TimeoutError)
BROADCAST_CHUNK = 500  # users per event: bounds one message's size (a frame is about 250 bytes)


def user_group(user_id: int) -> str:
    return f"notifications.{user_id}"


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notification_frame(notification: Notification, *, text: str | None = None) -> dict:
    return {
        "type": "notification",
        "seq": notification.seq,
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text if text is None else text,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def encoded_frames(notifications, *, language: str) -> list[tuple[int, str]]:
    # An event told to many people is one sentence: translated once, not once a recipient.
    texts: dict[tuple[str, str], str] = {}
    frames = []
    with translation.override(language):
        for n in notifications:
            key = (n.message, json.dumps(n.params, sort_keys=True, default=str))
            if key not in texts:
                texts[key] = n.text
            frames.append((n.seq, encode(notification_frame(n, text=texts[key]))))
    return frames


def unread_frame(count: int) -> dict:
    return {"type": "unread", "count": count}


def error_frame(code: str, detail) -> dict:
    return {"type": "error", "code": code, "detail": str(detail)}


def _group_send(user_id: int, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), event)
    except LAYER_FAILURES as error:
        # Stored already: each connection fills the gap from the database at its next frame or heartbeat.
        logger.warning("notifications of user %s: %s not broadcast (%r)", user_id, event["type"], error)


def broadcast(notifications: list[Notification], *, languages: dict[int, str]) -> None:
    """Sends stored, committed notifications to their users' connections; a layer outage is logged.

    One event for all of them, each user's frames under their id (`notification.items`), sent to
    all their groups at once (portal/ws/multicast.py): an incident declared to a thousand people
    is then one message per server process, not a thousand, and each connection takes its own."""
    by_language: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_language.setdefault(languages.get(notification.user_id, "en"), []).append(notification)
    items: dict[str, list] = {}
    for language, group in by_language.items():
        for notification, frame in zip(group, encoded_frames(group, language=language), strict=True):
            items.setdefault(str(notification.user_id), []).append(list(frame))
    user_ids = list(items)
    chunks = [user_ids[start : start + BROADCAST_CHUNK] for start in range(0, len(user_ids), BROADCAST_CHUNK)]
    events = [
        {"type": "notification.items", "items": {user_id: items[user_id] for user_id in chunk}} for chunk in chunks
    ]
    _send_to_many([([user_group(int(u)) for u in chunk], event) for chunk, event in zip(chunks, events, strict=True)])


def _send_to_many(sends: list[tuple[list[str], dict]]) -> None:
    """Each (groups, event) in turn, in one event loop (so one connection to the layer)."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return

    async def send_all() -> None:
        for groups, event in sends:
            await multicast.group_send_many(layer, groups, event)

    try:
        async_to_sync(send_all)()
    except LAYER_FAILURES as error:
        # Stored already: each connection fills the gap from the database at its next frame or heartbeat.
        logger.warning("notifications of %s users not broadcast (%r)", sum(len(g) for g, _e in sends), error)


def broadcast_unread(user_id: int, count: int) -> None:
    _group_send(user_id, {"type": "notification.unread", "text": encode(unread_frame(count))})


def recheck(user_id: int, *, ended_session: str = "") -> None:
    """Asks the user's stream connections to check that their credential still signs them in;
    the connection opened with `ended_session` (logged out) closes at once."""
    _group_send(user_id, {"type": "notification.recheck", "ended_session": ended_session})
