"""The bell in the header counts a notification live: a member has a page open, the secretariat
declares an incident involving the member's organisation, and the count goes up without a
reload (over /ws/notifications/); the notification centre lists it, and marking it read
brings the count back to zero."""

import pytest
from playwright.sync_api import expect

from incidents.models import Tier, Tlp
from incidents.services import declare_incident
from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_a_declared_incident_live(page, browser_log):
    organization = OrganizationFactory(name="Streamwave")
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    secretariat = SecretariatFactory()
    sign_in(page, member.email)
    page.goto("/organisations/")
    count = page.locator("[data-notification-bell] [data-unread-count]")
    expect(count).to_have_text("0")

    incident = off_the_event_loop(
        lambda: declare_incident(
            actor=secretariat, title="Livestream", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[organization]
        )
    )

    expect(count).to_have_text("1")  # no reload: the stream's frame
    page.locator("[data-notification-bell]").click()
    expect(page.get_by_role("link", name=f"Incident #{incident.pk} was declared.")).to_be_visible()
    page.get_by_role("button", name="Mark read").click()
    expect(count).to_have_text("0")
    assert browser_log.errors() == []
