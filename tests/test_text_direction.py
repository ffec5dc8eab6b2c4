"""Text people write is shown with dir="auto" wherever it appears (#15): an English sentence
on an Arabic page keeps its full stop at its end, an Arabic message on an English page reads
right to left. The room's live messages get the same from room.js (`text.dir = "auto"`)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [p for app in ("portal", "commitments", "incidents") for p in (ROOT / app / "templates").rglob("*.html")]
# Fields holding what people wrote, as templates print them.
WRITTEN = re.compile(
    r"\{\{\s*[\w.]*(narrative_html|body_html|review_comment|moderation_reason|decision_reason|"
    r"organization\.description|endpoint\.description|summary\|linebreaks|item\.text)\b"
)


def _places():
    for path in TEMPLATES:
        if "/email/" in str(path):
            continue  # emails are plain text or inline-styled mail, read by mail clients
        text = path.read_text()
        for match in WRITTEN.finditer(text):
            yield path, text, match


@pytest.mark.parametrize("path,text,match", list(_places()), ids=lambda v: getattr(v, "name", None))
def test_written_text_is_shown_with_dir_auto(path, text, match):
    opening = text.rfind("<", 0, match.start())
    tag = text[opening : text.find(">", opening) + 1]
    assert 'dir="auto"' in tag, f'{path.relative_to(ROOT)}: {match.group(0)} is inside {tag} without dir="auto"'


def test_the_check_finds_the_places_it_guards():
    found = {m.group(1) for _path, _text, m in _places()}
    assert {"narrative_html", "body_html", "review_comment", "item.text"} <= found


def test_room_messages_are_set_with_dir_auto():
    assert 'text.dir = "auto"' in (ROOT / "incidents/static/incidents/room.js").read_text()
