import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commitments.models import ReportState, TransparencyReport
from commitments.services import create_transparency_report, publish_transparency_report, update_transparency_report
from portal.models import OrganizationKind, Role, Standing
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import member_of

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
FULL = {
    "tvec_items_actioned": 1200,
    "share_found_proactively": 93.5,
    "accounts_actioned": 310,
    "appeals": 40,
    "reinstatements": 4,
    "livestreams_interrupted": 2,
}


def draft(actor, org, *, period_kind="quarter", year=LAST_YEAR, number=1, metrics=None):
    return create_transparency_report(
        actor=actor, organization=org, period_kind=period_kind, year=year, number=number,
        metrics=FULL if metrics is None else metrics,
    )  # fmt: skip


def published(actor, org, **kwargs):
    return publish_transparency_report(actor=actor, report=draft(actor, org, **kwargs))


def test_draft_then_publish(reporter, provider):
    report = draft(reporter, provider, metrics={"appeals": 3})
    assert report.state == ReportState.DRAFT and report.metrics["appeals"] == 3
    assert report.metrics["reinstatements"] is None
    assert (report.period_start, report.period_end) == (
        datetime.date(LAST_YEAR, 1, 1),
        datetime.date(LAST_YEAR, 3, 31),
    )
    with pytest.raises(ValidationError) as exc:  # every figure before publishing
        publish_transparency_report(actor=reporter, report=report)
    assert "tvec_items_actioned" in exc.value.message_dict
    report = update_transparency_report(actor=reporter, report=report, metrics=FULL)
    report = publish_transparency_report(actor=reporter, report=report)
    assert report.state == ReportState.PUBLISHED and report.published_at
    with pytest.raises(ValidationError):
        update_transparency_report(actor=reporter, report=report, metrics={"appeals": 1})
    with pytest.raises(ValidationError):
        publish_transparency_report(actor=reporter, report=report)
    report.refresh_from_db()
    assert report.metrics["appeals"] == 40


@pytest.mark.parametrize(
    ("metrics", "field"),
    [
        ({"appeals": -1}, "appeals"),
        ({"appeals": 2.5}, "appeals"),
        ({"appeals": "12"}, "appeals"),
        ({"appeals": True}, "appeals"),
        ({"share_found_proactively": 101}, "share_found_proactively"),
        ({"share_found_proactively": -0.1}, "share_found_proactively"),
        ({"appeals": 3, "reinstatements": 4}, "reinstatements"),
        ({"tvec_items_actioned": 0, "share_found_proactively": 50}, "share_found_proactively"),
        ({"referrals_sent": 4}, "metrics"),
    ],
)
def test_bad_metrics_are_refused(reporter, provider, metrics, field):
    with pytest.raises(ValidationError) as exc:
        draft(reporter, provider, metrics=metrics)
    assert field in exc.value.message_dict
    assert not TransparencyReport.objects.exists()


@pytest.mark.parametrize(
    ("period_kind", "year", "number"),
    [("quarter", LAST_YEAR, 5), ("half", LAST_YEAR, 3), ("year", LAST_YEAR, 2), ("month", LAST_YEAR, 1),
     ("year", LAST_YEAR + 2, 1), ("year", 1999, 1), ("quarter", "2020", 1)],
)  # fmt: skip
def test_bad_periods_are_refused(reporter, provider, period_kind, year, number):
    with pytest.raises(ValidationError):
        draft(reporter, provider, period_kind=period_kind, year=year, number=number)
    assert not TransparencyReport.objects.exists()


def test_current_period_cannot_be_published_yet_and_periods_are_unique(reporter, provider):
    this_year = draft(reporter, provider, period_kind="year", year=LAST_YEAR + 1)
    with pytest.raises(ValidationError, match="period is over"):
        publish_transparency_report(actor=reporter, report=this_year)
    draft(reporter, provider)
    with pytest.raises(ValidationError, match="already exists"):
        draft(reporter, provider)


def test_only_own_reporters_and_admins_write(provider, government_reporter):
    with pytest.raises(PermissionDenied):
        draft(member_of(provider, Role.MEMBER), provider)
    with pytest.raises(PermissionDenied):
        draft(government_reporter, provider)
    draft(member_of(provider, Role.ADMIN), provider)


def test_government_metrics_and_kinds_without_metrics(government, government_reporter):
    report = draft(government_reporter, government, metrics={"referrals_sent": 12, "legal_requests_sent": 3})
    assert report.metrics == {"referrals_sent": 12, "legal_requests_sent": 3}
    partner = OrganizationFactory(kind=OrganizationKind.PARTNER, standing=Standing.SUPPORTER)
    with pytest.raises(ValidationError, match="No transparency metrics"):
        draft(member_of(partner, Role.REPORTER), partner, metrics={})


