"""Incident emails reach exactly the incident's audience, decided when they are sent, and
withhold the content at AMBER+STRICT and RED; an acknowledge link is re-checked each time it
is used (permissions.incident_audience, alert_emails.read_acknowledge_token)."""

import re

import pytest
from django.core import mail

from incidents import alert_emails, services
from incidents.models import Acknowledgement, RoomItem, Tier, Tlp
from portal import services as portal_services
from portal.models import AuditEvent, Role, Standing
from portal.notifications.models import Delivery, DeliveryStatus
from tests.portal.factories import MembershipFactory

from .factories import responder_of
from .test_alerts import escalate, make_overdue, sent_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

TITLE = "Zebrafinch livestream"
SUMMARY = "Quokka manifesto spreading"
WITHHELD = [Tlp.AMBER_STRICT, Tlp.RED]
NEUTRAL = {
    "en": "Incident #{n} needs your organisation's acknowledgement",
    "fr": "L'incident n° {n} attend l'accusé de réception de votre organisation",
    "ar": "الحادث رقم {n} بانتظار تأكيد استلام منظمتك",
}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


def declare(secretariat, organizations, capture, *, execute=True, **fields):
    fields = {"title": TITLE, "summary": SUMMARY, "tier": Tier.FULL_PROTOCOL, "tlp": Tlp.AMBER, **fields}
    with capture(execute=execute) as callbacks:
        incident = services.declare_incident(actor=secretariat, organizations=organizations, **fields)
    return incident, callbacks


def suspend(secretariat, organization):
    portal_services.change_standing(actor=secretariat, organization=organization, standing=Standing.SUSPENDED)


def parts(message) -> list[str]:
    """Everything a reader sees: the subject, the text body and every alternative (HTML)."""
    return [message.subject, message.body, *(content for content, _mimetype in message.alternatives)]


def acknowledge_path(message) -> str:
    return re.search(r"https://portal\.example(/incidents/acknowledge/\S+/)", message.body).group(1)


def nothing_acknowledged(incident):
    assert not Acknowledgement.objects.filter(incident=incident, acknowledged_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="incident.alert_acknowledged").exists()
    assert not RoomItem.objects.filter(incident=incident, data__has_key="acknowledged").exists()


# --- Escalation recipients ----------------------------------------------------------------


def test_a_suspended_organisations_admin_gets_no_escalation(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role=Role.ADMIN)
    responder_of(provider_a)
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    suspend(secretariat, provider_a)
    make_overdue(incident)
    assert escalate(django_capture_on_commit_callbacks) == 1
    assert sent_to(admin) == []
    assert len(sent_to(secretariat)) == 1  # nobody of the organisation may see it: the secretariat still hears


def test_at_red_only_named_admins_are_escalated_to(secretariat, provider_a, django_capture_on_commit_callbacks):
    named_admin = responder_of(provider_a, role=Role.ADMIN)
    unnamed_admin = responder_of(provider_a, role=Role.ADMIN)
    responder = responder_of(provider_a)
    incident, _ = declare(
        secretariat, [provider_a], django_capture_on_commit_callbacks, tlp=Tlp.RED, recipients=[named_admin, responder]
    )
    make_overdue(incident)
    assert escalate(django_capture_on_commit_callbacks) == 1
    assert sent_to(unnamed_admin) == []
    assert len(sent_to(named_admin)) == 1 and len(sent_to(secretariat)) == 1


def test_at_amber_strict_only_admins_who_are_responders_are_escalated_to(
    secretariat, provider_a, provider_b, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role=Role.ADMIN)
    admin_and_responder = responder_of(provider_a, role=Role.ADMIN)
    MembershipFactory(user=admin_and_responder, organization=provider_b, role=Role.RESPONDER)
    incident, _ = declare(
        secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks, tlp=Tlp.AMBER_STRICT
    )
    services.acknowledge_alert(incident=incident, organization=provider_b, user=admin_and_responder)
    make_overdue(incident)
    assert escalate(django_capture_on_commit_callbacks) == 1  # provider A's window
    escalated_to = set(Delivery.objects.filter(kind=alert_emails.ESCALATION_KIND).values_list("recipient", flat=True))
    # An admin who is a responder of an invited organisation is in the AMBER+STRICT audience.
    assert escalated_to == {admin_and_responder.pk, secretariat.pk}
    assert sent_to(admin) == []


