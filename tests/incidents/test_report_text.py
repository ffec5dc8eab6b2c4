"""The after-action report reads naturally: no doubled full stop after a date, and a Markdown
export that keeps who acted for which organisation and escapes only what could become markup."""

import re
from datetime import UTC, datetime

import pytest

from incidents import reports, services
from incidents.models import Incident
from portal.models import Role
from tests.portal.factories import MembershipFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db

# Each of these starts markup somewhere in a line; md() must leave none of them bare.
ALWAYS_ESCAPED = set("\\`*_{}[]<>#|~")


def bare_specials(text: str) -> list[str]:
    """The markup characters of `text` that no backslash escapes."""
    bare, escaped = [], False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ALWAYS_ESCAPED:
            bare.append(char)
    return bare


def test_a_date_ending_in_a_full_stop_gets_no_second_one(client, incident_with_two_orgs, responder_a):
    Incident.objects.filter(pk=incident_with_two_orgs.pk).update(
        criteria_decided_at=datetime(2025, 5, 5, 0, 29, tzinfo=UTC)
    )
    client.force_login(responder_a)
    html = client.get(f"/incidents/{incident_with_two_orgs.pk}/report/").content.decode()
    # The report is in UTC with the offset (#12 "one clock"), whoever reads it.
    assert "Decided by Sam Secretariat, 2025-05-05T00:29:00+00:00</p>" in html
    assert not re.search(r"[ap]\.m\.\.", html)


@pytest.mark.parametrize(
    "text",
    [
        "[click](https://evil.example)",
        "![img](https://evil.example/x.png)",
        "<https://evil.example>",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "`code` and **bold** and __under__ and ~~gone~~",
        "a | b | c",
        "[ref]: https://evil.example",
        "{: .attr}",
        "back\\slash \\[",
    ],
)
def test_md_leaves_no_markup_character_bare(text):
    assert bare_specials(reports.md(text)) == []


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("- a list", "\\- a list"),
        ("+ a list", "\\+ a list"),
        ("1. a list", "1\\. a list"),
        ("12) a list", "12\\) a list"),
        ("---", "\\---"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
    ],
)
def test_md_escapes_what_would_start_a_block(text, safe):
    assert reports.md(text) == safe


def test_md_keeps_ordinary_punctuation_as_written():
    text = "Jean-Pierre (Kiwi) saw 3 re-uploads: remove them now! 2.5 min later, done."
    assert reports.md(text) == text


def test_markdown_timeline_names_the_organisation_and_reads_naturally(incident_with_two_orgs, provider_b):
    user = UserFactory(full_name="Jean-Pierre Harbour")
    MembershipFactory(user=user, organization=provider_b, role=Role.RESPONDER)
    make_totp(user)
    services.add_indicator(actor=user, incident=incident_with_two_orgs, kind="url", value="https://bad.example/live")
    text = reports.report_markdown(reports.build_report(incident_with_two_orgs))
    (row,) = [line for line in text.splitlines() if "Indicator (Content URL)" in line]
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]
    assert cells[2:] == [
        "Indicator",
        "Jean-Pierre Harbour · Provider B",
        "Indicator (Content URL): hxxps://bad\\[.\\]example/live",
    ]
    declared = next(line for line in text.splitlines() if "declared the incident" in line)
    assert "| Sam Secretariat |" in declared  # no organisation: the secretariat spoke for none
    assert "\\(" not in text and "\\-" not in text


def test_markdown_summary_cannot_start_a_list(incident_with_two_orgs):
    Incident.objects.filter(pk=incident_with_two_orgs.pk).update(summary="- first\n- second")
    text = reports.report_markdown(reports.build_report(incident_with_two_orgs))
    assert "\n\\- first - second\n" in text
