"""Review-outcome emails: the author of a progress update hears the secretariat's decision
once per review, in their language, after the review commits."""

import pytest
from django.core import mail

from commitments.notifications import KIND, send_review_outcome
from commitments.services import edit_progress, review_progress
from portal.models import Role
from portal.notifications.deliveries import Outcome
from portal.notifications.models import Delivery, DeliveryStatus
from tests.commitments.factories import member_of

from .conftest import html_of, report, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(streamwave):
    return member_of(streamwave, Role.REPORTER, email="rua@streamwave.example", language="fr")


@pytest.fixture
def update(reporter, streamwave):
    return report(streamwave, "OSP1", visibility="supporters")


def decide(capture, update, secretariat, decision, comment=""):
    with capture(execute=True):
        return review_progress(actor=secretariat, update=update, decision=decision, comment=comment)


def test_acceptance_is_emailed_to_the_author_in_their_language(
    update, reporter, secretariat, eager_celery, django_capture_on_commit_callbacks
):
    decide(django_capture_on_commit_callbacks, update, secretariat, "accept", comment="Thank you, clear evidence.")

    (message,) = sent_to(reporter.email)
    assert "OSP1" in message.subject
    assert "Thank you, clear evidence." in message.body
    assert "https://portal.example/commitments/organisations/streamwave/" in message.body
    html = html_of(message)
    assert 'lang="fr"' in html and 'dir="ltr"' in html
    delivery = Delivery.objects.get(kind=KIND)
    assert delivery.status == DeliveryStatus.SENT and delivery.recipient == reporter
    assert secretariat.email not in {address for m in mail.outbox for address in m.to}


def test_a_return_carries_the_comment_and_a_link_to_change_the_update(
    update, reporter, secretariat, eager_celery, django_capture_on_commit_callbacks
):
    reporter.language = "ar"
    reporter.save(update_fields=["language"])
    decide(django_capture_on_commit_callbacks, update, secretariat, "return", comment="أضيفوا الأدلة")

    (message,) = sent_to(reporter.email)
    assert "أضيفوا الأدلة" in message.body
    assert f"https://portal.example/commitments/updates/{update.pk}/edit/" in message.body
    html = html_of(message)
    assert 'dir="rtl"' in html and 'lang="ar"' in html and "أضيفوا الأدلة" in html


def test_nothing_is_sent_before_the_review_commits(
    update, secretariat, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review_progress(actor=secretariat, update=update, decision="accept")
    assert callbacks and mail.outbox == []
    # The delivery is recorded with the review (so a lost task can be found), but not sent.
    assert Delivery.objects.get(kind=KIND).status == DeliveryStatus.QUEUED


def test_a_task_lost_at_commit_is_queued_again_by_the_sweep_and_sent_once(
    update, reporter, secretariat, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from commitments import tasks

    # The broker is away when the review commits: the task never reaches a worker.
    monkeypatch.setattr(tasks.send_review_outcome_task, "delay", lambda **kwargs: None)
    decide(django_capture_on_commit_callbacks, update, secretariat, "return", comment="Add the evidence.")
    monkeypatch.undo()
    assert mail.outbox == []
    assert tasks.requeue_lost_review_outcomes_task() == 0  # not stale yet: its task may still run

    Delivery.objects.filter(kind=KIND).update(created_at=timezone.now() - timedelta(hours=1))
    assert tasks.requeue_lost_review_outcomes_task() == 1
    (message,) = sent_to(reporter.email)
    assert "Add the evidence." in message.body
    assert Delivery.objects.get(kind=KIND).status == DeliveryStatus.SENT
    assert tasks.requeue_lost_review_outcomes_task() == 0
    assert len(sent_to(reporter.email)) == 1


def test_a_rerun_sends_nothing_twice(update, reporter, secretariat, eager_celery, django_capture_on_commit_callbacks):
    decide(django_capture_on_commit_callbacks, update, secretariat, "accept")
    delivery = Delivery.objects.get(kind=KIND)

    assert send_review_outcome(update_id=update.pk, version=int(delivery.period)) == Outcome.DONE
    assert len(sent_to(reporter.email)) == 1


def test_each_review_of_an_edited_update_is_its_own_email(
    update, reporter, secretariat, eager_celery, django_capture_on_commit_callbacks
):
    decide(django_capture_on_commit_callbacks, update, secretariat, "return", comment="Add the date of launch.")
    with django_capture_on_commit_callbacks(execute=True):
        edit_progress(actor=reporter, update=update, narrative="Launched on 3 March.")
    decide(django_capture_on_commit_callbacks, update, secretariat, "accept")

    first, second = sent_to(reporter.email)
    assert "Add the date of launch." in first.body and "Add the date of launch." not in second.body
    assert Delivery.objects.filter(kind=KIND).count() == 2


def test_an_author_who_left_the_organisation_is_not_told(
    update, reporter, streamwave, secretariat, eager_celery, django_capture_on_commit_callbacks
):
    reporter.memberships.filter(organization=streamwave).delete()
    decide(django_capture_on_commit_callbacks, update, secretariat, "return", comment="Internal remark")

    assert sent_to(reporter.email) == []
    assert Delivery.objects.get(kind=KIND).status == DeliveryStatus.SKIPPED