def test_at_amber_the_admins_are_escalated_to_as_before(secretariat, provider_a, django_capture_on_commit_callbacks):
    admin = responder_of(provider_a, role=Role.ADMIN)
    responder_of(provider_a)  # else the admin is alerted in the responder's place
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    make_overdue(incident)
    escalate(django_capture_on_commit_callbacks)
    (message,) = sent_to(admin)
    assert TITLE in message.subject and provider_a.name in message.subject


# --- Content withheld at AMBER+STRICT and RED -------------------------------------------


@pytest.mark.parametrize("tlp", WITHHELD)
@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_alert_and_escalation_emails_carry_no_content(
    secretariat, provider_a, django_capture_on_commit_callbacks, tlp, language
):
    responder = responder_of(provider_a)
    admin = responder_of(provider_a, role=Role.ADMIN)
    for user in (responder, admin, secretariat):
        user.language = language
        user.save(update_fields=["language"])
    incident, _ = declare(
        secretariat, [provider_a], django_capture_on_commit_callbacks, tlp=tlp, recipients=[responder, admin]
    )
    make_overdue(incident)
    escalate(django_capture_on_commit_callbacks)
    (alert,) = sent_to(responder)
    (_to_secretariat,) = sent_to(secretariat)
    assert len(sent_to(admin)) == (1 if tlp == Tlp.RED else 0)  # at AMBER+STRICT an admin is not a responder
    neutral = NEUTRAL[language].format(n=incident.pk)
    sign_in = f"https://portal.example/accounts/login/?next=%2Fincidents%2F{incident.pk}%2F"
    for message in mail.outbox:
        assert message.subject == neutral
        for part in parts(message):
            assert TITLE not in part and SUMMARY not in part and provider_a.name not in part, part
        assert neutral in message.body and sign_in in message.body
    assert "/incidents/acknowledge/" in alert.body


def test_amber_emails_keep_their_content(secretariat, provider_a, django_capture_on_commit_callbacks):
    responder = responder_of(provider_a)
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    (alert,) = sent_to(responder)
    assert TITLE in alert.subject and TITLE in alert.body and provider_a.name in alert.body
    assert f"https://portal.example/incidents/{incident.pk}/" in alert.body


@pytest.mark.parametrize("tlp", WITHHELD)
def test_the_acknowledge_page_withholds_the_content(
    client, secretariat, provider_a, django_capture_on_commit_callbacks, tlp
):
    responder = responder_of(provider_a)
    incident, _ = declare(
        secretariat, [provider_a], django_capture_on_commit_callbacks, tlp=tlp, recipients=[responder]
    )
    path = acknowledge_path(sent_to(responder)[0])
    for response in (client.get(path), client.post(path)):
        html = response.content.decode()
        assert response.status_code == 200
        assert TITLE not in html and SUMMARY not in html
        assert f"Incident #{incident.pk} needs your organisation" in html
    assert Acknowledgement.objects.get(incident=incident, organization=provider_a).acknowledged_by == responder
    # The way on to the incident goes through signing in (the page itself would be a 404).
    assert f'href="/accounts/login/?next=/incidents/{incident.pk}/"' in html


def test_the_acknowledge_page_shows_the_title_at_amber(
    client, secretariat, provider_a, django_capture_on_commit_callbacks
):
    responder = responder_of(provider_a)
    declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    assert TITLE in client.get(acknowledge_path(sent_to(responder)[0])).content.decode()


# --- The link is re-checked when used -------------------------------------------------------


def main_of(response) -> str:
    return response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]


def assert_refused_like_an_invalid_link(client, path, incident, organization):
    invalid = client.get("/incidents/acknowledge/not-a-token/")
    for response in (client.get(path), client.post(path)):
        assert response.status_code == invalid.status_code == 400
        assert main_of(response) == main_of(invalid)
        html = response.content.decode()
        assert TITLE not in html and organization.name not in html and "Incident #" not in html
    nothing_acknowledged(incident)


