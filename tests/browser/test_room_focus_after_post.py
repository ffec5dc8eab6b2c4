"""After a form post in the incident room (share an indicator, set its platform status,
assign an action, mark it done, change the status) the page comes back at the panel the
person acted in, with the focus there and the outcome shown and announced in that panel,
not at the top of the page: a keyboard user goes on from where they were. A refused post
keeps what was typed and focuses the field to correct. Without JavaScript the fragment
still brings the person back to the panel, with the outcome in it.
"""

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from incidents import services as incident_services
from incidents.models import Tier, Tlp
from portal.models import OrganizationKind, Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL_INDICATOR = "https://bad.example/stream?id=9"
DEFANGED = "hxxps://bad[.]example/stream?id=9"
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PHONE = {"width": 375, "height": 740}


@dataclass(frozen=True)
class Room:
    url: str
    responder: tuple[str, str]
    secretariat: tuple[str, str]


@pytest.fixture
def room():
    return off_the_event_loop(build_room)


def build_room() -> Room:
    """An open tier-3 incident inviting two providers, with enough in the room that the
    panels are well below the top of the page."""
    kiwi = OrganizationFactory(name="Kiwi Video", kind=OrganizationKind.PROVIDER)
    harbour = OrganizationFactory(name="Harbour Social", kind=OrganizationKind.PROVIDER)
    responder = MembershipFactory(organization=kiwi, role=Role.RESPONDER, user__full_name="Ana Kiwi").user
    secretariat = UserFactory(is_secretariat=True, full_name="Sam Secretariat")
    incident = incident_services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack in Riverton",
        summary="",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        livestreamed=True,
        organizations=[kiwi, harbour],
    )
    return Room(
        url=f"/incidents/{incident.pk}/",
        responder=(responder.email, make_totp(responder)),
        secretariat=(secretariat.email, make_totp(secretariat)),
    )


def open_room(new_context, who: tuple[str, str], url: str, **context_args) -> Page:
    page = new_context(**context_args).new_page()
    sign_in(page, who[0], totp_secret=who[1])
    page.goto(url)
    expect(page.locator("#room-connection")).to_have_text("Live.")
    return page


def submit_with_enter(page: Page, selector: str) -> None:
    """Focuses a field of a form and presses Enter, as a keyboard user submits it."""
    page.locator(selector).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def press_button(page: Page, locator) -> None:
    locator.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def assert_focus_on(page: Page, element_id: str) -> None:
    expect(page.locator(f"#{element_id}")).to_be_focused()
    expect(page.locator(f"#{element_id}")).to_be_in_viewport()


def assert_outcome(page: Page, panel_heading: str, role: str, text: str) -> None:
    """The outcome is in the panel, in a live region (status or alert), visible, and read
    with the focused heading (its description)."""
    heading = page.locator(f"#{panel_heading}")
    panel = page.locator("section.panel").filter(has=heading)
    outcome = panel.get_by_role(role).filter(has_text=text)
    expect(outcome).to_be_visible()
    expect(outcome).to_be_in_viewport()
    expect(heading).to_have_accessible_description(f"{'Done:' if role == 'status' else 'Error:'} {text}")
    # Shown in the panel only, not again at the top of the page.
    expect(page.locator("main > .messages")).to_have_count(0)


