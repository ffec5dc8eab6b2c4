"""Reporting reminders: reporters of supporters with overdue implementations hear before
the cycle ends and once more in the grace period; once each, in their language."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from commitments import reminders
from commitments.models import Implementation
from commitments.reminders import REMINDER_KIND, Reminder, due_reminder, queue_reporting_reminders
from commitments.tasks import queue_reporting_reminders_task
from portal.models import Role, Standing
from portal.notifications.deliveries import Outcome
from portal.notifications.models import Delivery, DeliveryStatus
from tests.portal.factories import MembershipFactory

from .factories import accepted, member_of

pytestmark = pytest.mark.django_db

D = datetime.date


def age(organization, days=800):
    Implementation.objects.filter(organization=organization).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def run(today):
    """What the beat and its tasks do on `today`, inline."""
    batch = queue_reporting_reminders(today=today)
    return [reminders.send_reporting_reminder(delivery_id=pk, today=today) for pk in batch.delivery_ids]


@pytest.fixture
def lapsed(provider, government):
    """Both supporters joined long ago and never reported."""
    age(provider)
    age(government)
    return provider, government


# --- Which reminder, when --------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 3, 1), None),  # months left in the cycle
        (D(2026, 5, 30), None),  # 31 days before the cycle's last day: one too many
        (D(2026, 5, 31), ("2026-01-01", "b30", D(2026, 6, 30))),
        (D(2026, 6, 22), ("2026-01-01", "b30", D(2026, 6, 30))),
        (D(2026, 6, 23), ("2026-01-01", "b7", D(2026, 6, 30))),
        (D(2026, 6, 30), ("2026-01-01", "b7", D(2026, 6, 30))),
        (D(2026, 7, 1), None),  # the grace period begins; its reminder comes near its end
        (D(2026, 7, 23), ("2026-01-01", "grace", D(2026, 7, 30))),
        (D(2026, 7, 30), ("2026-01-01", "grace", D(2026, 7, 30))),
        (D(2026, 7, 31), None),  # grace over: the supporter is marked not reporting instead
        (D(2026, 12, 25), ("2026-07-01", "b7", D(2026, 12, 31))),
    ],
)
def test_due_reminder(today, expected):
    reminder = due_reminder(today)
    got = None if reminder is None else (reminder.cycle_start.isoformat(), reminder.stage, reminder.deadline)
    assert got == expected
    if reminder is not None:
        assert Reminder.from_period(reminder.period) == reminder
        assert len(reminder.period) <= Delivery._meta.get_field("period").max_length


def test_reminder_days_are_settings(settings):
    settings.COMMITMENTS_REMINDER_DAYS_BEFORE = (14,)
    assert due_reminder(D(2026, 6, 10)) is None
    assert due_reminder(D(2026, 6, 16)).stage == "b14"


# --- Who gets it -----------------------------------------------------------------------


def test_reporters_of_supporters_with_overdue_work_get_one_email(lapsed, catalogue, secretariat):
    provider, government = lapsed
    provider_reporter = member_of(provider, Role.REPORTER)
    government_reporter = member_of(government, Role.REPORTER)
    member_of(provider, Role.MEMBER)
    member_of(provider, Role.ADMIN)
    inactive = member_of(provider, Role.REPORTER)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    outcomes = run(D(2026, 6, 1))
    assert outcomes == [Outcome.SENT, Outcome.SENT]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([provider_reporter.email, government_reporter.email])

    message = next(m for m in mail.outbox if m.to == [provider_reporter.email])
    overdue_url = django_settings.SITE_URL.rstrip("/") + reverse(
        "commitments:organization_overdue", args=[provider.slug]
    )
    overdue = Implementation.objects.filter(organization=provider, commitment__is_active=True).count()
    assert overdue_url in message.body
    assert f"{provider.name}: {overdue} commitments overdue" in message.body
    assert "June 30, 2026" in message.subject
    assert government.name not in message.body  # only the organisations the reporter reports for


def test_an_organisation_without_a_reporter_has_its_admins_reminded(lapsed, catalogue):
    """A one-person platform's admin answers for its reporting; where a reporter exists, the
    admins are not reminded as well."""
    provider, government = lapsed
    lone_admin = member_of(provider, Role.ADMIN)
    government_admin = member_of(government, Role.ADMIN)
    government_reporter = member_of(government, Role.REPORTER)
    assert run(D(2026, 6, 1)) == [Outcome.SENT, Outcome.SENT]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lone_admin.email, government_reporter.email])
    assert government_admin.email not in {m.to[0] for m in mail.outbox}
    assert f"{provider.name}:" in next(m for m in mail.outbox if m.to == [lone_admin.email]).body


def test_a_reporter_who_also_responds_is_reminded_and_the_admin_is_not(lapsed, catalogue):
    """Whoever holds the reporter role, among others, answers for reporting."""
    provider, _government = lapsed
    admin = member_of(provider, Role.ADMIN)
    both = MembershipFactory(organization=provider, roles=[Role.REPORTER, Role.RESPONDER]).user
    assert run(D(2026, 6, 1)) == [Outcome.SENT]
    assert [m.to[0] for m in mail.outbox] == [both.email]
    assert admin.email not in {m.to[0] for m in mail.outbox}


def test_caught_up_and_former_supporters_are_not_reminded(provider, government, catalogue, secretariat):
    age(government)
    government.standing = Standing.SUSPENDED
    government.save(update_fields=["standing"])
    member_of(government, Role.REPORTER)
    reporter = member_of(provider, Role.REPORTER)
    age(provider)
    # The provider reports on everything this cycle.
    for implementation in Implementation.objects.filter(organization=provider, commitment__is_active=True):
        accepted(reporter, implementation, secretariat, as_of=D(2026, 5, 1))
    assert run(D(2026, 6, 1)) == []
    assert mail.outbox == []


def test_reporter_of_two_organisations_gets_one_email_listing_both(lapsed, catalogue):
    provider, government = lapsed
    reporter = member_of(provider, Role.REPORTER)
    MembershipFactory(user=reporter, organization=government, role=Role.REPORTER)
    run(D(2026, 6, 24))
    assert len(mail.outbox) == 1
    assert provider.name in mail.outbox[0].body and government.name in mail.outbox[0].body


# --- Once ------------------------------------------------------------------------------


def test_each_reminder_is_sent_once_per_reporter(lapsed, catalogue):
    provider, _government = lapsed
    reporter = member_of(provider, Role.REPORTER)
    run(D(2026, 6, 1))
    run(D(2026, 6, 1))
    run(D(2026, 6, 20))  # the same reminder, another day of its window
    assert len(mail.outbox) == 1
    run(D(2026, 6, 25))  # the 7-day reminder is a new one
    run(D(2026, 7, 25))  # and so is the grace period's last
    assert [m.to for m in mail.outbox] == [[reporter.email]] * 3
    assert "Last reminder" in mail.outbox[-1].subject
    keys = set(Delivery.objects.filter(kind=REMINDER_KIND).values_list("key", flat=True))
    assert keys == {
        f"{REMINDER_KIND}:2026-01-01:b30:{reporter.pk}",
        f"{REMINDER_KIND}:2026-01-01:b7:{reporter.pk}",
        f"{REMINDER_KIND}:2026-01-01:grace:{reporter.pk}",
    }


def test_a_rerun_of_the_send_sends_nothing(lapsed, catalogue):
    provider, _government = lapsed
    member_of(provider, Role.REPORTER)
    batch = queue_reporting_reminders(today=D(2026, 6, 1))
    (delivery_id,) = batch.delivery_ids
    assert reminders.send_reporting_reminder(delivery_id=delivery_id, today=D(2026, 6, 1)) == Outcome.SENT
    assert reminders.send_reporting_reminder(delivery_id=delivery_id, today=D(2026, 6, 1)) == Outcome.DONE
    assert len(mail.outbox) == 1


def test_reporter_who_caught_up_before_the_send_gets_nothing(provider, catalogue, secretariat):
    age(provider)
    reporter = member_of(provider, Role.REPORTER)
    batch = queue_reporting_reminders(today=D(2026, 6, 1))
    for implementation in Implementation.objects.filter(organization=provider, commitment__is_active=True):
        accepted(reporter, implementation, secretariat, as_of=D(2026, 5, 1))
    assert reminders.send_reporting_reminder(delivery_id=batch.delivery_ids[0], today=D(2026, 6, 1)) == Outcome.SKIPPED
    assert mail.outbox == []
    assert Delivery.objects.get(pk=batch.delivery_ids[0]).status == DeliveryStatus.SKIPPED


def test_batches_are_capped_and_chained(lapsed, catalogue):
    provider, _government = lapsed
    for _ in range(3):
        member_of(provider, Role.REPORTER)
    first = queue_reporting_reminders(today=D(2026, 6, 1), limit=2)
    assert len(first.delivery_ids) == 2 and first.more
    second = queue_reporting_reminders(today=D(2026, 6, 1), limit=2)
    assert len(second.delivery_ids) == 1 and not second.more
    assert Delivery.objects.filter(kind=REMINDER_KIND).count() == 3


def test_beat_task_sends_due_reminders_once(lapsed, catalogue, settings, eager_celery):
    # Whatever today is: no grace period, and a window longer than any cycle.
    settings.COMMITMENTS_REPORTING_GRACE_DAYS = 0
    settings.COMMITMENTS_REMINDER_DAYS_BEFORE = (400,)
    provider, _government = lapsed
    reporter = member_of(provider, Role.REPORTER)
    assert queue_reporting_reminders_task.delay().get() == 1
    assert queue_reporting_reminders_task.delay().get() == 0
    assert [m.to for m in mail.outbox] == [[reporter.email]]
    assert "queue-reporting-reminders" in django_settings.CELERY_BEAT_SCHEDULE
    assert (
        django_settings.CELERY_BEAT_SCHEDULE["queue-reporting-reminders"]["task"] == queue_reporting_reminders_task.name
    )


# --- Language --------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "month"), [("fr", "juin"), ("ar", "يونيو")])
def test_reminder_is_in_the_recipients_language(lapsed, catalogue, language, month):
    provider, _government = lapsed
    reporter = member_of(provider, Role.REPORTER)
    reporter.language = language
    reporter.save(update_fields=["language"])
    english = member_of(provider, Role.REPORTER)
    run(D(2026, 6, 1))
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert month in by_recipient[reporter.email].subject
    assert "June" in by_recipient[english.email].subject and month not in by_recipient[english.email].subject
