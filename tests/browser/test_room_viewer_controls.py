"""The room offers each person what they may do, and says what state it is in:
- "Mark done" only for the assigned organisation's members and the secretariat, on the
  actions the page was rendered with and on those that arrive live;
- "Acknowledge for <organisation>" for a responder whose organisation has not acknowledged,
  coming back to the board with the outcome, and the others' boards following live;
- every platform-status form names its indicator, including those added live;
- once the incident is closed, the connection line says so instead of "Live.".

Every room write goes through a browser: on SQLite the test process and the server have
separate in-memory channel layers, so only the server's own writes reach the room.
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

KIWI, HARBOUR = "Kiwi Video", "Harbour Social"
CLOSED_TEXT = "This incident is closed; its room no longer takes new messages."


@dataclass(frozen=True)
class Room:
    url: str
    ana: tuple[str, str]  # a responder of Kiwi Video
    ben: tuple[str, str]  # a responder of Harbour Social
    secretariat: tuple[str, str]


@pytest.fixture
def room():
    return off_the_event_loop(build_room)


def build_room() -> Room:
    kiwi = OrganizationFactory(name=KIWI, kind=OrganizationKind.PROVIDER)
    harbour = OrganizationFactory(name=HARBOUR, kind=OrganizationKind.PROVIDER)
    ana = MembershipFactory(organization=kiwi, role=Role.RESPONDER, user__full_name="Ana Kiwi").user
    ben = MembershipFactory(organization=harbour, role=Role.RESPONDER, user__full_name="Ben Harbour").user
    secretariat = UserFactory(is_secretariat=True, full_name="Sam Secretariat")
    incident = incident_services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack in Riverton",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        organizations=[kiwi, harbour],
    )
    return Room(
        url=f"/incidents/{incident.pk}/",
        ana=(ana.email, make_totp(ana)),
        ben=(ben.email, make_totp(ben)),
        secretariat=(secretariat.email, make_totp(secretariat)),
    )


def open_room(new_context, who: tuple[str, str], url: str) -> Page:
    page = new_context().new_page()
    sign_in(page, who[0], totp_secret=who[1])
    page.goto(url)
    expect(page.locator("#room-connection")).to_have_text("Live.")
    return page


def action_row(page: Page, title: str):
    return page.locator("#action-list > li").filter(has_text=title)


def assign(page: Page, title: str, organization: str) -> None:
    page.locator("#action-title").fill(title)
    page.locator("#action-org").select_option(label=organization)
    with page.expect_navigation():
        page.get_by_role("button", name="Assign").click()
    expect(page.locator("#room-connection")).to_have_text("Live.")


def test_mark_done_is_offered_only_to_those_who_may_complete(new_context, browser_log, room):
    ana = open_room(new_context, room.ana, room.url)
    ben = open_room(new_context, room.ben, room.url)
    secretariat = open_room(new_context, room.secretariat, room.url)

    # The secretariat assigns one to Harbour Social: live, only Ben is offered "Mark done".
    assign(secretariat, "Hash the video", HARBOUR)
    expect(action_row(ben, "Hash the video").get_by_role("button", name="Mark done")).to_be_visible()
    expect(action_row(ana, "Hash the video")).to_contain_text("Open")
    expect(action_row(ana, "Hash the video").get_by_role("button")).to_have_count(0)
    # Rendered by the server (after the post): the secretariat may complete any action.
    expect(action_row(secretariat, "Hash the video").get_by_role("button", name="Mark done")).to_be_visible()

    # Ben assigns one to Kiwi Video: live, Ana and the secretariat are offered it; Ben's page is not.
    assign(ben, "Share the hashes", KIWI)
    expect(action_row(ana, "Share the hashes").get_by_role("button", name="Mark done")).to_be_visible()
    expect(action_row(secretariat, "Share the hashes").get_by_role("button", name="Mark done")).to_be_visible()
    expect(action_row(ben, "Share the hashes")).to_contain_text("Open")
    expect(action_row(ben, "Share the hashes").get_by_role("button")).to_have_count(0)
    expect(action_row(ben, "Hash the video").get_by_role("button", name="Mark done")).to_be_visible()

    # Ana's page rendered anew agrees with the live one.
    ana.reload()
    expect(action_row(ana, "Share the hashes").get_by_role("button", name="Mark done")).to_be_visible()
    expect(action_row(ana, "Hash the video").get_by_role("button")).to_have_count(0)

    # Ana marks hers done: accepted, and gone from every page.
    with ana.expect_navigation():
        action_row(ana, "Share the hashes").get_by_role("button", name="Mark done").click()
    expect(ana.locator("#actions-messages")).to_contain_text("Action done: Share the hashes")
    expect(action_row(secretariat, "Share the hashes")).to_contain_text("Done")
    expect(action_row(secretariat, "Share the hashes").get_by_role("button")).to_have_count(0)
    expect(ana.locator("#actions-messages").get_by_role("alert")).to_have_count(0)

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []


def test_a_responder_acknowledges_from_the_room(new_context, browser_log, room):
    ana = open_room(new_context, room.ana, room.url)
    ben = open_room(new_context, room.ben, room.url)
    board = ana.get_by_role("region", name="Acknowledgements")
    expect(board.get_by_role("button", name=f"Acknowledge for {HARBOUR}")).to_have_count(0)
    kiwi_row = board.locator("li").filter(has_text=KIWI)
    expect(kiwi_row).to_contain_text("not acknowledged")

    with ana.expect_navigation():
        board.get_by_role("button", name=f"Acknowledge for {KIWI}").click()
    assert ana.url.endswith("#acknowledgements-heading")
    expect(ana.locator("#acknowledgements-heading")).to_be_focused()
    expect(ana.locator("#acknowledgements-heading")).to_have_accessible_description(
        f"Done: {KIWI} has acknowledged the alert."
    )
    expect(kiwi_row).to_have_attribute("data-acknowledged", "1")
    expect(kiwi_row).to_contain_text("Ana Kiwi")
    expect(kiwi_row).not_to_contain_text("not acknowledged")
    expect(board.get_by_role("button")).to_have_count(0)

    # Ben's board follows live; his own organisation's button is still there.
    ben_board = ben.get_by_role("region", name="Acknowledgements")
    ben_kiwi = ben_board.locator("li").filter(has_text=KIWI)
    expect(ben_kiwi).to_have_attribute("data-acknowledged", "1")
    expect(ben_kiwi).to_contain_text("acknowledged")
    expect(ben_kiwi).to_contain_text("Ana Kiwi")
    expect(ben_kiwi).not_to_contain_text("not acknowledged")
    expect(ben_board.get_by_role("button", name=f"Acknowledge for {HARBOUR}")).to_be_visible()
    expect(ben_board.get_by_role("button", name=f"Acknowledge for {KIWI}")).to_have_count(0)

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []


def test_each_platform_form_names_its_indicator(new_context, browser_log, room):
    ana = open_room(new_context, room.ana, room.url)
    ben = open_room(new_context, room.ben, room.url)
    shared = []
    for value, kind, defanged in (
        ("https://bad.example/one", "url", "hxxps://bad[.]example/one"),
        ("https://bad.example/two", "url", "hxxps://bad[.]example/two"),
    ):
        ben.locator("#indicator-kind").select_option(kind)
        ben.locator("#indicator-value").fill(value)
        with ben.expect_navigation():
            ben.get_by_role("button", name="Share indicator").click()
        shared.append(defanged)

    # Ana's forms were added live by room.js; Ben's were rendered by the server.
    for page in (ana, ben):
        for defanged in shared:
            row = page.locator("#indicator-list > li").filter(has_text=defanged)
            expect(row).to_be_visible()
            expect(row.get_by_role("button")).to_have_accessible_name(f"Set the status of {defanged}")
            expect(row.locator("select").first).to_have_accessible_name(f"Platform for {defanged}")
            expect(row.locator("select").last).to_have_accessible_name(f"Status on your platform for {defanged}")
            expect(page.get_by_role("button", name=f"Set the status of {defanged}", exact=True)).to_have_count(1)

    # The named button still does its work.
    row = ana.locator("#indicator-list > li").filter(has_text=shared[1])
    row.get_by_label(f"Status on your platform for {shared[1]}").select_option("removed")
    with ana.expect_navigation():
        ana.get_by_role("button", name=f"Set the status of {shared[1]}").click()
    expect(ana.locator("#indicators-messages")).to_contain_text(f"{KIWI}: {shared[1]} is now marked Removed.")

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []


def test_closing_the_incident_shows_the_room_closed(new_context, browser_log, room):
    ana = open_room(new_context, room.ana, room.url)
    secretariat = open_room(new_context, room.secretariat, room.url)

    secretariat.locator("#status-select").select_option(label="Closed")
    with secretariat.expect_navigation():
        secretariat.get_by_role("button", name="Apply").click()
    expect(secretariat.locator("#room-connection")).to_have_text(CLOSED_TEXT)

    # Ana was in the room: it tells her live, and her forms go away.
    expect(ana.locator("#banner-status")).to_have_text("Closed")
    expect(ana.locator("#room-connection")).to_have_text(CLOSED_TEXT)
    expect(ana.locator("#room-composer")).to_be_hidden()
    expect(ana.get_by_role("button", name=f"Acknowledge for {KIWI}")).to_be_hidden()

    # Opened again, the room says it is closed once connected.
    ana.reload()
    expect(ana.locator("#room-connection")).to_have_text(CLOSED_TEXT)
    expect(ana.get_by_role("button", name=f"Acknowledge for {KIWI}")).to_have_count(0)

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []
