"""Lost alert tasks: the beat task `incidents.requeue_lost_alerts` finds alert and
escalation emails still pending a few minutes on (a task that never ran, or died part-way)
and queues them again; the delivery records keep it to one email per recipient."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from incidents import alert_emails, selectors, services, tasks
from incidents.models import Acknowledgement, Status, Tier, Tlp
from portal.celery import app as celery_app
from portal.notifications.models import Delivery, DeliveryStatus
from tests.portal.factories import OrganizationFactory

from .factories import responder_of
from .test_alerts import make_overdue, sent_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

LATER = timedelta(minutes=3)  # past INCIDENT_ALERTS_LOST_AFTER_SECONDS (2 minutes by default)


@pytest.fixture
def responders(provider_a, provider_b):
    return [responder_of(provider_a), responder_of(provider_a), responder_of(provider_b)]


def declare(secretariat, organizations, capture, *, run_tasks: bool, **fields):
    """Declares; with run_tasks=False the alert task is lost (queued after commit, never run)."""
    fields = {"title": "Livestreamed attack", "tier": Tier.FULL_PROTOCOL, "tlp": Tlp.AMBER, **fields}
    with capture(execute=run_tasks):
        return services.declare_incident(actor=secretariat, organizations=organizations, **fields)


def age(*, deliveries=None, incident=None, by=LATER):
    """Moves records back in time, as if `by` had passed since they were written."""
    if deliveries is not None:
        for delivery in deliveries:
            Delivery.objects.filter(pk=delivery.pk).update(created_at=delivery.created_at - by)
    if incident is not None:
        acks = Acknowledgement.objects.filter(incident=incident)
        for ack in acks:
            acks.filter(pk=ack.pk).update(
                window_started_at=ack.window_started_at - by,
                escalated_at=ack.escalated_at - by if ack.escalated_at else None,
            )


def sweep(capture) -> int:
    with capture(execute=True):
        return tasks.requeue_lost_alerts_task()


def test_the_beat_runs_the_named_task_every_minute():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "incidents.requeue_lost_alerts")
    assert entry["schedule"] <= 60
    assert tasks.requeue_lost_alerts_task.name in celery_app.tasks


def test_an_alert_task_that_never_ran_is_queued_again_and_sends_once(
    secretariat, provider_a, provider_b, responders, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks, run_tasks=False)
    assert mail.outbox == [] and not Delivery.objects.exists()
    assert sweep(django_capture_on_commit_callbacks) == 0  # too soon: the task may still be on its way
    assert mail.outbox == []
    age(incident=incident)
    assert sweep(django_capture_on_commit_callbacks) == 1
    assert all(len(sent_to(user)) == 1 for user in responders)
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == len(responders)


def test_a_task_that_died_part_way_sends_only_what_was_not_sent(
    secretariat, provider_a, provider_b, responders, django_capture_on_commit_callbacks
):
    incident = declare(secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks, run_tasks=True)
    served, queued_only, never_created = responders
    # As if the worker was killed after serving the first recipient and recording the second.
    Delivery.objects.filter(recipient=queued_only).update(status=DeliveryStatus.QUEUED, sent_at=None, attempts=0)
    Delivery.objects.filter(recipient=never_created).delete()
    age(deliveries=Delivery.objects.filter(kind=alert_emails.ALERT_KIND), incident=incident)
    mail.outbox.clear()
    assert sweep(django_capture_on_commit_callbacks) == 1
    assert sent_to(served) == []
    assert len(sent_to(queued_only)) == 1 and len(sent_to(never_created)) == 1
    assert len(mail.outbox) == 2
    assert set(Delivery.objects.filter(kind=alert_emails.ALERT_KIND).values_list("status", flat=True)) == {"sent"}
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2


def test_a_lapsed_claim_is_sent_again_and_a_live_one_is_left_alone(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks
):
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=True)
    first, second = Delivery.objects.filter(kind=alert_emails.ALERT_KIND).order_by("pk")
    now = timezone.now()
    # A worker died mid-send (its claim has lapsed); another is sending right now (claim held).
    Delivery.objects.filter(pk=first.pk).update(
        status=DeliveryStatus.QUEUED, sent_at=None, attempts=1, claimed_until=now - timedelta(seconds=1)
    )
    Delivery.objects.filter(pk=second.pk).update(
        status=DeliveryStatus.QUEUED, sent_at=None, attempts=1, claimed_until=now + timedelta(minutes=4)
    )
    age(deliveries=[first, second])
    mail.outbox.clear()
    sweep(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[first.to_address]]
    assert Delivery.objects.get(pk=first.pk).status == DeliveryStatus.SENT
    assert Delivery.objects.get(pk=second.pk).status == DeliveryStatus.QUEUED  # still its sender's


def test_a_delivery_waiting_for_its_retry_is_not_hurried(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks
):
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=True)
    delivery = Delivery.objects.filter(kind=alert_emails.ALERT_KIND).first()
    # Released after a transient failure: its task retries with backoff.
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED, sent_at=None, attempts=1)
    age(deliveries=[delivery])
    assert selectors.find_lost_tasks().alert_rounds == []
    # Past the generic stale age its retry is taken as lost too.
    later = timezone.now() + timedelta(seconds=16 * 60)
    assert selectors.find_lost_tasks(now=later).alert_rounds == [(delivery.object_id, Tier.FULL_PROTOCOL)]


def test_an_escalation_whose_task_was_lost_is_sent_once(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role="admin")
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=True)
    make_overdue(incident)
    with django_capture_on_commit_callbacks(execute=False):  # the escalation task is lost
        assert len(services.escalate_overdue().escalated) == 1
    assert sent_to(admin) == []
    age(incident=incident)
    sweep(django_capture_on_commit_callbacks)
    assert len(sent_to(admin)) == 1 and len(sent_to(secretariat)) == 1
    sweep(django_capture_on_commit_callbacks)
    assert len(sent_to(admin)) == 1 and len(sent_to(secretariat)) == 1


def test_closed_incidents_and_rounds_without_recipients_are_not_queued(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks
):
    nobody = OrganizationFactory(name="No responders")
    closed = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=False)
    Acknowledgement.objects.filter(incident=closed).update(window_started_at=timezone.now() - LATER)
    closed.status = Status.CLOSED
    closed.save(update_fields=["status"])
    empty = declare(secretariat, [nobody], django_capture_on_commit_callbacks, run_tasks=False)
    age(incident=empty)
    lost = selectors.find_lost_tasks()
    assert lost.alert_rounds == [] and lost.escalations == []


def test_red_rounds_count_only_named_responders(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks
):
    named = declare(
        secretariat,
        [provider_a],
        django_capture_on_commit_callbacks,
        run_tasks=False,
        tlp=Tlp.RED,
        recipients=[responders[0]],
    )
    unnamed = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=False, tlp=Tlp.RED)
    age(incident=named)
    age(incident=unnamed)
    assert selectors.find_lost_tasks().alert_rounds == [(named.pk, Tier.FULL_PROTOCOL)]
    sweep(django_capture_on_commit_callbacks)
    assert len(sent_to(responders[0])) == 1 and sent_to(responders[1]) == []


def test_an_escalation_that_died_part_way_sends_only_what_was_not_sent(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role="admin")
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=True)
    make_overdue(incident)
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate_overdue()
    escalations = Delivery.objects.filter(kind=alert_emails.ESCALATION_KIND)
    assert escalations.count() == 2  # the admin and the secretariat
    escalations.filter(recipient=admin).update(status=DeliveryStatus.QUEUED, sent_at=None, attempts=0)
    age(deliveries=escalations)
    mail.outbox.clear()
    sweep(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[admin.email]]
    sweep(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_a_broker_outage_at_declaration_is_caught_up_by_the_sweep(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_alerts_task, "delay", broker_down)
    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=True)  # no error
    assert incident.pk and mail.outbox == []
    monkeypatch.undo()
    age(incident=incident)
    assert sweep(django_capture_on_commit_callbacks) == 1
    assert len(sent_to(responders[0])) == 1 and len(sent_to(responders[1])) == 1


def test_a_broker_outage_while_escalating_is_caught_up_by_the_sweep(
    secretariat, provider_a, responders, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused.")

    incident = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, run_tasks=True)
    make_overdue(incident)
    monkeypatch.setattr(tasks.send_escalation_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.escalate_overdue().escalated) == 1  # recorded, though its emails could not be queued
    assert sent_to(secretariat) == []
    monkeypatch.undo()
    age(incident=incident)
    sweep(django_capture_on_commit_callbacks)
    assert len(sent_to(secretariat)) == 1