def test_room_posts_come_back_to_their_panel_with_focus_and_outcome(new_context, browser_log, room):
    page = open_room(new_context, room.responder, room.url)

    # Share a URL with Enter in its field: back at the Indicators heading, told it is shared.
    page.locator("#indicator-value").fill(URL_INDICATOR)
    submit_with_enter(page, "#indicator-value")
    assert page.url.endswith("#indicators-heading")
    assert_focus_on(page, "indicators-heading")
    assert_outcome(page, "indicators-heading", "status", "Indicator shared.")
    assert page.evaluate("window.scrollY") > 0
    expect(page.locator("#indicator-list")).to_contain_text(DEFANGED)

    # Tab goes on from the panel: the next stop is the new indicator's platform form.
    page.keyboard.press("Tab")
    expect(page.locator("#indicator-list select").first).to_be_focused()

    # The same URL again: nothing new, and the panel says why.
    page.locator("#indicator-value").fill(URL_INDICATOR)
    submit_with_enter(page, "#indicator-value")
    assert_focus_on(page, "indicators-heading")
    note = page.locator("#indicators-messages").get_by_role("status")
    expect(note).to_contain_text("already shared")

    # A hash pasted with the URL kind: refused, the field keeps it and has the focus, the error is by it.
    page.locator("#indicator-value").fill(HASH)
    submit_with_enter(page, "#indicator-value")
    assert page.url.endswith("#indicator-value")
    assert_focus_on(page, "indicator-value")
    expect(page.locator("#indicator-value")).to_have_value(HASH)
    expect(page.locator("#indicator-value")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#indicator-value")).to_have_accessible_description(
        "Error: Enter a full http or https address."
    )
    expect(page.locator("#indicator-form-messages").get_by_role("alert")).to_be_in_viewport()

    # Corrected with the kind: shared; the form is empty again.
    page.locator("#indicator-kind").select_option("sha256")
    submit_with_enter(page, "#indicator-value")
    assert_outcome(page, "indicators-heading", "status", "Indicator shared.")
    expect(page.locator("#indicator-value")).to_have_value("")

    # Its status on the responder's platform.
    row = page.locator("#indicator-list > li").filter(has_text=DEFANGED)
    row.get_by_label("Status on your platform").select_option("removed")
    press_button(page, row.get_by_role("button", name="Set"))
    assert_focus_on(page, "indicators-heading")
    assert_outcome(page, "indicators-heading", "status", f"Kiwi Video: {DEFANGED} is now marked Removed.")

    # An action: assigned, then marked done, each time back at the Actions heading.
    page.locator("#action-title").fill("Hash the video and share it")
    page.locator("#action-org").select_option(label="Kiwi Video")
    submit_with_enter(page, "#action-title")
    assert page.url.endswith("#actions-heading")
    assert_focus_on(page, "actions-heading")
    assert_outcome(page, "actions-heading", "status", "Action assigned to Kiwi Video.")
    action = page.locator("#action-list > li").filter(has_text="Hash the video and share it")
    press_button(page, action.get_by_role("button", name="Mark done"))
    assert_focus_on(page, "actions-heading")
    assert_outcome(page, "actions-heading", "status", "Action done: Hash the video and share it")
    expect(action).to_have_attribute("data-status", "done")

    # A refused action (a blank title) keeps the organisation chosen and focuses the title.
    page.locator("#action-title").fill("   ")
    page.locator("#action-org").select_option(label="Harbour Social")
    submit_with_enter(page, "#action-title")
    assert_focus_on(page, "action-title")
    expect(page.locator("#action-form-messages").get_by_role("alert")).to_contain_text("Enter a title")
    expect(page.locator("#action-org option:checked")).to_have_text("Harbour Social")

    # The secretariat moves the status: back at the controls, told the new status.
    secretariat = open_room(new_context, room.secretariat, room.url)
    expect(secretariat.locator("#status-select option").first).to_have_text("Active")  # not Closed
    secretariat.locator("#status-select").select_option(label="Monitoring")
    press_button(secretariat, secretariat.get_by_role("button", name="Apply"))
    assert secretariat.url.endswith("#controls-heading")
    assert_focus_on(secretariat, "controls-heading")
    assert_outcome(secretariat, "controls-heading", "status", "The status is now Monitoring.")
    expect(secretariat.locator("#status-banner")).to_have_class("status-banner status-monitoring")

    # The responder's banner follows live, keeping its look.
    expect(page.locator("#status-banner")).to_have_class("status-banner status-monitoring")

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []


def test_on_a_phone_the_panel_stays_in_view_while_the_room_loads(new_context, room):
    page = open_room(new_context, room.responder, room.url, viewport=PHONE)
    page.locator("#indicator-value").fill(URL_INDICATOR)
    submit_with_enter(page, "#indicator-value")
    expect(page.locator("#room-items > li").filter(has_text="Indicator (Content URL)")).to_be_visible()
    assert_focus_on(page, "indicators-heading")
    assert_outcome(page, "indicators-heading", "status", "Indicator shared.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_without_javascript_the_post_comes_back_to_its_panel(new_context, room):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, room.responder[0], totp_secret=room.responder[1])
    page.goto(room.url)
    page.locator("#indicator-value").fill(URL_INDICATOR)
    with page.expect_navigation():
        page.get_by_role("button", name="Share indicator").click()
    assert page.url.endswith("#indicators-heading")
    # The browser itself focuses the heading the fragment names (it has tabindex="-1").
    assert_focus_on(page, "indicators-heading")
    assert_outcome(page, "indicators-heading", "status", "Indicator shared.")
    expect(page.locator("#indicator-list")).to_contain_text(DEFANGED)
