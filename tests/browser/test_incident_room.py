"""The crisis protocol in two browsers: the secretariat declares a tier-3 TLP:AMBER
incident inviting two providers; a responder of each joins (one on a phone), they
chat, share an indicator, one removes it on its platform, an action is assigned and
done, the incident moves to monitoring and is closed; an uninvited organisation's
responder finds nothing; a client that goes offline catches up without loss; the
after-action report shows it all.

Every room action goes through a browser: on SQLite the test process and the server
have separate in-memory channel layers, so only the server's own writes reach the room.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

from .steps import field, message, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER_A = "Kiwi Video"
PROVIDER_B = "Harbour Social"
OUTSIDER_ORG = "Elsewhere Forum"
TITLE = "Livestreamed attack in Riverton"
INDICATOR = "https://bad.example/stream?id=7"
DEFANGED = "hxxps://bad[.]example/stream?id=7"
PHONE = {"width": 375, "height": 740}
# Reconnection backs off (up to 30 s between attempts); catching up may take one long wait.
CATCH_UP_MS = 45_000
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Person:
    email: str
    totp_secret: str


def person(email, organization=None, **fields) -> Person:
    user = UserFactory(email=email, **fields)
    if organization is not None:
        MembershipFactory(user=user, organization=organization, role=Role.RESPONDER)
    return Person(email=email, totp_secret=make_totp(user))


@pytest.fixture
def people():
    provider_a = OrganizationFactory(name=PROVIDER_A)
    provider_b = OrganizationFactory(name=PROVIDER_B)
    outsider_org = OrganizationFactory(name=OUTSIDER_ORG)
    return {
        "secretariat": person("secretariat@example.org", is_secretariat=True, full_name="Sam Secretariat"),
        "ana": person("ana@kiwi.example", provider_a, full_name="Ana Kiwi"),
        "ben": person("ben@harbour.example", provider_b, full_name="Ben Harbour"),
        "ola": person("ola@elsewhere.example", outsider_org, full_name="Ola Elsewhere"),
    }


def signed_in(new_context, who: Person, **context_args) -> Page:
    page = new_context(**context_args).new_page()
    sign_in(page, who.email, totp_secret=who.totp_secret)
    return page


def declare(page: Page) -> str:
    page.goto("/incidents/")
    page.get_by_role("link", name="Declare an incident").click()
    field(page, "Title").fill(TITLE)
    field(page, "Summary").fill("A perpetrator's livestream is being re-uploaded.")
    field(page, "Tier").select_option("3")
    field(page, "TLP level").select_option("amber")
    page.get_by_label("Is it being livestreamed?").check()
    page.get_by_label("Is there an ongoing violent event?").check()
    page.get_by_label(PROVIDER_A).check()
    page.get_by_label(PROVIDER_B).check()
    page.get_by_role("button", name="Declare", exact=True).click()
    expect(message(page, "Incident declared")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    return page.url


def enter_room(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#room-connection")).to_have_text(re.compile("Live|Reconnected"))


def say(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def room_item(page: Page, text: str):
    return page.locator("#room-items > li:not(.room-item-pending)").filter(has_text=text)


def accessibility_violations(page: Page) -> list[str]:
    # Evaluated rather than added as a script tag, which the site's CSP (no inline scripts) refuses.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


def seqs(page: Page) -> list[int]:
    return page.eval_on_selector_all(
        "#room-items > li:not(.room-item-pending)", "items => items.map(li => Number(li.dataset.seq))"
    )


def assert_no_gap_no_repeat(page: Page) -> None:
    numbers = seqs(page)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers


def test_two_organisations_work_an_incident_in_the_room(new_context, browser_log, people):
    secretariat = signed_in(new_context, people["secretariat"])
    url = declare(secretariat)
    banner = secretariat.locator("#status-banner")
    expect(banner).to_contain_text("Declared")
    expect(banner).to_contain_text("TLP:AMBER")
    expect(banner).to_contain_text("Tier 3")

    ana = signed_in(new_context, people["ana"], viewport=PHONE)
    enter_room(ana, url)
    ben = signed_in(new_context, people["ben"])
    enter_room(ben, url)
    expect(ana.locator("#room-presence")).to_contain_text("Ben Harbour")

    # Chat, each sees the other's message live.
    say(ana, "Kiwi Video sees re-uploads of the stream")
    expect(room_item(ben, "Kiwi Video sees re-uploads of the stream")).to_contain_text("Ana Kiwi")
    say(ben, "Harbour Social too; sharing the URL")
    expect(room_item(ana, "Harbour Social too; sharing the URL")).to_be_visible()
    expect(ana.locator("#room-announcer")).to_contain_text("Harbour Social too")
    assert ana.evaluate("document.activeElement.id") == "room-body"  # announcing did not move the focus

    # Ben shares an indicator; Ana's panel shows it live, defanged, and she removes it on her platform.
    indicators = ben.get_by_role("region", name="Indicators")
    field(indicators, "Kind").select_option("url")
    field(indicators, "URL or hash").fill(INDICATOR)
    indicators.get_by_role("button", name="Share indicator").click()
    ana_indicator = ana.locator("#indicator-list > li").filter(has_text=DEFANGED)
    expect(ana_indicator).to_be_visible()
    assert ana.get_by_role("link", name=re.compile("bad")).count() == 0  # never a live link
    ana_indicator.get_by_label("Status on your platform").select_option("removed")
    ana_indicator.get_by_role("button", name="Set").click()
    expect(ana.locator("#indicator-list > li").filter(has_text=DEFANGED)).to_contain_text(f"{PROVIDER_A}: Removed")
    expect(ben.locator("#indicator-list > li").filter(has_text=DEFANGED)).to_contain_text(f"{PROVIDER_A}: Removed")

    # The secretariat assigns an action to Harbour Social; Ben marks it done from the live panel.
    actions = secretariat.get_by_role("region", name="Actions")
    field(actions, "New action").fill("Hash the video and share it")
    field(actions, "Assigned to").select_option(label=PROVIDER_B)
    actions.get_by_role("button", name="Assign").click()
    ben_action = ben.locator("#action-list > li").filter(has_text="Hash the video and share it")
    expect(ben_action).to_contain_text("Open")
    ben_action.get_by_role("button", name=re.compile("Mark done")).click()
    expect(ana.locator("#action-list > li").filter(has_text="Hash the video")).to_contain_text("Done")

    # Ana loses her connection; Ben keeps posting; Ana catches up without loss when back.
    ana.context.set_offline(True)
    expect(ana.locator("#room-connection")).to_contain_text("Connection lost")
    say(ben, "Posted while Ana was offline")
    say(ben, "And a second one")
    expect(room_item(ben, "And a second one")).to_be_visible()
    ana.context.set_offline(False)
    expect(room_item(ana, "And a second one")).to_be_visible(timeout=CATCH_UP_MS)
    expect(ana.locator("#room-connection")).to_contain_text("Reconnected")
    expect(room_item(ana, "Posted while Ana was offline")).to_have_count(1)
    assert_no_gap_no_repeat(ana)
    assert_no_gap_no_repeat(ben)

    # Monitoring, then closed: the banners follow live and the composer goes away.
    for status in ("Monitoring", "Closed"):
        field(secretariat, "Change status").select_option(label=status)
        secretariat.get_by_role("button", name="Apply").click()
        expect(secretariat.locator("#banner-status")).to_have_text(status)
        expect(ana.locator("#banner-status")).to_have_text(status)
        expect(ben.locator("#banner-status")).to_have_text(status)
    expect(ana.locator("#room-composer")).to_be_hidden()
    assert_no_gap_no_repeat(ana)

    # The room fits a phone and passes an automated accessibility check.
    assert ana.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert accessibility_violations(ana) == []
    assert accessibility_violations(ben) == []

    # A responder of an uninvited organisation finds nothing there.
    ola = signed_in(new_context, people["ola"])
    response = ola.goto(url)
    assert response.status == 404
    expect(ola.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(ola.get_by_text(TITLE)).to_have_count(0)

    # The after-action report shows it all.
    secretariat.get_by_role("link", name="After-action report").click()
    expect(secretariat.locator("#report-timeline")).to_contain_text("changed the status from Monitoring to Closed")
    expect(secretariat.locator("#report-indicators")).to_contain_text(DEFANGED)
    expect(secretariat.locator("#report-indicators")).to_contain_text(f"{PROVIDER_A}: Removed")
    expect(secretariat.locator("#report-actions")).to_contain_text("Hash the video and share it")
    expect(secretariat.locator("#report-actions")).to_contain_text("Done")
    participation = secretariat.locator("#report-participation")
    expect(participation.get_by_role("row", name=re.compile(PROVIDER_A))).to_contain_text("yes")
    expect(participation.get_by_role("row", name=re.compile(PROVIDER_B))).to_contain_text("1 / 1")
    expect(secretariat.locator("#to-first-ack")).to_have_text("not recorded")
    expect(secretariat.locator("#to-first-removal")).to_have_text(re.compile(r"\d+ min \d\d s"))

    assert [e for e in browser_log.entries if e.kind == "pageerror"] == []