def test_api_drafts_are_private_published_are_public(reporter, provider, government_reporter, secretariat):
    response = api(reporter).post(
        "/api/v1/transparency-reports/",
        {"organization": provider.pk, "period_kind": "half", "year": LAST_YEAR, "number": 1, "metrics": FULL},
        format="json",
    )
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["metric_labels"]["appeals"] == "Appeals"
    for outsider in (None, government_reporter, secretariat):
        assert api(outsider).get("/api/v1/transparency-reports/").data["count"] == 0
        assert api(outsider).get(f"/api/v1/transparency-reports/{pk}/").status_code == 404
    assert api(government_reporter).post(f"/api/v1/transparency-reports/{pk}/publish/").status_code == 404
    assert api(member_of(provider)).post(f"/api/v1/transparency-reports/{pk}/publish/").status_code == 403
    bad = api(reporter).patch(f"/api/v1/transparency-reports/{pk}/", {"metrics": {"appeals": -3}}, format="json")
    assert bad.status_code == 400 and "appeals" in bad.data
    assert api(reporter).post(f"/api/v1/transparency-reports/{pk}/publish/").status_code == 200
    assert api().get("/api/v1/transparency-reports/").data["count"] == 1
    assert api().get("/api/v1/transparency-reports/", {"period_kind": "half", "year": LAST_YEAR}).data["count"] == 1
    assert api().get("/api/v1/transparency-reports/", {"year": "soon"}).status_code == 400
    again = api(reporter).patch(f"/api/v1/transparency-reports/{pk}/", {"metrics": {"appeals": 1}}, format="json")
    assert again.status_code == 400


def test_api_bad_input(reporter, provider, government):
    body = {"organization": provider.pk, "period_kind": "quarter", "year": LAST_YEAR, "number": 1}
    for overrides in ({"metrics": "lots"}, {"metrics": {"appeals": "x"}}, {"period_kind": "decade"},
                      {"number": 9}, {"organization": 999999}, {"organization": "abc"}):  # fmt: skip
        response = api(reporter).post("/api/v1/transparency-reports/", {**body, **overrides}, format="json")
        assert response.status_code in (400, 404), (overrides, response.status_code)
    response = api(reporter).post("/api/v1/transparency-reports/", {**body, "organization": government.pk})
    assert response.status_code == 403
    assert not TransparencyReport.objects.exists()


def test_organisation_page_charts_published_metrics(client, reporter, provider):
    published(reporter, provider, number=1, metrics={**FULL, "appeals": 40})
    published(reporter, provider, number=2, metrics={**FULL, "appeals": 55})
    draft(reporter, provider, number=3, metrics={"appeals": 987654})
    url = reverse("commitments:transparency", args=[provider.slug])
    html = client.get(url).content.decode()
    assert "<svg" in html and "polyline" in html
    assert f"{LAST_YEAR} Q1" in html and "55" in html and "987654" not in html
    client.force_login(reporter)
    html = client.get(url).content.decode()
    assert f"{LAST_YEAR} Q3" in html and "987654" not in html  # drafts listed, never charted
    assert client.get(url, {"period": "nonsense"}).status_code == 200
    fr = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Recours" in fr.content.decode()


def test_report_form_pages(client, reporter, provider, government_reporter):
    client.force_login(reporter)
    url = reverse("commitments:new_report", args=[provider.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"period_kind": "quarter", "year": LAST_YEAR, "number": 1, "appeals": "-1"})
    assert response.status_code == 200 and not TransparencyReport.objects.exists()
    response = client.post(url, {"period_kind": "quarter", "year": LAST_YEAR, "number": 1, "appeals": "4"})
    assert response.status_code == 302
    report = TransparencyReport.objects.get()
    edit = reverse("commitments:edit_report", args=[report.pk])
    data = {key: str(value) for key, value in FULL.items()}
    assert client.post(edit, {**data, "publish": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.PUBLISHED
    assert client.get(edit).status_code == 403
    client.force_login(government_reporter)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("n", [1, 4])
def test_list_and_page_query_counts(client, reporter, provider, n, django_assert_max_num_queries):
    for number in range(1, n + 1):
        published(reporter, provider, number=number)
    with django_assert_max_num_queries(4):
        assert api().get("/api/v1/transparency-reports/").data["count"] == n
    with django_assert_max_num_queries(6):
        assert client.get(reverse("commitments:transparency", args=[provider.slug])).status_code == 200
