"""In Arabic, the room's list of invited organisations reads right to left even when the
names are Latin: the first name is rightmost and the separator sits between the names,
not after the last one as it did when the list was a single left-to-right run."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Tier, Tlp
from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, make_totp

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The boxes of the first name, the separator after it and the second name, as laid out.
BOXES_JS = """(line) => {
  const names = line.querySelectorAll("bdi");
  const range = document.createRange();
  range.selectNodeContents(names[0].nextSibling);
  const box = (r) => ({left: r.left, right: r.right});
  return {first: box(names[0].getBoundingClientRect()), separator: box(range.getBoundingClientRect()),
          second: box(names[1].getBoundingClientRect()), separatorText: names[0].nextSibling.textContent};
}"""


@dataclass(frozen=True)
class Room:
    url: str
    email: str
    totp_secret: str


def build() -> Room:
    kiwi = OrganizationFactory(name="Kiwi Video")
    harbour = OrganizationFactory(name="Harbour Social")
    responder = MembershipFactory(organization=kiwi, role=Role.RESPONDER).user
    secretariat = SecretariatFactory()
    incident = services.declare_incident(
        actor=secretariat, title="بث مباشر", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[kiwi, harbour]
    )
    return Room(f"/incidents/{incident.pk}/", responder.email, make_totp(responder))


def test_invited_latin_names_read_right_to_left(page):
    room = off_the_event_loop(build)
    sign_in(page, room.email, totp_secret=room.totp_secret)
    page.goto(room.url)
    page.locator('button[name="language"][value="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.url.endswith(room.url)
    line = page.locator("#invited-organizations")
    expect(line.locator("bdi")).to_have_count(2)

    boxes = line.evaluate(BOXES_JS)
    assert boxes["separatorText"].strip() in (",", "،")
    assert boxes["first"]["left"] >= boxes["separator"]["right"] - 1  # first name, then the separator to its left
    assert boxes["separator"]["left"] >= boxes["second"]["right"] - 1  # then the second name
