"""The incident journey in Arabic with the keyboard alone, as a responder who uses no mouse:
sign in with two-factor, switch to Arabic, reach the incident list, open the room, post a
message, share an indicator, set its status on their platform and mark an action done.

Only `page.keyboard` drives the responder's browser (Tab, Shift+Tab, Enter, Space, arrows and
typing); `goto` is used once, for the address typed to open the site. Every stop of the focus
must show a visible focus mark, every page after the switch must be right-to-left, and a
message from another responder must be announced by the live region without moving the focus.
"""

import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from incidents import services as incident_services
from incidents.models import Tier, Tlp
from portal.models import OrganizationKind, Role
from tests.portal.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import off_the_event_loop, sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "بث مباشر لهجوم في المدينة"
MESSAGE = "نرى إعادة رفع للبث على Kiwi Video"
OTHER_MESSAGE = "Harbour Social: نحن نتابع أيضًا"
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
ACTION = "تجزئة الفيديو ومشاركة البصمة"
# Enough stops to cross the longest page (the room) in either direction; more means focus is trapped.
MAX_TAB_STOPS = 150

# True when the focused element shows a focus mark: an outline or a box-shadow.
FOCUS_VISIBLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== "none";
}"""


@dataclass(frozen=True)
class Room:
    url: str
    email: str
    totp_secret: str
    other_email: str
    other_totp_secret: str


@pytest.fixture
def room():
    return off_the_event_loop(build_room)


def build_room() -> Room:
    """An open incident with two invited providers, each with a responder who has two-factor,
    and an open action assigned to the first provider."""
    kiwi = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    harbour = OrganizationFactory(name="Harbour Social", kind=OrganizationKind.PROVIDER)
    responder = MembershipFactory(organization=kiwi, role=Role.RESPONDER, user__full_name="Ana Kiwi").user
    other = MembershipFactory(organization=harbour, role=Role.RESPONDER, user__full_name="Ben Harbour").user
    secretariat = UserFactory(is_secretariat=True)
    incident = incident_services.declare_incident(
        actor=secretariat,
        title=TITLE,
        summary="",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        livestreamed=True,
        organizations=[kiwi, harbour],
    )
    incident_services.post_message(
        incident=incident, actor=secretariat, client_id=str(uuid.uuid4()), body="The room is open."
    )
    incident_services.create_action(actor=secretariat, incident=incident, title=ACTION, organization=kiwi)
    return Room(
        url=f"/incidents/{incident.pk}/",
        email=responder.email,
        totp_secret=make_totp(responder),
        other_email=other.email,
        other_totp_secret=make_totp(other),
    )


def focus_is_visible(page: Page) -> bool | None:
    """Whether the focused element shows a focus mark; None when nothing is focused."""
    return page.evaluate(FOCUS_VISIBLE_JS)


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Presses Tab (Shift+Tab backwards) until the element matching `selector` has the focus,
    checking at every stop on the way that the focus is visible."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press(key)
        described = page.evaluate("() => { const el = document.activeElement; return el.outerHTML.slice(0, 160); }")
        assert focus_is_visible(page) is not False, f"no visible focus on {described}"
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} was not reached with {key} in {MAX_TAB_STOPS} stops on {page.url}")


def choose(page: Page, value: str) -> None:
    """Picks `value` in the focused select with the arrow keys, as a keyboard user does
    without opening the list."""
    for key in ("Home", *["ArrowDown"] * 20):
        page.keyboard.press(key)
        if page.evaluate("() => document.activeElement.value") == value:
            return
    raise AssertionError(f"{value!r} could not be chosen with the arrow keys")


def follow(page: Page, key: str = "Enter") -> None:
    """Presses `key` on a link or in a form and waits for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def assert_right_to_left(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_a_responder_works_an_incident_in_arabic_with_the_keyboard_alone(new_context, browser_log, room):
    page = new_context().new_page()
    keyboard = page.keyboard
    page.goto("/")

    # Sign in with a password and the authenticator's code.
    tab_to(page, 'a[href^="/accounts/login/"]')
    follow(page)
    tab_to(page, 'input[name="login"]')
    keyboard.type(room.email)
    tab_to(page, 'input[name="password"]')
    keyboard.type(PASSWORD)
    follow(page)
    tab_to(page, 'input[name="code"]')
    keyboard.type(totp_code(room.totp_secret))
    follow(page)
    expect(page.locator('form[action="/accounts/logout/"] button')).to_be_visible()

    # The language switcher is at the foot of every page: backwards from the top is quickest.
    tab_to(page, 'button[name="language"][value="ar"]', backwards=True)
    follow(page)
    assert_right_to_left(page)
    expect(page.locator('button[name="language"][value="ar"]')).to_have_attribute("aria-pressed", "true")

    # The incident list, then the room.
    tab_to(page, '.site-nav a[href="/incidents/"]')
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("الحوادث")
    assert_right_to_left(page)
    tab_to(page, f'main a[href="{room.url}"]')
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_right_to_left(page)
    strings = page.evaluate("() => JSON.parse(document.getElementById('room-strings').textContent)")
    expect(page.locator("#room-connection")).to_have_text(strings["live"])

    # A message: Enter sends it, and the text box keeps the focus.
    tab_to(page, "#room-body")
    keyboard.type(MESSAGE)
    keyboard.press("Enter")
    expect(page.locator("#room-items > li:not(.room-item-pending)").filter(has_text=MESSAGE)).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "room-body"
    assert focus_is_visible(page)

    # Another responder's message is announced; the focus stays in the text box.
    other = new_context().new_page()
    sign_in(other, room.other_email, totp_secret=room.other_totp_secret)
    other.goto(room.url)
    expect(other.locator("#room-connection")).to_have_text("Live.")
    other.get_by_label("Message", exact=True).fill(OTHER_MESSAGE)
    other.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator("#room-items > li").filter(has_text=OTHER_MESSAGE)).to_be_visible()
    expect(page.locator("#room-announcer")).to_contain_text(OTHER_MESSAGE)
    expect(page.locator("#room-announcer")).to_contain_text("Ben Harbour")
    assert page.evaluate("document.activeElement.id") == "room-body"

    # An indicator: its kind chosen with the arrow keys, its value typed, Enter shares it.
    tab_to(page, "#indicator-kind")
    choose(page, "sha256")
    tab_to(page, "#indicator-value")
    keyboard.type(HASH)
    follow(page)
    indicator = page.locator("#indicator-list > li").filter(has_text=HASH)
    expect(indicator).to_be_visible()
    assert_right_to_left(page)
    indicator_id = indicator.get_attribute("data-indicator")

    # Its status on the responder's platform: removed.
    tab_to(page, f"#pstatus-{indicator_id}")
    choose(page, "removed")
    tab_to(page, f'form[action$="/indicators/{indicator_id}/status/"] button[type="submit"]')
    follow(page)
    removed = f"Kiwi Video: {strings['platform_statuses']['removed']}"
    expect(page.locator("#indicator-list > li").filter(has_text=HASH)).to_contain_text(removed)
    assert_right_to_left(page)

    # The action assigned to the responder's organisation: Space on "Mark done".
    action = page.locator("#action-list > li").filter(has_text=ACTION)
    action_id = action.get_attribute("data-action")
    tab_to(page, f'form[action$="/actions/{action_id}/done/"] button')
    follow(page, "Space")
    done = page.locator(f'#action-list > li[data-action="{action_id}"]')
    expect(done).to_have_attribute("data-status", "done")
    expect(done.locator(".action-status")).to_have_text(strings["done"])
    assert_right_to_left(page)

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []
