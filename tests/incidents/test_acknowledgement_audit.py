"""Acknowledging an alert leaves an entry in the audit log, by the email link and in the room
alike (both go through services.acknowledge_alert), once: a repeat records nothing, and the event
is part of the acknowledgement's transaction."""

import pytest

from incidents import alert_emails, services
from incidents.models import Acknowledgement, Tier, Tlp
from incidents.services import audit
from portal.models import AuditEvent

from .factories import responder_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

ACTION = "incident.alert_acknowledged"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def incident(secretariat, provider_a, provider_b):
    return services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        organizations=[provider_a, provider_b],
    )


def by_link(client, incident, organization, user):
    token = alert_emails.acknowledge_token(incident_id=incident.pk, organization_id=organization.pk, user_id=user.pk)
    return client.post(f"/incidents/acknowledge/{token}/")


def in_room(client, incident, organization, user):
    client.force_login(user)
    return client.post(f"/incidents/{incident.pk}/acknowledge/", {"organization": organization.pk})


def acknowledged_events():
    return AuditEvent.objects.filter(action=ACTION)


def assert_one_event(incident, organization, user):
    (event,) = acknowledged_events().filter(data__acknowledged_for=organization.pk)
    assert event.actor == user
    assert event.data == {"incident": incident.pk, "acknowledged_for": organization.pk}
    assert event.target == f"#{incident.pk} {incident.title}"
    # As every incident event: not in the organisation's own log, whatever the incident's TLP.
    assert event.organization is None


@pytest.mark.parametrize("path", [by_link, in_room], ids=["email_link", "room"])
def test_acknowledging_records_one_audit_event_and_a_repeat_none(client, incident, provider_a, responder_a, path):
    assert not acknowledged_events().exists()
    assert path(client, incident, provider_a, responder_a).status_code in (200, 302)
    assert_one_event(incident, provider_a, responder_a)

    colleague = responder_of(provider_a)
    for user in (responder_a, colleague):  # the same responder again, and another for the same organisation
        assert path(client, incident, provider_a, user).status_code in (200, 302)
    assert acknowledged_events().count() == 1
    assert Acknowledgement.objects.get(incident=incident, organization=provider_a).acknowledged_by == responder_a


def test_each_path_records_its_own_organisation(client, incident, provider_a, provider_b, responder_a, responder_b):
    assert by_link(client, incident, provider_b, responder_b).status_code == 200
    assert in_room(client, incident, provider_a, responder_a).status_code == 302
    assert acknowledged_events().count() == 2
    assert_one_event(incident, provider_b, responder_b)
    assert_one_event(incident, provider_a, responder_a)


def test_refused_acknowledgements_record_nothing(client, incident, provider_a, responder_b):
    assert in_room(client, incident, provider_a, responder_b).status_code == 302  # not provider A's responder
    forged = alert_emails.acknowledge_token(
        incident_id=incident.pk, organization_id=provider_a.pk, user_id=responder_b.pk
    )
    assert client.post(f"/incidents/acknowledge/{forged}/").status_code == 400
    assert not acknowledged_events().exists()
    assert not Acknowledgement.objects.filter(incident=incident, acknowledged_at__isnull=False).exists()


def test_the_event_shares_the_acknowledgements_transaction(incident, provider_a, responder_a, monkeypatch):
    def failing_record_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record_audit", failing_record_audit)
    with pytest.raises(RuntimeError):
        services.acknowledge_alert(incident=incident, organization=provider_a, user=responder_a)
    assert Acknowledgement.objects.get(incident=incident, organization=provider_a).acknowledged_at is None

    monkeypatch.undo()
    assert services.acknowledge_alert(incident=incident, organization=provider_a, user=responder_a) is True
    assert_one_event(incident, provider_a, responder_a)
