"""Acknowledging an alert from the incident room: the same service as the email link, for a
responder of an invited organisation, shown on the acknowledgement board with its outcome."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import alert_emails, reports, services
from incidents.models import Acknowledgement, ItemKind, RoomItem, Status, Tier, Tlp
from portal.models import Role
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def incident(secretariat, provider_a, provider_b, responder_a, responder_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.declare_incident(
            actor=secretariat,
            title="Livestreamed attack",
            tier=Tier.FULL_PROTOCOL,
            tlp=Tlp.AMBER,
            organizations=[provider_a, provider_b],
        )


def board(client, incident) -> str:
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    return html.split('id="acknowledgement-board"', 1)[1].split("</section>", 1)[0]


def acknowledge(client, incident, organization):
    return client.post(f"/incidents/{incident.pk}/acknowledge/", {"organization": organization.pk})


def test_a_responder_acknowledges_for_their_organisation_from_the_room(
    client, incident, responder_a, provider_a, provider_b, django_capture_on_commit_callbacks
):
    client.force_login(responder_a)
    before = board(client, incident)
    assert "Acknowledge for Provider A" in before and "Acknowledge for Provider B" not in before
    assert f'value="{provider_a.pk}"' in before

    response = acknowledge(client, incident, provider_a)
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/#acknowledgements-heading"
    ack = Acknowledgement.objects.get(incident=incident, organization=provider_a)
    assert ack.acknowledged_by == responder_a and ack.acknowledged_at is not None

    after = board(client, incident)
    assert 'id="acknowledgements-messages"' in after
    assert "Provider A has acknowledged the alert." in after
    assert f'data-organization="{provider_a.pk}" data-acknowledged="1"' in after
    assert f'data-organization="{provider_b.pk}" data-acknowledged="0"' in after
    assert "Acknowledge for" not in after

    # No escalation for it, and the report has its first acknowledgement.
    Acknowledgement.objects.filter(incident=incident).update(window_started_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        escalated = services.escalate_overdue()
    assert escalated.escalated == [Acknowledgement.objects.get(incident=incident, organization=provider_b).pk]
    report = reports.build_report(incident)
    assert report.first_acknowledgement_at == ack.acknowledged_at
    assert reports.format_duration(report.to_first_acknowledgement) != "not recorded"


def test_the_room_records_the_acknowledgement_as_the_email_link_does(
    client, incident, responder_a, responder_b, provider_a, provider_b
):
    token = alert_emails.acknowledge_token(
        incident_id=incident.pk, organization_id=provider_b.pk, user_id=responder_b.pk
    )
    assert client.post(f"/incidents/acknowledge/{token}/").status_code == 200
    client.force_login(responder_a)
    acknowledge(client, incident, provider_a)

    for user, organization in ((responder_b, provider_b), (responder_a, provider_a)):
        item = RoomItem.objects.get(incident=incident, kind=ItemKind.SYSTEM, data__acknowledged=organization.pk)
        assert (item.author, item.organization, item.data) == (user, organization, {"acknowledged": organization.pk})
        assert item.text == f"{organization.name} acknowledged the alert ({user.display_name})."
        ack = Acknowledgement.objects.get(incident=incident, organization=organization)
        assert ack.acknowledged_by == user and ack.acknowledged_at is not None


def test_a_second_acknowledgement_keeps_the_first_and_says_so(client, incident, responder_a, provider_a):
    colleague = responder_of(provider_a)
    client.force_login(colleague)
    assert "Acknowledge for Provider A" in board(client, incident)
    client.force_login(responder_a)
    acknowledge(client, incident, provider_a)
    client.force_login(colleague)
    assert "Acknowledge for" not in board(client, incident)
    acknowledge(client, incident, provider_a)  # a page opened before the first one
    assert "Provider A had already acknowledged the alert." in board(client, incident)
    assert Acknowledgement.objects.get(incident=incident, organization=provider_a).acknowledged_by == responder_a
    assert RoomItem.objects.filter(incident=incident, data__acknowledged=provider_a.pk).count() == 1


@pytest.mark.parametrize("who", ["other_responder", "member", "admin", "secretariat"])
def test_only_a_responder_of_the_organisation_acknowledges_for_it(
    client, incident, who, secretariat, responder_b, provider_a
):
    user = {
        "other_responder": responder_b,
        "member": responder_of(provider_a, role=Role.MEMBER),
        "admin": responder_of(provider_a, role=Role.ADMIN),
        "secretariat": secretariat,
    }[who]
    client.force_login(user)
    assert "Acknowledge for Provider A" not in board(client, incident)
    response = acknowledge(client, incident, provider_a)
    assert response.status_code == 302
    assert "Only a responder of an invited organisation acknowledges for it." in board(client, incident)
    assert not Acknowledgement.objects.filter(incident=incident, acknowledged_at__isnull=False).exists()


def test_the_room_post_needs_the_room(client, incident, provider_a):
    outsider = responder_of(OrganizationFactory(name="Elsewhere"))
    client.force_login(outsider)
    assert acknowledge(client, incident, provider_a).status_code == 404
    no_two_factor = responder_of(provider_a, two_factor=False)
    client.force_login(no_two_factor)
    assert acknowledge(client, incident, provider_a).status_code == 403
    assert client.get(f"/incidents/{incident.pk}/acknowledge/").status_code == 405
    client.logout()
    assert acknowledge(client, incident, provider_a)["Location"].startswith("/accounts/login/")
    assert not Acknowledgement.objects.filter(incident=incident, acknowledged_at__isnull=False).exists()


def test_an_unknown_organisation_is_refused(client, incident, responder_a):
    client.force_login(responder_a)
    client.post(f"/incidents/{incident.pk}/acknowledge/", {"organization": "nope"})
    assert "Choose an organisation." in board(client, incident)
    assert not Acknowledgement.objects.filter(incident=incident, acknowledged_at__isnull=False).exists()


def test_no_button_once_the_incident_is_closed(client, incident, secretariat, responder_a):
    services.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)
    client.force_login(responder_a)
    assert "Acknowledge for" not in board(client, incident)
