"""A responder whom the incident room refuses for want of two-factor authentication follows
the room's link, sets up an authenticator app, sees the recovery codes and goes back to the
room from there."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Tier, Tlp
from portal.models import Role
from tests.portal.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    SecretariatFactory,
)

from .steps import field, off_the_event_loop, sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Room:
    url: str
    email: str


def build() -> Room:
    provider = OrganizationFactory(name="Kiwi Video")
    responder = MembershipFactory(organization=provider, role=Role.RESPONDER).user  # no two-factor yet
    secretariat = SecretariatFactory()
    incident = services.declare_incident(
        actor=secretariat, title="Streamed attack", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[provider]
    )
    return Room(f"/incidents/{incident.pk}/", responder.email)


def test_after_setting_up_two_factor_the_responder_goes_back_to_the_room(page, browser_log):
    room = off_the_event_loop(build)
    sign_in(page, room.email)
    page.goto(room.url)
    expect(page.get_by_role("heading", name="Room")).to_have_count(0)

    page.get_by_role("link", name="two-factor authentication", exact=True).click()
    if "/reauthenticate/" in page.url:  # allauth may ask for the password again first
        field(page, "Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    field(page, "Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    page.get_by_role("link", name="Back to the incident room").click()
    expect(page.get_by_role("heading", name="Room", exact=True)).to_be_visible()
    assert page.url.endswith(room.url)
    assert browser_log.errors() == []
