"""The first minutes of a crisis across two browsers: the secretariat declares an incident in
its own browser; the responder's bell counts the declaration and the alert without a reload
(over /ws/notifications/); the notification centre lists both, and marking one read takes the
count down; the responder follows the alert to the room and acknowledges, and the secretariat's
board clears the organisation and its call tree live.

Every write goes through a browser: on SQLite the test process and the server have separate
in-memory channel layers, so only the server's own writes arrive live."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from portal import services as portal_services
from portal.models import OrganizationKind, Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, make_totp

from .steps import field, off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIWI = "Kiwi Video"


@dataclass(frozen=True)
class Crisis:
    responder: tuple[str, str]
    secretariat: tuple[str, str]


def build_crisis() -> Crisis:
    """A provider whose responder keeps a number and heads its escalation chain, so the
    secretariat's board shows whom to call until the provider acknowledges."""
    kiwi = OrganizationFactory(name=KIWI, kind=OrganizationKind.PROVIDER)
    ana = MembershipFactory(organization=kiwi, role=Role.RESPONDER, user__full_name="Ana Kiwi")
    admin = MembershipFactory(organization=kiwi, role=Role.ADMIN).user
    portal_services.update_contact(
        actor=ana.user,
        user=ana.user,
        numbers=[portal_services.NumberInput(label="mobile", number="+64 21 000 0000")],
        time_zone="Pacific/Auckland",
        languages=["en"],
    )
    portal_services.set_escalation_chain(
        actor=admin, organization=kiwi, steps=[portal_services.StepInput(membership_id=ana.pk, wait_minutes=10)]
    )
    secretariat = SecretariatFactory()
    return Crisis(
        responder=(ana.user.email, make_totp(ana.user)), secretariat=(secretariat.email, secretariat.totp_secret)
    )


def test_a_responder_is_alerted_live_and_acknowledges_from_the_notification(new_context, browser_log):
    crisis = off_the_event_loop(build_crisis)
    ana = new_context().new_page()
    sign_in(ana, crisis.responder[0], totp_secret=crisis.responder[1])
    ana.goto("/incidents/")
    count = ana.locator("[data-notification-bell] [data-unread-count]")
    expect(count).to_have_text("0")

    # The secretariat declares in its own browser and lands in the room, Kiwi's call tree on the board.
    secretariat = new_context().new_page()
    sign_in(secretariat, crisis.secretariat[0], totp_secret=crisis.secretariat[1])
    secretariat.goto("/incidents/declare/")
    field(secretariat, "Title").fill("Livestreamed attack in Riverton")
    field(secretariat, "Tier").select_option(label="Tier 3 — full crisis protocol")
    secretariat.get_by_role("checkbox", name=KIWI, exact=True).check()
    secretariat.get_by_role("button", name="Declare").click()
    expect(secretariat.locator("#room-connection")).to_have_text("Live.")
    kiwi_row = secretariat.get_by_role("region", name="Acknowledgements").locator("li").filter(has_text=KIWI).first
    expect(kiwi_row).to_have_attribute("data-acknowledged", "0")
    expect(kiwi_row.locator('a[href="tel:+64210000000"]')).to_be_visible()
    number = secretariat.url.rstrip("/").rsplit("/", 1)[-1]

    # Ana's bell counts the declaration and the alert without a reload.
    expect(count).to_have_text("2")
    ana.locator("[data-notification-bell]").click()
    declared = ana.locator("[data-notification-list] li").filter(has_text=f"Incident #{number} was declared.")
    declared.get_by_role("button", name="Mark read").click()
    expect(count).to_have_text("1")
    alert = ana.get_by_role("link", name=f"Incident #{number} needs your organisation's acknowledgement")
    expect(alert).to_be_visible()
    alert.click()
    with ana.expect_navigation():
        ana.get_by_role("button", name=f"Acknowledge for {KIWI}").click()

    # The secretariat's board follows live: acknowledged, and nobody left to call.
    expect(kiwi_row).to_have_attribute("data-acknowledged", "1")
    expect(kiwi_row).to_contain_text("Ana Kiwi")
    expect(kiwi_row.locator(".call-tree")).to_have_count(0)
    assert browser_log.errors() == []
