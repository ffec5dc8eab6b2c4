"""Transparency reports compared (#15): supporters side by side per year, half-years shown as
such with a count's total for the year, shares never summed, drafts never shown; CSV too."""

import csv
import io

import pytest
from django.urls import reverse

from commitments import selectors
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import OrganizationFactory

from .factories import member_of
from .test_transparency import FULL, LAST_YEAR, draft, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_reporters(reporter, provider):
    other = OrganizationFactory(name="Kestrel Video", kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    other_reporter = member_of(other, Role.REPORTER)
    published(reporter, provider, period_kind="year", metrics={**FULL, "tvec_items_actioned": 1000})
    published(other_reporter, other, period_kind="half", number=1, metrics={**FULL, "tvec_items_actioned": 300})
    published(other_reporter, other, period_kind="half", number=2, metrics={**FULL, "tvec_items_actioned": 200})
    draft(other_reporter, other, period_kind="year", year=LAST_YEAR - 1, metrics={**FULL, "appeals": 999})
    return provider, other


def test_counts_line_up_by_year_and_shares_are_never_summed(two_reporters):
    provider, other = two_reporters
    comparison = selectors.compare(None, kind="provider", organization_ids=[provider.pk, other.pk])
    assert comparison.years == [LAST_YEAR]  # the draft's year is nobody's business
    table = next(t for t in comparison.tables if t.metric.key == "tvec_items_actioned")
    cells = {organization.pk: cells[0] for organization, cells in table.rows}
    assert cells[provider.pk].parts == [(str(LAST_YEAR), 1000)] and cells[provider.pk].value == 1000
    assert [label for label, _v in cells[other.pk].parts] == [f"{LAST_YEAR} H1", f"{LAST_YEAR} H2"]
    assert cells[other.pk].total == 500 and cells[provider.pk].bar == 100 and cells[other.pk].bar == 50
    share = next(t for t in comparison.tables if t.metric.key == "share_found_proactively")
    assert all(cell.total is None for _o, cells in share.rows for cell in cells)


def test_the_page_and_its_csv(client, two_reporters, django_assert_max_num_queries):
    provider, other = two_reporters
    query = {"kind": "provider", "org": [provider.pk, other.pk, "x"]}
    with django_assert_max_num_queries(4):
        html = client.get(reverse("commitments:compare"), query).content.decode()
    assert "Kestrel Video" in html and f"{LAST_YEAR} H1: 300" in html and "500 in the year" in html
    assert "999" not in html
    body = client.get(reverse("commitments:compare_csv"), query).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    halves = [r for r in rows if r["organization"] == "Kestrel Video" and r["metric"] == "tvec_items_actioned"]
    assert [(r["period"], r["value"], r["year_total"]) for r in halves] == [
        (f"{LAST_YEAR} H1", "300", "500"),
        (f"{LAST_YEAR} H2", "200", "500"),
    ]


def test_bad_choices_fall_back_rather_than_fail(client, two_reporters):
    response = client.get(reverse("commitments:compare"), {"kind": "dragons", "org": ["-1", "abc"]})
    assert response.status_code == 200 and "Transparency reports compared" in response.content.decode()


def test_counts_are_grouped_the_way_the_readers_language_writes_them(client, two_reporters):
    provider, other = two_reporters
    query = {"kind": "provider", "org": [provider.pk, other.pk]}
    english = client.get(reverse("commitments:compare"), query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get(reverse("commitments:compare"), query, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"{LAST_YEAR}: 1,000" not in english and "1,000" in english
    assert "1\xa0000" in french and "1,000" not in french
