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

from .stream_models import Notification

logger = logging.getLogger(__name__)
LAYER_FAILURES = (ChannelFull, RedisError, OSError, TimeoutError)


def user_group(user_id: int) -> str:
    return f"notifications.{user_id}"


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notification_frame(notification: Notification) -> dict:
    return {
        "type": "notification",
        "seq": notification.seq,
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def encoded_frames(notifications, *, language: str) -> list[tuple[int, str]]:
    with translation.override(language):
        return [(n.seq, encode(notification_frame(n))) for n in notifications]


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
    """Sends stored, committed notifications to their users' connections; a layer outage is logged."""
    for notification in notifications:
        [(seq, text)] = encoded_frames([notification], language=languages.get(notification.user_id, "en"))
        _group_send(notification.user_id, {"type": "notification.item", "seq": seq, "text": text})


def broadcast_unread(user_id: int, count: int) -> None:
    _group_send(user_id, {"type": "notification.unread", "text": encode(unread_frame(count))})


def recheck(user_id: int, *, ended_session: str = "") -> None:
    """Asks the user's stream connections to check that their credential still signs them in;
    the connection opened with `ended_session` (logged out) closes at once."""
    _group_send(user_id, {"type": "notification.recheck", "ended_session": ended_session})
