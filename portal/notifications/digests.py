"""Progress digests: who is due, what their digest holds, and sending it exactly once.

A digest covers the window from the end of the recipient's previous digest to the
moment its delivery record was written, so a retry renders the same window."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone, translation

from .. import metrics
from ..emails import language_for
from ..models import Membership, User
from . import deliveries, periods, registry, render
from .deliveries import Outcome
from .models import Delivery, DeliveryStatus, DigestFrequency, DigestPreference
from .preferences import preference_for

DIGEST_KIND = "digest"


@dataclass
class Digest:
    user: User
    frequency: str
    period: str
    language: str
    since: datetime.datetime
    until: datetime.datetime
    sections: list[registry.DigestSection]

    @property
    def is_empty(self) -> bool:
        return not self.sections


@dataclass
class QueuedBatch:
    delivery_ids: list[int]
    more: bool  # the batch was full: more users may be due


# --- Reads -----------------------------------------------------------------------------------


def due_digest_users(now: datetime.datetime) -> QuerySet[User]:
    """Active users whose digest for the current period of their frequency has no delivery
    record yet, annotated with `digest_frequency` and `digest_period`. One query."""
    keys = periods.current_keys(now)
    is_member = Exists(Membership.objects.filter(user=OuterRef("pk")))
    return (
        User.objects.filter(is_active=True)
        .annotate(
            digest_frequency=Case(
                When(digest_preference__isnull=False, then=F("digest_preference__frequency")),
                When(is_member, then=Value(DigestFrequency.WEEKLY)),
                default=Value(DigestFrequency.OFF),
                output_field=CharField(),
            )
        )
        .exclude(digest_frequency=DigestFrequency.OFF)
        .annotate(
            digest_period=Case(
                *[When(digest_frequency=frequency, then=Value(key)) for frequency, key in keys.items()],
                default=Value(""),
                output_field=CharField(),
            )
        )
        .exclude(
            Exists(
                Delivery.objects.filter(recipient=OuterRef("pk"), kind=DIGEST_KIND, period=OuterRef("digest_period"))
            )
        )
        .order_by("pk")
    )


def _previous_digests(recipient, before) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        recipient_id=recipient,
        kind=DIGEST_KIND,
        status__in=(DeliveryStatus.SENT, DeliveryStatus.SKIPPED),
        created_at__lt=before,
    ).order_by("-created_at")


def previous_digest_end(user_id: int, before: datetime.datetime) -> datetime.datetime | None:
    return _previous_digests(user_id, before).values_list("created_at", flat=True).first()


def _claimed_digest() -> QuerySet[Delivery]:
    """A claimed digest with what sending it needs, in one query: the recipient, their saved
    preference, whether they belong to an organisation (the default preference) and where
    their previous digest ended (where this one starts)."""
    return Delivery.objects.select_related("recipient__digest_preference").annotate(
        recipient_is_member=Exists(Membership.objects.filter(user=OuterRef("recipient_id"))),
        previous_digest_end=Subquery(
            _previous_digests(OuterRef("recipient_id"), OuterRef("created_at")).values("created_at")[:1]
        ),
    )


def frequency_of_period(period: str) -> str:
    if "-W" in period:
        return DigestFrequency.WEEKLY
    return DigestFrequency.DAILY if period.count("-") == 2 else DigestFrequency.MONTHLY


def build_digest(
    user: User,
    *,
    frequency: str,
    period: str,
    until: datetime.datetime,
    preference: DigestPreference | None = None,
    since: datetime.datetime | None = None,
) -> Digest:
    """What `user` may see that changed in the window ending at `until`, in their language.
    The window starts at `since`, by default where the user's previous digest ended."""
    preference = preference or preference_for(user)
    since = since or previous_digest_end(user.pk, until) or periods.first_window_start(frequency, until)
    language = language_for(user)
    request = registry.DigestRequest(
        user=user,
        frequency=frequency,
        scope=preference.scope,
        topics=tuple(preference.commitment_codes or ()),
        since=since,
        until=until,
        language=language,
    )
    with translation.override(language):
        sections = registry.build_sections(request)
    return Digest(user, frequency, period, language, since, until, sections)


def preview_digest(user: User, *, now: datetime.datetime | None = None) -> Digest:
    """The digest the user would get if it were sent now (weekly if they turned digests off)."""
    now = now or timezone.now()
    preference = preference_for(user)
    frequency = preference.frequency if preference.frequency != DigestFrequency.OFF else DigestFrequency.WEEKLY
    return build_digest(
        user, frequency=frequency, period=periods.period_key(frequency, now), until=now, preference=preference
    )


# --- Writes ----------------------------------------------------------------------------------


def queue_due_digests(*, now: datetime.datetime | None = None, limit: int) -> QueuedBatch:
    """Writes a queued delivery for up to `limit` due users, and picks up queued digests
    whose task was lost. Returns the deliveries to send; the caller sends each (a task each,
    or inline). Safe to run concurrently: the unique key absorbs a race."""
    now = now or timezone.now()
    deliveries.give_up_exhausted(now=now)
    due = list(due_digest_users(now).values_list("pk", "email", "digest_period")[:limit])
    rows = [
        Delivery(
            key=periods.digest_key(user_id, period),
            kind=DIGEST_KIND,
            recipient_id=user_id,
            to_address=email,
            period=period,
            created_at=now,
        )
        for user_id, email, period in due
    ]
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    keys = [row.key for row in rows]
    fresh = list(
        Delivery.objects.filter(key__in=keys, status=DeliveryStatus.QUEUED).order_by("pk").values_list("pk", flat=True)
    )
    stale = list(
        deliveries.stale_deliveries(now=now, kinds=(DIGEST_KIND,))
        .exclude(pk__in=fresh)
        .values_list("pk", flat=True)[:limit]
    )
    return QueuedBatch(delivery_ids=fresh + stale, more=len(due) == limit)


def send_digest(*, delivery_id: int) -> Outcome:
    """Sends one queued digest once (see deliveries.deliver). A recipient who turned digests
    off, left, or has nothing new gets nothing, and the period is recorded as skipped."""

    def build(delivery: Delivery):
        user = delivery.recipient
        if user is None or not user.is_active:
            return None
        preference = preference_for(user, is_member=delivery.recipient_is_member)
        if preference.frequency == DigestFrequency.OFF:
            return None
        frequency = frequency_of_period(delivery.period)
        digest = build_digest(
            user,
            frequency=frequency,
            period=delivery.period,
            until=delivery.created_at,
            preference=preference,
            since=delivery.previous_digest_end or periods.first_window_start(frequency, delivery.created_at),
        )
        if digest.is_empty:
            return None
        return render.digest_message(digest, to=delivery.to_address or user.email)

    return metrics.digest_finished(deliveries.deliver(delivery_id, build, load=_claimed_digest()))
