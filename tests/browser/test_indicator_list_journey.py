"""A responder pastes a 1,000-line list of hashes, three of them bad, into the room's
"Share a list" form, and sees each line's result: 997 added, the three invalid lines with
their line numbers and reasons; the room says the list was shared."""

import pytest
from playwright.sync_api import expect

from incidents import services as incident_services
from incidents.models import Indicator, Tier, Tlp
from portal.models import OrganizationKind, Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD_LINES = {100: "not-a-hash", 500: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 900: "abc"}


def build():
    kiwi = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    responder = MembershipFactory(organization=kiwi, role=Role.RESPONDER).user
    secretariat = UserFactory(is_secretariat=True)
    make_totp(secretariat)
    incident = incident_services.declare_incident(
        actor=secretariat, title="Riverton", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[kiwi]
    )
    return incident.pk, responder.email, make_totp(responder)


def test_a_pasted_list_reports_every_line(page, live_app):
    incident_id, email, secret = off_the_event_loop(build)
    lines = [BAD_LINES.get(n, f"{n:032x}") for n in range(1, 1001)]
    sign_in(page, email, totp_secret=secret)
    page.goto(f"/incidents/{incident_id}/")
    expect(page.locator("#room-connection")).to_have_text("Live.")
    page.get_by_text("Share a list", exact=True).click()
    page.get_by_label("One indicator a line, or kind,value").fill("\n".join(lines))
    page.get_by_role("button", name="Share the list").click()

    expect(page.locator("#list-summary")).to_have_text("997 indicators added, 0 already present, 3 invalid lines.")
    invalid = page.locator("#list-results tr.list-invalid")
    expect(invalid).to_have_count(3)
    expect(invalid.nth(0)).to_contain_text("100")
    expect(invalid.nth(0)).to_contain_text("Not recognised")
    expect(invalid.nth(1)).to_contain_text("SHA-256 or a PDQ hash")
    expect(page.locator("#list-results tr.list-added")).to_have_count(997)
    assert off_the_event_loop(lambda: Indicator.objects.filter(incident_id=incident_id).count()) == 997

    page.get_by_role("link", name="Back to the room").click()
    expect(page.locator("#room-items")).to_contain_text("997 indicators shared from a list.")
    expect(page.locator("#indicators-truncated")).to_contain_text("Only the latest 200 indicators")
