"""Acknowledging an alert through the API with a token (an on-call tool): the same service as
the email link and the room button, for an organisation the caller responds for."""

import pytest
from rest_framework.test import APIClient

from incidents.models import Acknowledgement, RoomItem
from portal.models import AuditEvent, Membership, Role
from portal.services import create_api_token

from .factories import responder_of

pytestmark = pytest.mark.django_db


def with_token(user) -> APIClient:
    _token, key = create_api_token(user=user, name="pagerduty")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def acknowledge(client, incident, body=None):
    return client.post(f"/api/v1/incidents/{incident.pk}/alerts/acknowledge/", body or {}, format="json")


def state(incident):
    return (
        list(Acknowledgement.objects.filter(incident=incident).values_list("organization_id", "acknowledged_by_id")),
        RoomItem.objects.filter(incident=incident).count(),
        AuditEvent.objects.filter(action="incident.alert_acknowledged").count(),
    )


def test_a_responder_acknowledges_for_their_only_organisation(incident_with_two_orgs, responder_a, provider_a):
    client = with_token(responder_a)
    response = acknowledge(client, incident_with_two_orgs)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["organization"] == {"id": provider_a.pk, "name": "Provider A"}
    assert body["acknowledged_by"] == {"id": responder_a.pk, "name": responder_a.display_name}
    assert body["recorded"] is True and body["acknowledged_at"]
    assert response["Cache-Control"] == "private, no-store"
    ack = Acknowledgement.objects.get(incident=incident_with_two_orgs, organization=provider_a)
    assert ack.acknowledged_by == responder_a
    # As the email link and the room button: a system item in the room and an audit event.
    assert RoomItem.objects.filter(incident=incident_with_two_orgs, data__acknowledged=provider_a.pk).count() == 1
    assert AuditEvent.objects.filter(action="incident.alert_acknowledged", actor=responder_a).count() == 1

    again = acknowledge(client, incident_with_two_orgs, {"organization": provider_a.pk})
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert again.json()["acknowledged_at"] == body["acknowledged_at"]
    assert AuditEvent.objects.filter(action="incident.alert_acknowledged").count() == 1


def test_a_responder_of_several_organisations_names_one(incident_with_two_orgs, responder_a, provider_b):
    Membership.objects.create(user=responder_a, organization=provider_b, role=Role.RESPONDER)
    client = with_token(responder_a)
    before = state(incident_with_two_orgs)

    unnamed = acknowledge(client, incident_with_two_orgs)
    assert unnamed.status_code == 400
    assert "organization" in unnamed.json()
    assert state(incident_with_two_orgs) == before

    named = acknowledge(client, incident_with_two_orgs, {"organization": provider_b.pk})
    assert named.status_code == 200
    assert named.json()["organization"]["id"] == provider_b.pk
    acknowledged = Acknowledgement.objects.filter(incident=incident_with_two_orgs, acknowledged_at__isnull=False)
    assert list(acknowledged.values_list("organization_id", flat=True)) == [provider_b.pk]


@pytest.mark.parametrize(
    "body",
    [{"organization": "x"}, {"organization": 0}, {"organization": 1, "note": "hi"}, {"organization": True}],
)
def test_a_bad_body_is_a_400_and_changes_nothing(incident_with_two_orgs, responder_a, body):
    before = state(incident_with_two_orgs)
    response = acknowledge(with_token(responder_a), incident_with_two_orgs, body)
    assert response.status_code == 400
    assert state(incident_with_two_orgs) == before


def test_forbidden_callers_change_nothing(incident_with_two_orgs, responder_a, provider_a, provider_b, secretariat):
    from tests.portal.factories import OrganizationFactory

    member_a = responder_of(provider_a, role=Role.MEMBER)
    outsider = responder_of(OrganizationFactory(name="Not invited"))
    before = state(incident_with_two_orgs)
    cases = [
        (responder_a, {"organization": provider_b.pk}, 403),  # another organisation's alert
        (responder_a, {"organization": 999999}, 403),
        (member_a, {}, 403),  # not a responder: not in the room at AMBER
        (outsider, {}, 404),  # not invited: the incident is not visible
    ]
    for user, body, expected in cases:
        assert acknowledge(with_token(user), incident_with_two_orgs, body).status_code == expected, (user, body)
    secretariat_client = APIClient()
    secretariat_client.force_authenticate(secretariat)
    assert acknowledge(secretariat_client, incident_with_two_orgs).status_code == 403
    assert acknowledge(APIClient(), incident_with_two_orgs).status_code == 401
    assert state(incident_with_two_orgs) == before
