"""Issue 14's "Done when": on a one-person platform, a member who holds both the reporter and
the responder role reports progress and enters an incident room, with one sign-in."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commitments.services import ensure_implementations, load_catalogue
from incidents import events, services
from incidents.models import Tier, Tlp
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import field, message, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "tui@solo.example"
TITLE = "Livestreamed attack in Riverton"


@pytest.fixture
def one_person_platform(monkeypatch):
    """A provider whose one person reports and responds, and an open incident inviting it."""
    # Stored only: this process must not drive the channel layer from Playwright's thread.
    monkeypatch.setattr(events, "broadcast_item", lambda item: None)
    load_catalogue()
    provider = OrganizationFactory(name="Solo Stream", kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=provider)
    person = UserFactory(email=EMAIL, full_name="Tui Solo")
    MembershipFactory(user=person, organization=provider, roles=[Role.REPORTER, Role.RESPONDER])
    secret = make_totp(person)
    incident = services.declare_incident(
        actor=UserFactory(is_secretariat=True),
        title=TITLE,
        tier=Tier.COORDINATED,
        tlp=Tlp.AMBER,
        organizations=[provider],
    )
    return provider, incident, secret


def test_a_reporter_who_responds_reports_progress_and_enters_the_room(new_context, one_person_platform):
    provider, incident, secret = one_person_platform
    page = new_context().new_page()
    sign_in(page, EMAIL, totp_secret=secret)

    page.goto(f"/commitments/organisations/{provider.slug}/")
    osp1 = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=re.compile(r"\bOSP1\b")))
    osp1.get_by_role("link", name="Report progress").click()
    field(page, "Status").select_option(label="Substantial")
    field(page, "Progress (0 to 100)").fill("60")
    field(page, "Date").fill((timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    field(page, "What was done").fill("Hash matching now covers every upload.")
    page.get_by_role("button", name="Submit for review").click()
    expect(message(page, "Your update was recorded and awaits review")).to_be_visible()

    page.goto(f"/incidents/{incident.pk}/")
    expect(page.get_by_role("heading", name=re.compile(TITLE))).to_be_visible()
    expect(page.locator("#room-connection")).to_have_text(re.compile("Live|Reconnected"))