def test_an_old_link_after_a_tlp_raise_shows_and_acknowledges_nothing(
    client, secretariat, provider_a, django_capture_on_commit_callbacks
):
    responder = responder_of(provider_a)
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    path = acknowledge_path(sent_to(responder)[0])
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.RED)  # the responder is not named
    assert_refused_like_an_invalid_link(client, path, incident, provider_a)

    services.add_recipient(actor=secretariat, incident=incident, user=responder)  # named: the link works again
    assert client.post(path).status_code == 200
    assert Acknowledgement.objects.get(incident=incident, organization=provider_a).acknowledged_by == responder


def test_an_old_link_of_a_responder_no_longer_named_is_refused(
    client, secretariat, provider_a, django_capture_on_commit_callbacks
):
    responder = responder_of(provider_a)
    incident, _ = declare(
        secretariat, [provider_a], django_capture_on_commit_callbacks, tlp=Tlp.RED, recipients=[responder]
    )
    path = acknowledge_path(sent_to(responder)[0])
    services.remove_recipient(actor=secretariat, incident=incident, user=responder)
    client.force_login(responder)  # signed in or not, the same answer
    assert_refused_like_an_invalid_link(client, path, incident, provider_a)


def test_an_old_link_of_a_suspended_organisations_responder_is_refused(
    client, secretariat, provider_a, django_capture_on_commit_callbacks
):
    responder = responder_of(provider_a)
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    path = acknowledge_path(sent_to(responder)[0])
    suspend(secretariat, provider_a)
    assert_refused_like_an_invalid_link(client, path, incident, provider_a)


# --- Decided when sent, not when queued -------------------------------------------------------


def test_an_organisation_suspended_before_the_alert_task_runs_gets_nothing(
    secretariat, provider_a, provider_b, django_capture_on_commit_callbacks
):
    suspended, other = responder_of(provider_a), responder_of(provider_b)
    _incident, queued = declare(
        secretariat, [provider_a, provider_b], django_capture_on_commit_callbacks, execute=False
    )
    assert mail.outbox == []
    suspend(secretariat, provider_a)
    for callback in queued:
        callback()
    assert sent_to(suspended) == [] and len(sent_to(other)) == 1


def test_a_tlp_raise_before_the_alert_task_runs_narrows_and_withholds(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    named, unnamed = responder_of(provider_a), responder_of(provider_a)
    incident, queued = declare(secretariat, [provider_a], django_capture_on_commit_callbacks, execute=False)
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.RED)
    services.add_recipient(actor=secretariat, incident=incident, user=named)
    for callback in queued:
        callback()
    assert sent_to(unnamed) == []
    (message,) = sent_to(named)
    assert TITLE not in message.subject + message.body


def test_an_organisation_suspended_before_the_escalation_task_runs_gets_nothing(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    admin = responder_of(provider_a, role=Role.ADMIN)
    responder_of(provider_a)
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    make_overdue(incident)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert len(services.escalate_overdue().escalated) == 1
    suspend(secretariat, provider_a)
    for callback in queued:
        callback()
    assert sent_to(admin) == [] and len(sent_to(secretariat)) == 1


def test_a_queued_delivery_of_someone_no_longer_in_the_audience_is_skipped(
    secretariat, provider_a, django_capture_on_commit_callbacks
):
    named, unnamed = responder_of(provider_a), responder_of(provider_a)
    incident, _ = declare(secretariat, [provider_a], django_capture_on_commit_callbacks)
    # As if the worker died having recorded the unnamed responder's delivery but not sent it.
    Delivery.objects.filter(recipient=unnamed).update(status=DeliveryStatus.QUEUED, sent_at=None, attempts=0)
    mail.outbox.clear()
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.RED)
    services.add_recipient(actor=secretariat, incident=incident, user=named)
    services.send_alerts(incident_id=incident.pk, tier=incident.tier)
    assert mail.outbox == []
    assert Delivery.objects.get(recipient=unnamed).status == DeliveryStatus.SKIPPED
    assert Delivery.objects.get(recipient=named).status == DeliveryStatus.SENT
