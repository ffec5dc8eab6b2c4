"""Activation requests notify the secretariat at once on every channel (email on the crisis
queue, in-app, Web Push), and the requester when decided, with the reason (#12)."""

import pytest
from django.core import mail

from incidents import services
from incidents.services.activation import DECIDED, REQUESTED, send_activation_emails
from portal.notifications import push
from portal.notifications.stream_models import Notification
from portal.queues import CRISIS_QUEUE, task_routes
from tests.portal.factories import SecretariatFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(push, "queue_pushes", lambda notifications: sent.extend(notifications))
    return sent


def ask(responder, organization, capture):
    with capture(execute=True):
        return services.request_activation(
            actor=responder, organization=organization, title="Attack video spreading", livestreamed=True
        )


def test_a_request_reaches_every_secretariat_member_on_every_channel(
    responder_a, provider_a, secretariat, pushed, django_capture_on_commit_callbacks
):
    colleague = SecretariatFactory(language="fr")
    request = ask(responder_a, provider_a, django_capture_on_commit_callbacks)
    emails = {message.to[0]: message for message in mail.outbox}
    assert set(emails) == {secretariat.email, colleague.email}
    assert "Provider A requests the activation of the crisis protocol: Attack video spreading" in (
        emails[secretariat.email].subject
    )
    assert "demande l'activation du protocole de crise" in emails[colleague.email].body  # in their language
    assert f"/incidents/requests/{request.pk}/" in emails[secretariat.email].body
    in_app = Notification.objects.filter(kind="activation.requested")
    assert set(in_app.values_list("user_id", flat=True)) == {secretariat.pk, colleague.pk}
    assert {n.user_id for n in pushed} == {secretariat.pk, colleague.pk}
    # A retried task sends nothing twice; the emails go on the crisis queue, never behind digests.
    assert send_activation_emails(request_id=request.pk, stage=REQUESTED) == 0 and len(mail.outbox) == 2
    assert task_routes(crisis=CRISIS_QUEUE, bulk="bulk")["incidents.send_activation_email"]["queue"] == CRISIS_QUEUE


def test_the_requester_hears_the_decision_with_the_reason(
    responder_a, provider_a, secretariat, pushed, django_capture_on_commit_callbacks
):
    request = ask(responder_a, provider_a, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_activation(actor=secretariat, request=request, reason="Not violent extremist content")
    [email] = mail.outbox
    assert email.to == [responder_a.email]
    assert "was declined: Not violent extremist content" in email.body
    assert Notification.objects.filter(kind="activation.decided", user=responder_a).exists()
    assert responder_a.pk in {n.user_id for n in pushed}
    # Decided: the secretariat's stage has nothing more to send, and the decision goes once.
    assert send_activation_emails(request_id=request.pk, stage=REQUESTED) == 0
    assert send_activation_emails(request_id=request.pk, stage=DECIDED) == 0 and len(mail.outbox) == 1


def test_a_confirmation_names_the_incident(responder_a, provider_a, secretariat, django_capture_on_commit_callbacks):
    request = ask(responder_a, provider_a, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.confirm_activation(actor=secretariat, request=request)
    requester = [m for m in mail.outbox if m.to == [responder_a.email] and "activation request" in m.subject]
    assert len(requester) == 1 and f"was confirmed: incident #{incident.pk}." in requester[0].subject
