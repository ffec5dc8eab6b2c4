"""The secretariat must have TOTP before using the incident tools: every management page
sends a secretariat user without it to the set-up page, every management API write answers
403, and nothing changes; once TOTP exists the same request goes through."""

from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from incidents import services
from incidents.models import (
    ActivationRequest,
    Debrief,
    Incident,
    IncidentOrganization,
    IncidentRecipient,
    RequestStatus,
    Status,
    Tier,
    Tlp,
)
from portal.services import create_api_token
from tests.helpers.two_factor import assert_api_refused_until_totp, fresh, record_second_factor
from tests.portal.factories import UserFactory, make_totp

from .factories import responder_of

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    incident: Incident
    closed: Incident
    debrief: Debrief
    activation: ActivationRequest
    named: object  # a named individual of the incident, to remove
    newcomer: object  # a user to name or appoint commander (has TOTP)
    provider_a: object
    provider_b: object


@pytest.fixture
def scene(secretariat, provider_a, provider_b, responder_a):
    incident = services.declare_incident(
        actor=secretariat, title="Live", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider_a]
    )
    closed = services.declare_incident(actor=secretariat, title="Over", tlp=Tlp.AMBER)
    services.change_status(actor=secretariat, incident=closed, status=Status.CLOSED)
    debrief = services.save_debrief(actor=secretariat, incident=closed, title="What happened", summary="Redacted.")
    named = UserFactory()
    services.add_recipient(actor=secretariat, incident=incident, user=named)
    activation = services.request_activation(actor=responder_a, organization=provider_a, title="Please activate")
    newcomer = responder_of(provider_b)
    return Scene(incident, closed, debrief, activation, named, newcomer, provider_a, provider_b)


# (name, URL, form data, whether the change happened)
PAGE_CASES = {
    "declare": (
        lambda s: reverse("incidents:declare"),
        lambda s: {"title": "Declared on the page", "tier": Tier.COORDINATED, "tlp": Tlp.AMBER},
        lambda s: Incident.objects.filter(title="Declared on the page").exists(),
    ),
    "change_status": (
        lambda s: reverse("incidents:change_status", args=[s.incident.pk]),
        lambda s: {"status": Status.ACTIVE},
        lambda s: fresh(s.incident).status == Status.ACTIVE,
    ),
    "change_tier": (
        lambda s: reverse("incidents:change_tier", args=[s.incident.pk]),
        lambda s: {"tier": Tier.FULL_PROTOCOL},
        lambda s: fresh(s.incident).tier == Tier.FULL_PROTOCOL,
    ),
    "change_tlp": (
        lambda s: reverse("incidents:change_tlp", args=[s.incident.pk]),
        lambda s: {"tlp": Tlp.RED},
        lambda s: fresh(s.incident).tlp == Tlp.RED,
    ),
    "set_commander": (
        lambda s: reverse("incidents:set_commander", args=[s.incident.pk]),
        lambda s: {"email": s.newcomer.email},
        lambda s: fresh(s.incident).commander_id == s.newcomer.pk,
    ),
    "add_recipient": (
        lambda s: reverse("incidents:add_recipient", args=[s.incident.pk]),
        lambda s: {"email": s.newcomer.email},
        lambda s: IncidentRecipient.objects.filter(incident=s.incident, user=s.newcomer).exists(),
    ),
    "remove_recipient": (
        lambda s: reverse("incidents:remove_recipient", args=[s.incident.pk, s.named.pk]),
        lambda s: {},
        lambda s: not IncidentRecipient.objects.filter(incident=s.incident, user=s.named).exists(),
    ),
    "save_debrief": (
        lambda s: reverse("incidents:save_debrief", args=[s.incident.pk]),
        lambda s: {"title": "Public title", "summary": "Public summary."},
        lambda s: Debrief.objects.filter(incident=s.incident).exists(),
    ),
    "publish_debrief": (
        lambda s: reverse("incidents:publish_debrief", args=[s.closed.pk]),
        lambda s: {"publish": "1"},
        lambda s: fresh(s.debrief).published_at is not None,
    ),
    "request_confirm": (
        lambda s: reverse("incidents:request_confirm", args=[s.activation.pk]),
        lambda s: {"tier": Tier.COORDINATED, "tlp": Tlp.AMBER},
        lambda s: fresh(s.activation).status == RequestStatus.CONFIRMED,
    ),
    "request_decline": (
        lambda s: reverse("incidents:request_decline", args=[s.activation.pk]),
        lambda s: {"reason": "Not a crisis."},
        lambda s: fresh(s.activation).status == RequestStatus.DECLINED,
    ),
}


