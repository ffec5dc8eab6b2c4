"""A responder whom the incident room refuses for want of two-factor authentication adds a
passkey instead of an authenticator app (Chromium's virtual authenticator, through the
DevTools protocol), goes back to the room, signs out, signs in with the passkey alone and
enters the room, live.

WebAuthn refuses an IP address as the relying party: this journey visits the server on
`localhost` (a secure context over http), not the harness's 127.0.0.1."""

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Tier, Tlp
from portal.models import Role
from tests.portal.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import field, off_the_event_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIRTUAL_KEY = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def build() -> tuple[str, str]:
    provider = OrganizationFactory(name="Kiwi Video")
    responder = MembershipFactory(organization=provider, role=Role.RESPONDER).user  # no two-factor yet
    secretariat = UserFactory(is_secretariat=True)
    make_totp(secretariat)
    incident = services.declare_incident(
        actor=secretariat, title="Streamed attack", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[provider]
    )
    return f"/incidents/{incident.pk}/", responder.email


def test_a_passkey_registered_from_the_room_signs_in_and_enters_it(page, live_app, browser_log):
    site = live_app.url.replace("127.0.0.1", "localhost")
    room, email = off_the_event_loop(build)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_KEY})

    page.goto(f"{site}/accounts/login/")
    field(page, "Email").fill(email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.goto(site + room)
    page.get_by_role("link", name="two-factor authentication", exact=True).click()
    if "/reauthenticate/" in page.url:  # allauth may ask for the password again first
        field(page, "Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Use a security key or a passkey instead").click()

    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    field(page, "Name").fill("Laptop passkey")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    page.get_by_role("link", name="Back to the incident room").click()
    expect(page.get_by_role("heading", name="Room", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(site + room)
    expect(page.get_by_role("heading", name="Room", exact=True)).to_be_visible()
    expect(page.locator("#room-connection")).to_have_text("Live.")
    assert browser_log.errors() == []
