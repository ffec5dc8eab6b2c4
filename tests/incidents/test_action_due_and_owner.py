"""Actions with a due time and a named owner in the assigned organisation; overdue flagged (#12)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import ActionItem, Tier, Tlp
from tests.helpers.api_client import api

from .factories import responder_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(secretariat, provider_a, provider_b):
    return services.declare_incident(
        actor=secretariat, title="Stream", summary="", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER,
        organizations=[provider_a, provider_b],
    )  # fmt: skip


def test_due_time_and_owner_are_kept_and_overdue_is_flagged(client, incident, secretariat, provider_a, responder_a):
    past = timezone.now() - datetime.timedelta(hours=1)
    action = services.create_action(
        actor=secretariat, incident=incident, title="Share hashes", organization=provider_a, due_at=past,
        owner=responder_a,
    )  # fmt: skip
    assert action.owner == responder_a and action.is_overdue
    client.force_login(secretariat)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'class="overdue"' in html and responder_a.display_name in html and " UTC</time>" in html


def test_an_owner_outside_the_assigned_organisation_is_refused(incident, secretariat, provider_a, responder_b):
    with pytest.raises(ValidationError) as error:
        services.create_action(
            actor=secretariat, incident=incident, title="X", organization=provider_a, owner=responder_b
        )
    assert "owner" in error.value.message_dict and not ActionItem.objects.exists()
    with pytest.raises(ValidationError):
        services.create_action(
            actor=secretariat, incident=incident, title="X", organization=provider_a,
            due_at=datetime.datetime(2026, 1, 1, 12, 0),  # naive: which zone?
        )  # fmt: skip
    assert not ActionItem.objects.exists()


def test_the_page_form_and_the_api_take_them(client, incident, secretariat, provider_a):
    owner = responder_of(provider_a)
    client.force_login(secretariat)
    client.post(
        f"/incidents/{incident.pk}/actions/",
        {"title": "Block the URL", "organization": provider_a.pk, "due_at": "2030-01-02T03:04", "owner": owner.email},
    )
    action = ActionItem.objects.get()
    assert action.due_at == datetime.datetime(2030, 1, 2, 3, 4, tzinfo=datetime.UTC) and action.owner == owner
    client.post(f"/incidents/{incident.pk}/actions/", {"title": "Bad", "organization": provider_a.pk, "due_at": "soon"})
    assert ActionItem.objects.count() == 1
    response = api(secretariat).post(
        f"/api/v1/incidents/{incident.pk}/actions/",
        {"title": "Report back", "organization": provider_a.pk, "due_at": "2030-01-02T03:04:00Z", "owner": owner.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["due_at"].startswith("2030-01-02T03:04:00") and body["owner"]["id"] == owner.pk
    assert body["is_overdue"] is False
