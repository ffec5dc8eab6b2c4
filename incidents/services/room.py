"""The incident room's writes: every item appended to a room goes through `append_item`
(in the caller's transaction, broadcast after commit); chat messages and presence.

Callers authorise first (incidents.permissions: access_incident / access_room);
post_message re-checks who may write in the room.
"""

import uuid

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.services import actor_or_none

from .. import events, permissions, webhooks
from ..models import Incident, ItemKind, RoomItem, RoomPresence, Status
from ..selectors import acting_organization

MAX_BODY_BYTES = 8192
FLOOD_LIMIT = 20
FLOOD_WINDOW_SECONDS = 10


class RoomFloodedError(Exception):
    """Too many messages from one user in one room; nothing was stored."""

    def __init__(self):
        super().__init__(
            _("You are sending messages too fast: at most %(n)d in %(s)d seconds.")
            % {"n": FLOOD_LIMIT, "s": FLOOD_WINDOW_SECONDS}
        )


def append_item(
    *,
    incident_id: int,
    kind: str,
    body: str = "",
    event: str = "",
    params: dict | None = None,
    author=None,
    organization=None,
    data: dict | None = None,
    client_id: uuid.UUID | None = None,
    allow_closed: bool = False,
) -> RoomItem:
    """Stores the next item of a room; must run inside the caller's transaction. A chat
    message has a body; every other line an event and its params (incidents.lines).

    The counter update takes the incident's row lock until commit, so concurrent
    writers (in any process) get consecutive seqs and commit in seq order; a
    rollback (say a duplicate client_id) takes its seq back with it, leaving no gap.
    """
    table = connection.ops.quote_name(Incident._meta.db_table)
    condition = "" if allow_closed else " AND status <> %s"
    sql_args = [incident_id] if allow_closed else [incident_id, Status.CLOSED]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s{condition} RETURNING last_seq",  # noqa: S608
            sql_args,
        )
        row = cursor.fetchone()
    if row is None:
        raise ValidationError(_("This incident is closed; its room no longer takes new items."))
    item = RoomItem.objects.create(
        incident_id=incident_id,
        seq=row[0],
        kind=kind,
        author=actor_or_none(author),
        organization=organization,
        body=body,
        event=event,
        params=params or {},
        data=data or {},
        client_id=client_id,
    )
    # robust: a channel layer outage is logged, not raised; clients catch up from the database.
    transaction.on_commit(lambda: events.broadcast_item(item), robust=True)
    webhooks.announce_item(item=item)
    return item


def _parse_client_id(client_id) -> uuid.UUID | None:
    if client_id is None:
        return None
    if isinstance(client_id, uuid.UUID):
        return client_id
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError({"client_id": _("client_id must be a UUID.")}) from None


def _clean_body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": _("Write a message.")})
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValidationError({"body": _("A message may be at most %(n)d bytes.") % {"n": MAX_BODY_BYTES}})
    return body


def _check_flood(*, incident_id: int, user_id: int) -> None:
    """A counter per user and room that lives FLOOD_WINDOW_SECONDS from its first message."""
    key = f"incidents:flood:{incident_id}:{user_id}"
    cache.add(key, 0, timeout=FLOOD_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=FLOOD_WINDOW_SECONDS)
        count = 1
    if count > FLOOD_LIMIT:
        raise RoomFloodedError


def _existing_message(incident_id: int, client_id: uuid.UUID, actor) -> RoomItem | None:
    item = (
        RoomItem.objects.select_related("author", "organization")
        .filter(incident_id=incident_id, client_id=client_id)
        .first()
    )
    if item is not None and item.author_id != actor.pk:
        raise ValidationError({"client_id": _("This client_id is already used in this room.")})
    return item


def post_message(*, incident: Incident, actor, client_id, body) -> RoomItem:
    """Stores a chat message and broadcasts it after commit.

    Idempotent on client_id: a repeat returns the stored item and stores nothing.
    The caller has checked that the actor may enter the room; this checks that they may write in it.
    """
    permissions.check_room_posting(actor, incident)
    client_id = _parse_client_id(client_id)
    body = _clean_body(body)
    if client_id is not None:
        existing = _existing_message(incident.pk, client_id, actor)
        if existing is not None:
            return existing
    _check_flood(incident_id=incident.pk, user_id=actor.pk)
    organization = acting_organization(actor, incident)
    try:
        with transaction.atomic():
            return append_item(
                incident_id=incident.pk,
                kind=ItemKind.CHAT,
                author=actor,
                organization=organization,
                body=body,
                client_id=client_id,
            )
    except IntegrityError:
        # A concurrent request with the same client_id committed first.
        existing = _existing_message(incident.pk, client_id, actor) if client_id else None
        if existing is None:
            raise
        return existing


def record_presence(*, incident_id: int, arrived: list[tuple[str, int]], departed: list[str]) -> None:
    """One batch of a room's presence rows in one process (presence.Roster): a row for each
    connection that arrived, as (channel name, user id), none for those that departed."""
    now = timezone.now()
    with transaction.atomic():
        if departed:
            RoomPresence.objects.filter(channel_name__in=departed).delete()
        if arrived:
            RoomPresence.objects.bulk_create(
                [
                    RoomPresence(incident_id=incident_id, user_id=user_id, channel_name=name, last_seen=now)
                    for name, user_id in arrived
                ],
                update_conflicts=True,
                unique_fields=["channel_name"],
                update_fields=["incident", "user", "last_seen"],
            )


def touch_presence(*, channel_names) -> None:
    """Renews the presence rows of these connections (one room's heartbeat in one process)."""
    RoomPresence.objects.filter(channel_name__in=list(channel_names)).update(last_seen=timezone.now())
