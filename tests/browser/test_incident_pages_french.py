"""A reader who switches to French reads an incident's room, timeline and after-action report
in French (#15): the system lines, headings, labels and buttons, with no English left. What
people wrote is French here, so only names and codes are left out of the check."""

import re
from pathlib import Path

import polib
import pytest
from playwright.sync_api import expect

from .steps import off_the_event_loop, sign_in
from .worked_incident import NAMES, build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Words English sentences cannot do without and French never uses.
ENGLISH_WORDS = re.compile(r"\b(the|and|by|from|with|to|of|was|has|your|changed|shared|added|invited)\b", re.I)
# Codes where a word belongs (a TLP level stored as "amber"), and French's space before a colon.
CODES = re.compile(r"\b(clear|green|amber|red)\b")
BARE_COLON = re.compile(r"[^\W\d]: ")
ENGLISH_GROUPING = re.compile(r"\d,\d{3}\b")  # "100,000 lignes": French writes 100 000
CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# The page's visible text without machine values and scripts.
SYSTEM_TEXT_JS = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("script, style, code, .code, kbd, [hidden]").forEach((e) => e.remove());
  return main.innerText;
}"""


def english_phrases() -> list[str]:
    """Pieces of the site's English sentences (two words or more) that French says otherwise."""
    phrases = set()
    for entry in polib.pofile(str(CATALOGUE)):
        if not entry.msgstr or entry.obsolete:
            continue
        for piece in re.split(r"%\(\w+\)s|\{\{[^}]*\}\}|[.:;,!?()…\"“”]", entry.msgid):
            piece = " ".join(piece.split())
            if len(piece) >= 10 and " " in piece and piece not in entry.msgstr:
                phrases.add(piece)
    return sorted(phrases)


def untranslated(text: str, phrases: list[str]) -> list[str]:
    for name in NAMES:
        text = text.replace(name, "")
    found = [
        m.group(0) for pattern in (ENGLISH_WORDS, CODES, BARE_COLON, ENGLISH_GROUPING) for m in pattern.finditer(text)
    ]
    return found + [p for p in phrases if p in text]


def test_the_room_timeline_and_report_read_entirely_in_french(page):
    incident = off_the_event_loop(
        lambda: build(title="Diffusion en direct", message="Vidéo retirée.", action="Bloquer les copies")
    )
    sign_in(page, incident.email, totp_secret=incident.totp_secret)
    room = f"/incidents/{incident.pk}/"
    page.goto(room)
    phrases = english_phrases()
    assert untranslated(page.evaluate(SYSTEM_TEXT_JS), phrases)  # the check sees English where there is some
    page.locator('button[name="language"][value="fr"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    lines = page.locator("#room-items > li:not(.room-item-chat) .room-body")
    expect(lines.first).to_be_visible()
    expect(page.locator("#room-items")).to_contain_text("Niveau TLP changé de AMBRE à VERT par Sam Desk.")
    for path in (room, f"{room}timeline/", f"{room}report/"):
        if path != room:
            page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        assert untranslated(page.evaluate(SYSTEM_TEXT_JS), phrases) == [], path
