"""The room's history: the newest page opens at the bottom, older pages load as the reader
scrolls up (and with the "Load older messages" button, by keyboard), keeping the reader's
place; times are written in the page's language, not the browser's."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidents import events, services
from incidents.models import RoomItem, Tier, Tlp
from incidents.services import room
from portal.models import Role, User
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGES = 120  # with the declaration's item: three pages of 50


@pytest.fixture
def busy_room(monkeypatch):
    monkeypatch.setattr(room, "_check_flood", lambda **kwargs: None)  # one author posts them all
    # Stored only: nobody is in the room yet, and this process must not drive the channel layer
    # from Playwright's event loop thread.
    monkeypatch.setattr(events, "broadcast_item", lambda item: None)
    secretariat = UserFactory(is_secretariat=True, full_name="Sam Secretariat")
    provider = OrganizationFactory(name="Kiwi Video")
    reader = UserFactory(email="ana@kiwi.example", full_name="Ana Kiwi")
    MembershipFactory(user=reader, organization=provider, role=Role.RESPONDER)
    secret = make_totp(reader)
    incident = services.declare_incident(
        actor=secretariat, title="Busy room", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider]
    )
    for n in range(1, MESSAGES + 1):
        services.post_message(incident=incident, actor=secretariat, client_id=None, body=f"message {n}")
    return incident, reader, secret


def open_room(new_context, busy_room) -> Page:
    incident, reader, secret = busy_room
    page = new_context(timezone_id="UTC").new_page()  # the browser's locale is en-GB (conftest)
    sign_in(page, reader.email, totp_secret=secret)
    User.objects.filter(pk=reader.pk).update(language="ar")
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#room-items > li")).to_have_count(50)
    return page


def seqs(page: Page) -> list[int]:
    return page.eval_on_selector_all("#room-items > li", "items => items.map(li => Number(li.dataset.seq))")


def top_offset(page: Page, seq: int) -> float:
    """Where the item is, relative to the top of the list's visible area."""
    return page.locator(f'#room-items > li[data-seq="{seq}"]').evaluate(
        "li => li.getBoundingClientRect().top - li.parentElement.getBoundingClientRect().top"
    )


def test_scrolling_up_loads_every_older_page_in_order(new_context, busy_room):
    page = open_room(new_context, busy_room)
    items = page.locator("#room-items")
    last = MESSAGES + 1
    assert seqs(page) == list(range(last - 49, last + 1))
    assert items.evaluate("el => el.scrollHeight - el.scrollTop - el.clientHeight") < 5  # opens at the newest

    oldest_shown = last - 49
    items.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator("#room-items > li")).to_have_count(100)
    # The reader stays where they were: the item that was at the top is still near it.
    assert abs(top_offset(page, oldest_shown)) < 250
    assert items.evaluate("el => el.scrollTop") > 0

    items.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator("#room-items > li")).to_have_count(last)
    assert seqs(page) == list(range(1, last + 1))  # no gap, no repeat
    expect(page.locator("#room-older")).to_be_hidden()


def test_the_button_loads_older_messages_by_keyboard(new_context, busy_room):
    page = open_room(new_context, busy_room)
    button = page.locator("#room-older")
    expect(button).to_be_visible()
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#room-items > li")).to_have_count(100)
    page.keyboard.press("Enter")  # the focus stayed on the button
    expect(page.locator("#room-items > li")).to_have_count(MESSAGES + 1)
    expect(button).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "room-items"  # not lost with the hidden button


def test_times_follow_the_page_language(new_context, busy_room):
    page = open_room(new_context, busy_room)
    item = RoomItem.objects.get(incident=busy_room[0], seq=MESSAGES + 1)
    time = page.locator(f'#room-items > li[data-seq="{item.seq}"] time')
    expect(time).to_have_attribute("datetime", item.created_at.isoformat())
    written = time.inner_text()
    # Arabic marks the time with ص/م (am/pm); the browser's en-GB would write "20:05".
    assert re.search("[\u0635\u0645]", written), written
    assert written != item.created_at.strftime("%H:%M")
