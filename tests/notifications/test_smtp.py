"""A real SMTP conversation with a local sink: temporary refusals are retried and the
message arrives once; a permanent refusal, or a server that never answers, ends
recorded as failed with the reason."""

import pytest
from django.utils import timezone

from portal import services
from portal.models import Delivery
from portal.notifications import digests
from portal.notifications.models import DeliveryStatus
from portal.tasks import send_digest_task, send_registry_email_task
from tests.portal.factories import UserFactory

from .conftest import report
from .smtp_sink import SmtpSink, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_digest(streamwave_member, kestrel, secretariat):
    report(kestrel, "OSP1", reviewer=secretariat)
    digests.queue_due_digests(now=timezone.now(), limit=10)
    return Delivery.objects.get(recipient=streamwave_member)


def test_a_digest_refused_twice_then_accepted_arrives_once(eager_celery, settings, queued_digest):
    with SmtpSink(refuse_first=2) as sink:
        sink.configure(settings)
        send_digest_task.delay(delivery_id=queued_digest.pk)
        send_digest_task.delay(delivery_id=queued_digest.pk)  # a duplicate task changes nothing
    assert sink.handler.refused == 2
    assert sink.recipients() == [queued_digest.to_address]
    queued_digest.refresh_from_db()
    assert (queued_digest.status, queued_digest.attempts) == (DeliveryStatus.SENT, 3)
    assert queued_digest.last_error == ""  # the temporary refusals are behind it


def test_a_registry_email_refused_once_then_accepted_arrives_once(eager_celery, settings, secretariat):
    applicant = UserFactory(email="maya@kestrel.example")
    application = services.apply_for_organization(applicant=applicant, name="Kestrel Streams", kind="provider")
    with SmtpSink(refuse_first=1) as sink:
        sink.configure(settings)
        send_registry_email_task.delay(kind="application_submitted", object_id=application.pk)
    assert sink.recipients() == [secretariat.email]
    assert Delivery.objects.get(to_address=secretariat.email).status == DeliveryStatus.SENT


def test_an_unknown_mailbox_is_recorded_as_failed_and_not_retried(eager_celery, settings, queued_digest):
    with SmtpSink(unknown=frozenset({queued_digest.to_address})) as sink:
        sink.configure(settings)
        send_digest_task.delay(delivery_id=queued_digest.pk)
    queued_digest.refresh_from_db()
    assert (queued_digest.status, queued_digest.attempts) == (DeliveryStatus.FAILED, 1)
    assert "550" in queued_digest.last_error and "No such mailbox" in queued_digest.last_error
    assert sink.handler.messages == []


def test_a_server_that_never_answers_ends_failed_with_the_reason(eager_celery, settings, queued_digest):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    send_digest_task.delay(delivery_id=queued_digest.pk)
    queued_digest.refresh_from_db()
    assert queued_digest.status == DeliveryStatus.FAILED
    assert queued_digest.attempts == 3
    assert queued_digest.last_error.startswith("gave up after 3 attempts: ConnectionRefusedError")
