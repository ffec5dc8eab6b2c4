"""Every send writes its delivery record first: a task run twice sends once, a crash
between claim and send is sent once on the retry, two senders never both send."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from portal import emails, services
from portal.models import Delivery
from portal.notifications import deliveries, digests
from portal.notifications.models import DeliveryStatus
from portal.tasks import (
    queue_due_digests_task,
    requeue_stale_emails_task,
    send_digest_task,
    send_registry_email_task,
)
from tests.portal.factories import UserFactory

from .conftest import report, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(kestrel, secretariat):
    return report(kestrel, "OSP1", reviewer=secretariat)


@pytest.fixture
def queued_digest(streamwave_member, news):
    digests.queue_due_digests(now=timezone.now(), limit=10)
    return Delivery.objects.get(recipient=streamwave_member)


def test_the_digest_task_run_twice_sends_one_email(eager_celery, queued_digest, streamwave_member):
    assert send_digest_task.delay(delivery_id=queued_digest.pk).get() == "sent"
    assert send_digest_task.delay(delivery_id=queued_digest.pk).get() == "done"
    assert len(sent_to(streamwave_member.email)) == 1
    queued_digest.refresh_from_db()
    assert (queued_digest.status, queued_digest.attempts, queued_digest.key) == (
        DeliveryStatus.SENT,
        1,
        f"digest:{streamwave_member.pk}:{queued_digest.period}",
    )


def test_the_beat_task_run_twice_queues_each_digest_once(eager_celery, streamwave_member, news):
    assert queue_due_digests_task.delay().get() == 2  # Streamwave's member and Kestrel's reporter
    assert queue_due_digests_task.delay().get() == 0
    assert len(sent_to(streamwave_member.email)) == 1
    assert Delivery.objects.filter(kind="digest").count() == 2


def test_the_beat_task_works_in_capped_batches_each_digest_its_own_task(
    eager_celery, settings, streamwave, news, monkeypatch
):
    from tests.commitments.factories import member_of

    members = [member_of(streamwave) for _ in range(5)]
    settings.DIGEST_BATCH_SIZE = 2
    sent_by_task = []
    real_send = digests.send_digest
    monkeypatch.setattr(
        digests,
        "send_digest",
        lambda *, delivery_id: sent_by_task.append(delivery_id) or real_send(delivery_id=delivery_id),
    )
    queue_due_digests_task.delay()
    # Five members, and Kestrel's reporter: one task per digest, across batches of two.
    assert len(sent_by_task) == 6 == len(set(sent_by_task))
    assert {m.email for m in members} <= {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 6


def test_a_crash_between_claim_and_send_is_sent_once_after_the_lease(settings, queued_digest, streamwave_member):
    assert deliveries.claim(queued_digest.pk) is not None  # a worker claims it, then dies before sending
    assert digests.send_digest(delivery_id=queued_digest.pk) == "busy"  # the claim holds while it may still send
    assert mail.outbox == []

    Delivery.objects.filter(pk=queued_digest.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert digests.send_digest(delivery_id=queued_digest.pk) == "sent"
    assert digests.send_digest(delivery_id=queued_digest.pk) == "done"
    assert len(sent_to(streamwave_member.email)) == 1
    queued_digest.refresh_from_db()
    assert queued_digest.attempts == 2


def test_two_senders_cannot_both_claim(queued_digest):
    first = deliveries.claim(queued_digest.pk)
    second = deliveries.claim(queued_digest.pk)
    assert first is not None and second is None


def test_a_digest_whose_task_was_lost_is_queued_again_by_the_sweep(settings, queued_digest, streamwave_member):
    later = timezone.now() + datetime.timedelta(minutes=16)  # past the 15 minutes after which a task counts as lost
    Delivery.objects.exclude(pk=queued_digest.pk).update(status=DeliveryStatus.SENT)
    batch = digests.queue_due_digests(now=later, limit=10)
    assert batch.delivery_ids == [queued_digest.pk]
    assert digests.send_digest(delivery_id=queued_digest.pk) == "sent"
    assert digests.queue_due_digests(now=later, limit=10).delivery_ids == []


def test_a_delivery_that_keeps_crashing_its_worker_ends_failed(settings, queued_digest):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    Delivery.objects.filter(pk=queued_digest.pk).update(attempts=2, last_error="killed")
    assert digests.send_digest(delivery_id=queued_digest.pk) == "failed"
    queued_digest.refresh_from_db()
    assert queued_digest.status == DeliveryStatus.FAILED
    assert queued_digest.last_error.startswith("gave up")


def test_a_recipient_who_unsubscribed_after_queueing_gets_nothing(queued_digest, streamwave_member):
    from portal.notifications.preferences import unsubscribe_from_digests

    unsubscribe_from_digests(user=streamwave_member)
    assert digests.send_digest(delivery_id=queued_digest.pk) == "skipped"
    assert mail.outbox == []


def test_a_vanished_delivery_sends_nothing(eager_celery):
    assert send_digest_task.delay(delivery_id=987654).get() == "done"


def test_every_attempt_at_one_delivery_carries_the_same_message_id(queued_digest):
    digests.send_digest(delivery_id=queued_digest.pk)
    (message,) = mail.outbox
    assert message.message()["Message-ID"] == deliveries.message_id_for(queued_digest.key)


# --- Registry emails on delivery records -----------------------------------------------------------


@pytest.fixture
def application(secretariat):
    UserFactory(is_secretariat=True, email="colleague@secretariat.example")
    applicant = UserFactory(email="maya@kestrel.example")
    return services.apply_for_organization(applicant=applicant, name="Kestrel Streams", kind="provider")


def test_a_registry_email_task_run_twice_sends_once_to_each_recipient(eager_celery, application):
    send_registry_email_task.delay(kind="application_submitted", object_id=application.pk)
    send_registry_email_task.delay(kind="application_submitted", object_id=application.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@secretariat.example", "desk@secretariat.example"]
    keys = set(Delivery.objects.filter(status=DeliveryStatus.SENT).values_list("key", flat=True))
    assert keys == {
        f"email:application_submitted:{application.pk}:colleague@secretariat.example",
        f"email:application_submitted:{application.pk}:desk@secretariat.example",
    }


class RefusesSecondRecipientOnce(EmailBackend):
    refused = False

    def send_messages(self, messages):
        if "colleague@secretariat.example" in messages[0].to and not RefusesSecondRecipientOnce.refused:
            RefusesSecondRecipientOnce.refused = True
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return super().send_messages(messages)


def test_a_retried_registry_email_skips_the_recipients_already_served(eager_celery, settings, application):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesSecondRecipientOnce"
    RefusesSecondRecipientOnce.refused = False
    send_registry_email_task.delay(kind="application_submitted", object_id=application.pk)
    assert RefusesSecondRecipientOnce.refused
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@secretariat.example", "desk@secretariat.example"]
    colleague = Delivery.objects.get(to_address="colleague@secretariat.example")
    assert (colleague.status, colleague.attempts) == (DeliveryStatus.SENT, 2)


def test_a_registry_email_whose_task_was_lost_is_sent_by_the_sweep(eager_celery, settings, application):
    deliveries.ensure_delivery(
        key=emails.delivery_key("application_submitted", application.pk, "desk@secretariat.example"),
        kind="email:application_submitted",
        to_address="desk@secretariat.example",
        object_id=application.pk,
    )
    Delivery.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert requeue_stale_emails_task.delay().get() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@secretariat.example", "desk@secretariat.example"]
    assert requeue_stale_emails_task.delay().get() == 0


def test_a_lost_email_that_no_longer_applies_is_skipped_not_swept_for_ever(eager_celery, application):
    leaver = UserFactory(is_secretariat=True, email="leaver@secretariat.example")
    deliveries.ensure_delivery(
        key=emails.delivery_key("application_submitted", application.pk, leaver.email),
        kind="email:application_submitted",
        recipient=leaver,
        to_address=leaver.email,
        object_id=application.pk,
    )
    leaver.is_active = False
    leaver.save()
    Delivery.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert requeue_stale_emails_task.delay().get() == 1
    assert "leaver@secretariat.example" not in [m.to[0] for m in mail.outbox]
    assert Delivery.objects.get(to_address=leaver.email).status == DeliveryStatus.SKIPPED
    assert requeue_stale_emails_task.delay().get() == 0
