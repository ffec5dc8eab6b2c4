"""The room in a crisis: the message list and the composer are both on screen when the page
opens, on a laptop and on a phone, for the secretariat (whose controls are the longest page);
a keyboard shortcut puts the focus in the composer; an action assigned to a named owner from
the room shows in the room with its owner, its due time read and shown in the browser's zone."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from incidents import services as incident_services
from incidents.models import Tier, Tlp
from portal.models import OrganizationKind, Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}


@dataclass(frozen=True)
class Room:
    url: str
    secretariat: tuple[str, str]


@pytest.fixture
def room():
    return off_the_event_loop(build_room)


def build_room() -> Room:
    kiwi = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    MembershipFactory(
        organization=kiwi, role=Role.RESPONDER, user__full_name="Ana Kiwi", user__email="ana@kiwi.example"
    )
    # Not invited: offered in the invite list, whose longest name must not widen the phone's page.
    OrganizationFactory(
        name="Global Network of Online Safety Regulators and Researchers", kind=OrganizationKind.CIVIL_SOCIETY
    )
    secretariat = UserFactory(is_secretariat=True, full_name="Sam Secretariat")
    incident = incident_services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack in Riverton",
        summary="A livestream of the attack is being re-uploaded across platforms.",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        organizations=[kiwi],
    )
    return Room(url=f"/incidents/{incident.pk}/", secretariat=(secretariat.email, make_totp(secretariat)))


def open_room(new_context, room: Room, viewport: dict, zone: str = "UTC") -> Page:
    page = new_context(viewport=viewport, timezone_id=zone).new_page()
    sign_in(page, room.secretariat[0], totp_secret=room.secretariat[1])
    page.goto(room.url)
    expect(page.locator("#room-connection")).to_have_text("Live.")
    return page


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280x800", "375x667"])
def test_list_and_composer_on_screen_and_shortcut_focuses_composer(new_context, room, viewport):
    page = open_room(new_context, room, viewport)
    page.screenshot(path=f"/tmp/room-shots/{viewport['width']}.png")
    expect(page.locator("#room-items")).to_be_in_viewport(ratio=1)
    expect(page.locator("#room-body")).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Send")).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scrolling
    page.keyboard.press("/")
    expect(page.locator("#room-body")).to_be_focused()


def test_an_action_assigned_with_an_owner_shows_in_the_room(new_context, room):
    # The browser's zone is the page's when the person chose none (portal/time_zones.py).
    page = open_room(new_context, room, LAPTOP, zone="Pacific/Auckland")
    page.get_by_label("New action").fill("Hash and block the stream")
    page.get_by_label("Assigned to").select_option(label="Kiwi Video")
    page.get_by_label("Owner in that organisation (optional)").select_option(label="Ana Kiwi")
    page.get_by_label("Due (Pacific/Auckland, optional)").fill("2030-01-02T03:04")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign").click()
    row = page.locator("#action-list li").filter(has_text="Hash and block the stream")
    expect(row.locator(".action-owner")).to_have_text("Ana Kiwi")
    expect(row.locator(".action-due time")).to_contain_text("03:04:00 NZDT")
    expect(page.locator("#room-items")).to_contain_text("Action for Kiwi Video: Hash and block the stream")
