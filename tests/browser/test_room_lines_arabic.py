"""A reader who switches to Arabic sees the room's system lines in Arabic (#15): the lines
are stored as events and each websocket connection gets them said in its reader's language."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Status, Tier, Tlp
from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, make_totp

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ("Kiwi Video", "Harbour Social", "Sam Desk")


@dataclass(frozen=True)
class Room:
    url: str
    email: str
    totp_secret: str


def build() -> Room:
    kiwi = OrganizationFactory(name="Kiwi Video")
    harbour = OrganizationFactory(name="Harbour Social")
    responder = MembershipFactory(organization=kiwi, role=Role.RESPONDER).user
    secretariat = SecretariatFactory(full_name="Sam Desk")
    incident = services.declare_incident(
        actor=secretariat, title="بث مباشر", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[kiwi]
    )
    services.change_status(actor=secretariat, incident=incident, status=Status.ACTIVE)
    services.change_tier(actor=secretariat, incident=incident, tier=Tier.FULL_PROTOCOL)
    services.change_tlp(actor=secretariat, incident=incident, tlp=Tlp.GREEN)
    services.invite_organization(actor=secretariat, incident=incident, organization=harbour)
    return Room(f"/incidents/{incident.pk}/", responder.email, make_totp(responder))


def test_the_arabic_room_says_its_system_lines_in_arabic(page):
    room = off_the_event_loop(build)
    sign_in(page, room.email, totp_secret=room.totp_secret)
    page.goto(room.url)
    page.locator('button[name="language"][value="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    lines = page.locator("#room-items > li:not(.room-item-chat) .room-body")
    expect(lines).to_have_count(5)
    expect(lines.nth(3)).to_have_text("غيّر Sam Desk مستوى بروتوكول إشارات المرور من كهرماني إلى أخضر.")
    for text in lines.all_text_contents():
        for name in NAMES:
            text = text.replace(name, "")
        assert not re.search(r"[A-Za-z]", text), text