@pytest.mark.parametrize("name", PAGE_CASES)
def test_pages_send_a_secretariat_without_totp_to_set_it_up(client, scene, secretary_without_totp, name):
    url, data, done = PAGE_CASES[name]
    client.force_login(secretary_without_totp)
    response = client.post(url(scene), data(scene))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    assert any("two-factor" in str(m) for m in get_messages(response.wsgi_request))
    assert not done(scene)

    make_totp(secretary_without_totp)
    record_second_factor(client, secretary_without_totp)  # set up in this session, proving the code
    response = client.post(url(scene), data(scene))
    assert response.status_code == 302 and response.url != reverse("mfa_activate_totp")
    assert done(scene)


def test_declare_page_itself_asks_for_totp_first(client, secretary_without_totp):
    client.force_login(secretary_without_totp)
    response = client.get(reverse("incidents:declare"))
    # A page opened with GET is where the set-up leads back to (portal.two_factor_return).
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp") + "?next=%2Fincidents%2Fdeclare%2F"
    make_totp(secretary_without_totp)
    record_second_factor(client, secretary_without_totp)
    assert client.get(reverse("incidents:declare")).status_code == 200


def test_pages_still_refuse_others_with_403(client, scene, responder_a):
    client.force_login(responder_a)  # has TOTP, but is not the secretariat
    assert client.post(reverse("incidents:change_tier", args=[scene.incident.pk]), {"tier": 3}).status_code == 403
    assert client.get(reverse("incidents:declare")).status_code == 403


# (method, path, JSON body, whether the change happened)
API_CASES = {
    "declare": (
        "post",
        lambda s: "/api/v1/incidents/",
        lambda s: {"title": "Declared over the API", "tier": Tier.COORDINATED, "tlp": Tlp.AMBER},
        lambda s: Incident.objects.filter(title="Declared over the API").exists(),
    ),
    "status": (
        "post",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/status/",
        lambda s: {"status": Status.ACTIVE},
        lambda s: fresh(s.incident).status == Status.ACTIVE,
    ),
    "invite": (
        "post",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/organizations/",
        lambda s: {"organization": s.provider_b.pk},
        lambda s: IncidentOrganization.objects.filter(incident=s.incident, organization=s.provider_b).exists(),
    ),
    "uninvite": (
        "delete",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/organizations/{s.provider_a.pk}/",
        lambda s: None,
        lambda s: not IncidentOrganization.objects.filter(incident=s.incident, organization=s.provider_a).exists(),
    ),
    "tier": (
        "post",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/tier/",
        lambda s: {"tier": Tier.FULL_PROTOCOL},
        lambda s: fresh(s.incident).tier == Tier.FULL_PROTOCOL,
    ),
    "tlp": (
        "post",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/tlp/",
        lambda s: {"tlp": Tlp.RED},
        lambda s: fresh(s.incident).tlp == Tlp.RED,
    ),
    "commander": (
        "post",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/commander/",
        lambda s: {"commander": s.newcomer.pk},
        lambda s: fresh(s.incident).commander_id == s.newcomer.pk,
    ),
    "add_recipient": (
        "post",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/recipients/",
        lambda s: {"user": s.newcomer.pk},
        lambda s: IncidentRecipient.objects.filter(incident=s.incident, user=s.newcomer).exists(),
    ),
    "remove_recipient": (
        "delete",
        lambda s: f"/api/v1/incidents/{s.incident.pk}/recipients/{s.named.pk}/",
        lambda s: None,
        lambda s: not IncidentRecipient.objects.filter(incident=s.incident, user=s.named).exists(),
    ),
    "confirm": (
        "post",
        lambda s: f"/api/v1/activation-requests/{s.activation.pk}/confirm/",
        lambda s: {"tier": Tier.COORDINATED, "tlp": Tlp.AMBER},
        lambda s: fresh(s.activation).status == RequestStatus.CONFIRMED,
    ),
    "decline": (
        "post",
        lambda s: f"/api/v1/activation-requests/{s.activation.pk}/decline/",
        lambda s: {"reason": "Not a crisis."},
        lambda s: fresh(s.activation).status == RequestStatus.DECLINED,
    ),
}


@pytest.mark.parametrize("name", API_CASES)
def test_api_refuses_a_secretariat_session_without_totp(scene, secretary_without_totp, name):
    assert_api_refused_until_totp(secretary_without_totp, API_CASES[name], scene)


def test_api_token_stops_managing_when_totp_is_removed(scene, secretary_without_totp):
    from allauth.mfa.models import Authenticator

    make_totp(secretary_without_totp)
    _token, key = create_api_token(user=secretary_without_totp, name="bot")
    Authenticator.objects.filter(user=secretary_without_totp).delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(f"/api/v1/incidents/{scene.incident.pk}/tier/", {"tier": Tier.FULL_PROTOCOL}, format="json")
    assert response.status_code == 403 and "two-factor" in response.json()["detail"]
    assert fresh(scene.incident).tier == Tier.COORDINATED
    # Reading stays open: the secretariat sees every incident.
    assert client.get(f"/api/v1/incidents/{scene.incident.pk}/").status_code == 200
