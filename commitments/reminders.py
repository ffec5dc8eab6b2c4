"""Reporting reminders: before a reporting cycle ends (by default 30 and 7 days before), the
reporters of every supporter with overdue implementations are emailed, and once more near
the end of the grace period that follows.

Which reminder is due depends only on the date (commitments.conf): at most one a day, the
most urgent whose window has begun, so a beat that misses a day still sends each reminder
once and never sends a stale one after a later one. Exactly once per reporter per reminder:
a delivery record keyed by (cycle, reminder, user) is written before the send
(portal.notifications.deliveries), so a rerun of any task sends nothing twice. What the
email lists is read again at send time; a reporter whose organisations caught up gets
nothing (the delivery is recorded as skipped)."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.emails import language_for
from portal.models import Membership, Role, Standing, User
from portal.notifications import deliveries
from portal.notifications.deliveries import Outcome
from portal.notifications.models import Delivery, DeliveryStatus
from portal.roles import holding_or_admins

from . import conf
from .models import Implementation
from .selectors.reporting import overdue_for_reporting

logger = logging.getLogger(__name__)

REMINDER_KIND = "reporting_reminder"
GRACE = "grace"


@dataclass(frozen=True)
class Reminder:
    cycle_start: datetime.date  # the cycle the reminder is about
    stage: str  # "b30", "b7" (days before the cycle ends) or "grace"
    deadline: datetime.date  # the cycle's last day, or the grace period's

    @property
    def period(self) -> str:
        return f"{self.cycle_start.isoformat()}:{self.stage}"  # fits Delivery.period (20)

    @property
    def is_last(self) -> bool:
        return self.stage == GRACE

    def key(self, user_id: int) -> str:
        return f"{REMINDER_KIND}:{self.period}:{user_id}"

    @classmethod
    def from_period(cls, period: str) -> "Reminder | None":
        try:
            start, stage = period.split(":", 1)
            cycle_start = datetime.date.fromisoformat(start)
        except ValueError:
            return None
        deadline = conf.grace_end(cycle_start) if stage == GRACE else conf.cycle_end(cycle_start)
        return cls(cycle_start=cycle_start, stage=stage, deadline=deadline)


@dataclass
class QueuedReminders:
    delivery_ids: list[int]
    more: bool  # the batch was full: more reporters may be due


# --- The rule ------------------------------------------------------------------------


def due_reminder(today: datetime.date) -> Reminder | None:
    """The reminder due on `today`, if any. The grace period's last reminder comes first: it
    is about the cycle that ended, whose overdue implementations are the ones listed then."""
    previous_start = conf.reporting_cutoff(today)
    if previous_start < conf.cycle_start(today):  # in the grace period after a cycle
        deadline = conf.grace_end(previous_start)
        if (deadline - today).days <= conf.last_reminder_days():
            return Reminder(cycle_start=previous_start, stage=GRACE, deadline=deadline)
        return None
    deadline = conf.cycle_end(today)
    days_left = (deadline - today).days
    due = [days for days in conf.reminder_days_before() if days_left <= days]
    if not due:
        return None
    return Reminder(cycle_start=conf.cycle_start(today), stage=f"b{min(due)}", deadline=deadline)


def reporting_memberships() -> QuerySet[Membership]:
    """Who answers for a supporter's reporting: its reporters, or its admins when it has no
    active reporter (a small organisation's one admin was never reminded)."""
    return Membership.objects.filter(holding_or_admins(Role.REPORTER), organization__standing=Standing.SUPPORTER)


def reminder_recipients(reminder: Reminder, *, today: datetime.date) -> QuerySet[User]:
    """Active reporters (or admins, where there is no reporter) of supporters with overdue
    implementations who have no delivery of this reminder yet. One query."""
    overdue = Implementation.objects.filter(
        overdue_for_reporting(today=today), organization_id=OuterRef("organization_id")
    )
    reporting = reporting_memberships().filter(user_id=OuterRef("pk")).filter(Exists(overdue))
    already = Delivery.objects.filter(recipient=OuterRef("pk"), kind=REMINDER_KIND, period=reminder.period)
    return User.objects.filter(Exists(reporting), is_active=True).exclude(Exists(already)).order_by("pk")


def overdue_by_organization(user: User, *, today: datetime.date) -> list[dict]:
    """The organisations `user` reports for that have overdue implementations, with how
    many and the link to their overdue list. Two queries."""
    organizations = {
        m.organization_id: m.organization
        for m in reporting_memberships().filter(user=user).select_related("organization")
    }
    counts = (
        Implementation.objects.filter(overdue_for_reporting(today=today), organization_id__in=organizations)
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    site = settings.SITE_URL.rstrip("/")
    rows = []
    for row in counts:
        organization = organizations[row["organization_id"]]
        url = site + reverse("commitments:organization_overdue", args=[organization.slug])
        rows.append({"organization": organization, "count": row["n"], "url": url})
    return sorted(rows, key=lambda row: row["organization"].name)


# --- Sending ---------------------------------------------------------------------------


def queue_reporting_reminders(*, today: datetime.date | None = None, limit: int | None = None) -> QueuedReminders:
    """Writes a queued delivery for up to `limit` reporters due the reminder of `today`, and
    picks up queued reminders whose task was lost. The caller sends each. Safe to run
    concurrently and again: the unique key absorbs a race and a rerun."""
    today = today or timezone.localdate()
    limit = limit or conf.reminder_batch_size()
    deliveries.give_up_exhausted()
    reminder = due_reminder(today)
    fresh: list[int] = []
    more = False
    if reminder is not None:
        due = list(reminder_recipients(reminder, today=today).values_list("pk", "email")[:limit])
        more = len(due) == limit
        rows = [
            Delivery(
                key=reminder.key(user_id),
                kind=REMINDER_KIND,
                recipient_id=user_id,
                to_address=email,
                period=reminder.period,
            )
            for user_id, email in due
        ]
        with transaction.atomic():
            Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        fresh = list(
            Delivery.objects.filter(key__in=[row.key for row in rows], status=DeliveryStatus.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    stale = list(
        deliveries.stale_deliveries(kinds=(REMINDER_KIND,)).exclude(pk__in=fresh).values_list("pk", flat=True)[:limit]
    )
    return QueuedReminders(delivery_ids=fresh + stale, more=more)


def reminder_message(user: User, reminder: Reminder, rows: list[dict], *, to: str) -> EmailMultiAlternatives:
    context = {"user": user, "reminder": reminder, "rows": rows, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(language_for(user)):
        subject = " ".join(render_to_string("commitments/email/reminder_subject.txt", context).split())
        body = render_to_string("commitments/email/reminder_body.txt", context)
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )


def send_reporting_reminder(*, delivery_id: int, today: datetime.date | None = None) -> Outcome:
    """Sends one queued reminder once (see deliveries.deliver). Raises
    deliveries.TransientDeliveryError when the send may be retried."""
    today = today or timezone.localdate()

    def build(delivery: Delivery):
        user = delivery.recipient
        reminder = Reminder.from_period(delivery.period)
        if user is None or not user.is_active or reminder is None:
            return None
        rows = overdue_by_organization(user, today=today)
        if not rows:
            return None  # caught up since the reminder was queued
        return reminder_message(user, reminder, rows, to=delivery.to_address or user.email)

    return deliveries.deliver(delivery_id, build)
