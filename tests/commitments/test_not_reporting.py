"""A supporter is "not reporting" once a whole reporting cycle and its grace period pass
with one of its commitments lacking an accepted update: derived, shown as a word on the
pages and in the API."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commitments import conf, selectors
from commitments.models import Commitment, Implementation
from commitments.services import ensure_implementations, retire_commitment
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import OrganizationFactory

from .factories import accepted, implementation_of, member_of

pytestmark = pytest.mark.django_db

NOT_REPORTING = "Not reporting"


def age(organization, *codes, days=800):
    """Backdate implementations, as if the organisation had been a supporter for years."""
    rows = Implementation.objects.filter(organization=organization)
    if codes:
        rows = rows.filter(commitment__code__in=codes)
    rows.update(created_at=timezone.now() - datetime.timedelta(days=days))


def cutoff():
    return conf.not_reporting_cutoff(timezone.localdate())


# --- The rule --------------------------------------------------------------------------


def test_cycle_dates_and_the_not_reporting_cutoff(settings):
    d = datetime.date
    assert conf.cycle_end(d(2026, 3, 1)) == d(2026, 6, 30)
    assert conf.cycle_end(d(2026, 12, 31)) == d(2026, 12, 31)
    assert conf.grace_end(d(2026, 3, 1)) == d(2026, 7, 30)
    # The grace period after the first half ends on 30 July; the next day that half has closed.
    assert conf.not_reporting_cutoff(d(2026, 7, 30)) == d(2025, 7, 1)
    assert conf.not_reporting_cutoff(d(2026, 7, 31)) == d(2026, 1, 1)
    assert conf.not_reporting_cutoff(d(2026, 1, 31)) == d(2025, 7, 1)
    settings.COMMITMENTS_REPORTING_CYCLE_MONTHS = 3
    settings.COMMITMENTS_REPORTING_GRACE_DAYS = 10
    assert conf.cycle_end(d(2026, 11, 28)) == d(2026, 12, 31)
    assert conf.not_reporting_cutoff(d(2026, 10, 11)) == d(2026, 7, 1)
    assert conf.not_reporting_cutoff(d(2026, 10, 10)) == d(2026, 4, 1)


def test_a_missed_cycle_marks_the_supporter_until_it_reports(provider, government, reporter, secretariat):
    age(provider, "OSP1")
    osp1 = implementation_of(provider, "OSP1")
    assert selectors.not_reporting_ids([provider.pk, government.pk]) == {provider.pk}
    assert selectors.missed_cycle_count(provider.pk) == 1

    accepted(reporter, osp1, secretariat, as_of=cutoff() - datetime.timedelta(days=1))
    assert selectors.not_reporting_ids([provider.pk]) == {provider.pk}  # reported, but too long ago
    accepted(reporter, osp1, secretariat, as_of=cutoff())
    assert selectors.not_reporting_ids([provider.pk]) == set()


def test_new_supporters_retired_commitments_and_former_supporters_do_not_count(provider, catalogue, secretariat):
    age(provider, "OSP1")
    retire_commitment(actor=secretariat, commitment=Commitment.objects.get(code="OSP1"))
    assert selectors.not_reporting_ids([provider.pk]) == set()

    other = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=other)
    assert selectors.not_reporting_ids([other.pk]) == set()  # joined this cycle
    age(other)
    assert selectors.not_reporting_ids([other.pk]) == {other.pk}
    other.standing = Standing.SUSPENDED
    other.save(update_fields=["standing"])
    assert selectors.not_reporting_ids([other.pk]) == set()


def test_a_secretariat_only_report_counts_for_everyone(provider, reporter, secretariat):
    age(provider, "OSP1")
    accepted(reporter, implementation_of(provider, "OSP1"), secretariat, visibility="secretariat")
    data = APIClient().get("/api/v1/reporting-status/").data
    row = next(r for r in data["results"] if r["organization"]["id"] == provider.pk)
    assert (row["status"], row["not_reporting"]) == ("reporting", False)


# --- Pages -----------------------------------------------------------------------------


def test_scorecard_says_not_reporting_in_words(client, provider, government):
    age(provider)
    html = client.get(reverse("commitments:scorecard", args=[provider.slug])).content.decode()
    assert NOT_REPORTING in html and 'class="reporting-flag"' in html
    assert "the reporting cycle and its grace period have ended" in html
    assert NOT_REPORTING not in client.get(reverse("commitments:scorecard", args=[government.slug])).content.decode()


def test_commitment_page_and_dashboard_mark_supporters_not_reporting(client, provider, government):
    age(provider)
    osp1 = implementation_of(provider, "OSP1")
    html = client.get(reverse("commitments:commitment", args=[osp1.commitment_id])).content.decode()
    row = html.split(provider.name, 1)[1].split("</th>", 1)[0]
    assert NOT_REPORTING in row

    g1 = implementation_of(government, "G1")
    assert NOT_REPORTING not in client.get(reverse("commitments:commitment", args=[g1.commitment_id])).content.decode()

    html = client.get(reverse("commitments:dashboard")).content.decode()
    panel = html.split('id="not-reporting-heading"', 1)[1].split("</section>", 1)[0]
    assert "1 supporter is not reporting" in panel and provider.name in panel and government.name not in panel
    governments = client.get(reverse("commitments:dashboard"), {"kind": "government"}).content.decode()
    assert 'id="not-reporting-heading"' not in governments  # the kind filter applies


def test_overdue_lists_mark_supporters_not_reporting(client, provider, government, secretariat):
    age(provider)
    age(government, "G1", days=40)  # overdue this cycle at most: no whole cycle missed yet
    client.force_login(secretariat)
    html = client.get(reverse("commitments:overdue")).content.decode()
    provider_rows = selectors.list_overdue_for(secretariat, organization_id=provider.pk).count()
    assert provider_rows > 0 and html.count('class="reporting-flag"') == provider_rows

    client.force_login(member_of(provider))
    html = client.get(reverse("commitments:organization_overdue", args=[provider.slug])).content.decode()
    assert NOT_REPORTING in html
    # A plain member may not report: no "Report progress" link that would answer 403.
    assert "Report progress" not in html
    client.force_login(member_of(provider, Role.REPORTER))
    html = client.get(reverse("commitments:organization_overdue", args=[provider.slug])).content.decode()
    link = re.search(r'href="(/commitments/implementations/\d+/report/)"', html)
    assert link and client.get(link.group(1)).status_code == 200


# --- API -------------------------------------------------------------------------------


def test_implementations_api_carries_the_status(provider, government):
    age(provider)
    client = APIClient()
    osp1 = implementation_of(provider, "OSP1")
    assert client.get(f"/api/v1/implementations/{osp1.pk}/").data["organization_not_reporting"] is True
    g1 = implementation_of(government, "G1")
    assert client.get(f"/api/v1/implementations/{g1.pk}/").data["organization_not_reporting"] is False

    flagged = client.get("/api/v1/implementations/", {"not_reporting": "true", "page_size": 200}).json()
    assert flagged["count"] == Implementation.objects.filter(organization=provider).count()
    assert {row["organization"]["id"] for row in flagged["results"]} == {provider.pk}
    assert client.get("/api/v1/implementations/", {"not_reporting": "maybe"}).status_code == 400


def test_implementation_detail_reads_the_status_in_its_one_query(provider, government, django_assert_num_queries):
    age(provider)
    client = APIClient()
    for implementation, not_reporting in (
        (implementation_of(provider, "OSP1"), True),
        (implementation_of(government, "G1"), False),
    ):
        with django_assert_num_queries(1):  # the same selector and annotation as the list
            data = client.get(f"/api/v1/implementations/{implementation.pk}/").data
        assert data["organization_not_reporting"] is not_reporting


def test_reporting_status_api(provider, government):
    age(provider, "OSP1", "J1")
    client = APIClient()
    data = client.get("/api/v1/reporting-status/").data
    rows = {row["organization"]["id"]: row for row in data["results"]}
    assert rows[provider.pk]["status"] == "not_reporting"
    assert rows[provider.pk]["missed_implementations"] == 2
    assert rows[provider.pk]["since"] == cutoff().isoformat()
    assert (rows[government.pk]["status"], rows[government.pk]["missed_implementations"]) == ("reporting", 0)
    only = client.get("/api/v1/reporting-status/", {"not_reporting": "true"}).data
    assert [row["organization"]["id"] for row in only["results"]] == [provider.pk]
    assert client.get("/api/v1/reporting-status/", {"kind": "government"}).data["count"] == 1
    assert client.get("/api/v1/reporting-status/", {"not_reporting": "x"}).status_code == 400
    assert client.get("/api/v1/reporting-status/", {"country": "ZZZ"}).status_code == 400


# --- Query counts ----------------------------------------------------------------------


def build(n_orgs, secretariat):
    for _ in range(n_orgs):
        org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
        ensure_implementations(organization=org)
        age(org)
        reporter = member_of(org, Role.REPORTER)
        accepted(reporter, implementation_of(org, "OSP1"), secretariat)


@pytest.mark.parametrize("n_orgs", [1, 5])
def test_query_counts_do_not_grow(client, catalogue, secretariat, django_assert_max_num_queries, n_orgs):
    build(n_orgs, secretariat)
    org = Implementation.objects.filter(commitment__code="OSP1").first().organization
    api = APIClient()
    for url in ("/api/v1/reporting-status/", "/api/v1/implementations/?not_reporting=true&page_size=200"):
        with django_assert_max_num_queries(3):
            assert api.get(url).status_code == 200
    client.force_login(secretariat)
    commitment_id = implementation_of(org, "OSP1").commitment_id
    for url in (
        reverse("commitments:overdue"),
        reverse("commitments:organization_overdue", args=[org.slug]),
        reverse("commitments:commitment", args=[commitment_id]),
        reverse("commitments:scorecard", args=[org.slug]),
    ):
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.status_code == 200 and NOT_REPORTING in response.content.decode()


# The dashboard's per-supporter count and the reminder's line, exactly as their templates say them.
COMMITMENT_COUNT = (
    "{% load i18n %}{% blocktranslate count n=n %}{{ n }} commitment"
    "{% plural %}{{ n }} commitments{% endblocktranslate %}"
)
OVERDUE_LINE = (
    "{% load i18n %}{% blocktranslate with org=org count n=n %}{{ org }}: {{ n }} commitment overdue"
    "{% plural %}{{ org }}: {{ n }} commitments overdue{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    "n, dashboard, reminder",
    [
        # One and two are said in words alone, as Arabic does; "التزام واحد (1)" repeated the count.
        (1, "التزام واحد", "فيجي: التزام واحد متأخر"),
        (2, "التزامان", "فيجي: التزامان متأخران"),
        (3, "3 التزامات", "فيجي: 3 التزامات متأخرة"),
        (11, "11 التزامًا", "فيجي: 11 التزامًا متأخرًا"),
        (100, "100 التزام", "فيجي: 100 التزام متأخر"),
    ],
)
def test_commitment_counts_read_naturally_in_arabic(n, dashboard, reminder):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("ar"):
        assert Template(COMMITMENT_COUNT).render(Context({"n": n})) == dashboard
        assert Template(OVERDUE_LINE).render(Context({"n": n, "org": "فيجي"})) == reminder
    with translation.override("en"):
        assert Template(COMMITMENT_COUNT).render(Context({"n": n})) == f"{n} commitment{'s' if n > 1 else ''}"


def test_commitment_count_snippets_match_the_templates():
    from django.conf import settings

    base = settings.BASE_DIR / "commitments/templates/commitments"
    assert (
        COMMITMENT_COUNT.removeprefix("{% load i18n %}").replace("count n=n", "count n=s.missed_count")
        in (base / "_dashboard_body.html").read_text()
    )
    assert (
        OVERDUE_LINE.removeprefix("{% load i18n %}").replace(
            "org=org count n=n", "org=row.organization.name count n=row.count"
        )
        in (base / "email/reminder_body.txt").read_text()
    )


@pytest.mark.parametrize(
    "n, start", [(1, "التزام واحد بلا"), (2, "التزامان بلا"), (3, "3 التزامات بلا"), (11, "11 التزامًا بلا")]
)
def test_scorecard_count_reads_naturally_in_arabic(n, start):
    from django.conf import settings
    from django.template import Context, Template
    from django.utils import translation

    # The scorecard's sentence, taken from its template.
    source = (settings.BASE_DIR / "commitments/templates/commitments/_scorecard_body.html").read_text()
    sentence = re.search(r"{% blocktranslate with since=.*?{% endblocktranslate %}", source).group(0)
    sentence = sentence.replace('reporting_since|date:"DATE_FORMAT"', "since").replace(
        "count n=missed_count", "count n=n"
    )
    with translation.override("ar"):
        text = Template("{% load i18n %}" + sentence).render(Context({"n": n, "since": "3 ديسمبر 2026"}))
    assert text.startswith(start), text
