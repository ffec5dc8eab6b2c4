"""This app's part of a person's data download (portal.personal_data). What they wrote in rooms
they may still enter comes with its text; in a room they have since left (TLP raised, their
organisation no longer invited), only when and where, since the room's rules decide its text."""

from .models import RoomItem
from .permissions import entered_rooms


def personal_data(user) -> dict:
    readable = set(entered_rooms(user).values_list("pk", flat=True))
    return {
        "room_messages_written": [
            {"incident": item.incident_id, "seq": item.seq, "created_at": item.created_at,
             "body": item.body if item.incident_id in readable else None}
            for item in RoomItem.objects.filter(author=user, kind="chat").order_by("created_at")
        ],
    }  # fmt: skip
