"""A reader who switches to Arabic reads an incident's room, timeline and after-action report
in Arabic (#15): the room's system lines are stored as events and each websocket connection
gets them said in its reader's language; the timeline and report say theirs when rendered.
What is left out of the check: the names people and organisations wrote, the indicator's
value, the TLP badge (its standard label), names of file formats and hash algorithms, the
time zone's name, ISO 8601 times, and what the reader types (<code>, <kbd>)."""

import re

import pytest
from playwright.sync_api import expect

from .steps import off_the_event_loop, sign_in
from .worked_incident import NAMES, build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFANGED = "hxxps://bad[.]example/v"  # how pages show it
# Names no language translates: file formats and hash algorithms (the indicator kinds).
FORMATS = ("STIX 2.1", "CSV", "Markdown", "TMK+PDQF", "SHA-256", "SHA-1", "MD5", "vPDQ", "PDQ")
LATIN = re.compile(r"[A-Za-z]+")
# ISO 8601 times in the report (2026-12-04T08:15:00+00:00), and the reader's time zone, named
# as the zone database names it wherever times are shown or asked for.
ISO_TIME = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})?")
TIME_ZONE = "UTC"

# The page's visible text without machine values, TLP badges and scripts.
SYSTEM_TEXT_JS = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("script, style, code, .code, kbd, .tlp, [hidden]").forEach((e) => e.remove());
  return main.innerText;
}"""


def latin_words(text: str) -> list[str]:
    for allowed in (*NAMES, DEFANGED, *FORMATS, TIME_ZONE):
        text = text.replace(allowed, "")
    return LATIN.findall(ISO_TIME.sub("", text))


def test_the_arabic_room_timeline_and_report_read_entirely_in_arabic(page):
    incident = off_the_event_loop(lambda: build(title="بث مباشر", message="أزيل الفيديو.", action="حظر النسخ"))
    sign_in(page, incident.email, totp_secret=incident.totp_secret)
    room = f"/incidents/{incident.pk}/"
    page.goto(room)
    assert latin_words(page.evaluate(SYSTEM_TEXT_JS))  # the check sees English where there is some
    page.locator('button[name="language"][value="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    lines = page.locator("#room-items > li:not(.room-item-chat) .room-body")
    expect(lines.first).to_be_visible()
    expect(page.locator("#room-items")).to_contain_text(
        "غيّر Sam Desk مستوى بروتوكول إشارات المرور من كهرماني إلى أخضر."
    )
    for text in lines.all_text_contents():
        assert latin_words(text) == [], text
    found = {}
    for path in (room, f"{room}timeline/", f"{room}report/"):
        if path != room:
            page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        found[path] = latin_words(page.evaluate(SYSTEM_TEXT_JS))
    assert {path: words for path, words in found.items() if words} == {}
