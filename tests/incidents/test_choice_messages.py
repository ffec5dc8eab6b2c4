"""Refusals name choices by their (translated) labels, never by stored values like "not_present"."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from incidents import indicators, services
from incidents.models import IndicatorKind, PlatformStatus, Status
from incidents.services import controls
from portal.models import OrganizationKind
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def refusal(call) -> str:
    with pytest.raises(ValidationError) as error:
        call()
    return " ".join(error.value.messages)


@pytest.fixture
def provider_room(incident_with_two_orgs, secretariat):
    provider = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    services.invite_organization(actor=secretariat, incident=incident_with_two_orgs, organization=provider)
    responder = responder_of(provider)
    indicator, _ = services.add_indicator(
        actor=responder, incident=incident_with_two_orgs, kind="url", value="https://bad.example/x"
    )
    return provider, responder, indicator


def test_platform_status_refusal_lists_the_labels(provider_room):
    provider, responder, indicator = provider_room
    message = refusal(
        lambda: services.set_platform_status(actor=responder, indicator=indicator, organization=provider, status="x")
    )
    assert message == "Choose Reported, Found, Removed or Not present."


def test_status_refusals_use_the_labels(incident_with_two_orgs, secretariat):
    incident = incident_with_two_orgs
    assert refusal(lambda: services.change_status(actor=secretariat, incident=incident, status="x")) == (
        "Choose Declared, Active, Monitoring or Closed."
    )
    services.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE)
    assert refusal(lambda: services.change_status(actor=secretariat, incident=incident, status=Status.DECLARED)) == (
        "An incident cannot go from Active to Declared."
    )


def test_indicator_refusals_use_the_labels():
    assert refusal(lambda: indicators.normalise("sha512", "a" * 128)) == (
        "Choose Content URL, MD5, SHA-1, SHA-256, PDQ, vPDQ or TMK+PDQF."
    )
    assert refusal(lambda: indicators.normalise("md5", "a" * 31)) == "Enter the MD5 hash as 32 hexadecimal digits."


def test_tlp_refusals_use_the_labels(incident_with_two_orgs, secretariat):
    expected = "Choose TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT or TLP:RED."
    assert refusal(lambda: services.declare_incident(actor=secretariat, title="T", tlp="amber strict")) == expected
    assert (
        refusal(lambda: controls.change_tlp(actor=secretariat, incident=incident_with_two_orgs, tlp="pink")) == expected
    )


def test_the_labels_and_the_list_are_in_the_readers_language(provider_room):
    provider, responder, indicator = provider_room
    with translation.override("fr"):
        message = refusal(
            lambda: services.set_platform_status(
                actor=responder, indicator=indicator, organization=provider, status="x"
            )
        )
        labels = [str(label) for label in PlatformStatus.labels]
        kinds = refusal(lambda: indicators.normalise("sha512", "a"))
        url_label = str(IndicatorKind.URL.label)
    assert labels != ["Reported", "Found", "Removed", "Not present"]  # French labels exist
    assert f"{labels[-2]} ou {labels[-1]}" in message and "not_present" not in message
    assert url_label in kinds and "url" not in kinds


def test_the_room_shows_the_refusal_with_the_labels(client, incident_with_two_orgs, provider_room):
    provider, responder, indicator = provider_room
    client.force_login(responder)
    base = f"/incidents/{incident_with_two_orgs.pk}/"
    client.post(base + f"indicators/{indicator.pk}/status/", {"organization": provider.pk, "status": "gone"})
    html = client.get(base).content.decode()
    assert "Choose Reported, Found, Removed or Not present." in html
