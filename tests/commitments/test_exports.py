import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from commitments.services import create_transparency_report, publish_transparency_report
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import OrganizationFactory, UserFactory

from .factories import accepted, implementation_of, member_of, record
from .test_transparency import FULL, LAST_YEAR

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def export(client, what, fmt, **params):
    return client.get(reverse(f"commitments:export_{what}", args=[fmt]), params)


def progress_rows(client):
    return list(csv.DictReader(io.StringIO(body(export(client, "progress", "csv")))))


@pytest.fixture
def secret_progress(reporter, osp1, secretariat):
    accepted(reporter, osp1, secretariat, status="limited", progress=20)
    accepted(reporter, osp1, secretariat, status="substantial", progress=87, visibility="secretariat")
    record(reporter, osp1, status="substantial", progress=95)  # awaiting review: nobody's figure yet
    return osp1


def osp1_row(rows, org):
    return next(r for r in rows if r["commitment"] == "OSP1" and r["organization_slug"] == org.slug)


def test_secretariat_only_progress_never_reaches_other_roles(
    client, provider, secret_progress, government_reporter, secretariat
):
    civil = OrganizationFactory(kind=OrganizationKind.CIVIL_SOCIETY, standing=Standing.SUPPORTER)
    others = [None, government_reporter, member_of(civil), UserFactory()]
    for user in others:
        client.logout()
        if user:
            client.force_login(user)
        row = osp1_row(progress_rows(client), provider)
        assert (row["status"], row["progress"]) == ("limited", "20"), user
        data = json.loads(body(export(client, "progress", "json")))
        assert (
            next(r for r in data if r["commitment"] == "OSP1" and r["organization_slug"] == provider.slug)["progress"]
            == 20
        )
    for user in (secretariat, member_of(provider, Role.MEMBER)):
        client.force_login(user)
        row = osp1_row(progress_rows(client), provider)
        assert (row["status"], row["progress"]) == ("substantial", "87")


def test_export_agrees_with_the_api(client, provider, secret_progress, government_reporter):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(government_reporter)
    client.force_login(government_reporter)
    data = json.loads(body(export(client, "progress", "json", kind="provider")))
    listed = api.get("/api/v1/implementations/", {"kind": "provider", "page_size": 200}).json()
    assert len(data) == listed["count"]
    by_id = {(r["organization_slug"], r["commitment"]): r["progress"] for r in data}
    for item in listed["results"]:
        assert by_id[(item["organization"]["slug"], item["commitment"]["code"])] == item["progress"]


def test_headers_and_formula_cells(client, catalogue, secretariat):
    org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER, name="=HYPERLINK(1)")
    from commitments.services import ensure_implementations

    ensure_implementations(organization=org)
    response = export(client, "progress", "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="progress.csv"'
    text = body(response)
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text
    assert client.get("/commitments/export/progress.xml").status_code == 404
    assert export(client, "progress", "csv", kind="bogus", country="<>").status_code == 200


def test_transparency_export_has_published_reports_only(client, provider, reporter, government, government_reporter):
    report = create_transparency_report(
        actor=reporter, organization=provider, period_kind="year", year=LAST_YEAR, metrics=FULL
    )
    publish_transparency_report(actor=reporter, report=report)
    create_transparency_report(
        actor=reporter, organization=provider, period_kind="quarter", year=LAST_YEAR, number=2,
        metrics={"appeals": 424242},
    )  # fmt: skip
    gov = create_transparency_report(
        actor=government_reporter, organization=government, period_kind="year", year=LAST_YEAR,
        metrics={"referrals_sent": 9, "legal_requests_sent": 1},
    )  # fmt: skip
    publish_transparency_report(actor=government_reporter, report=gov)
    client.force_login(reporter)  # even its own draft stays out of the export
    rows = list(csv.DictReader(io.StringIO(body(export(client, "transparency", "csv")))))
    assert len(rows) == 2 and "424242" not in str(rows)
    provider_row = next(r for r in rows if r["organization_slug"] == provider.slug)
    assert provider_row["appeals"] == "40" and provider_row["referrals_sent"] == ""
    data = json.loads(body(export(client, "transparency", "json", kind="government")))
    assert [r["referrals_sent"] for r in data] == [9]
    # ISO 8601 in both formats, with the T and the offset (#12 "one clock").
    assert "T" in provider_row["published_at"] and provider_row["published_at"].endswith("+00:00")
    report.refresh_from_db()
    assert datetime.datetime.fromisoformat(provider_row["published_at"]) == report.published_at


@pytest.mark.parametrize("n_orgs", [1, 4])
def test_export_query_count_is_fixed(client, catalogue, secretariat, n_orgs, django_assert_max_num_queries):
    for _ in range(n_orgs):
        org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
        from commitments.services import ensure_implementations

        ensure_implementations(organization=org)
        accepted(member_of(org, Role.REPORTER), implementation_of(org, "OSP1"), secretariat)
    with django_assert_max_num_queries(3):
        assert len(progress_rows(client)) == n_orgs * (len(catalogue) - _not_for_providers(catalogue))


def _not_for_providers(catalogue):
    return sum(1 for c in catalogue.values() if "provider" not in c.kinds)


@pytest.mark.django_db(transaction=True)
async def test_export_streams_under_asgi(async_client, catalogue):
    from asgiref.sync import sync_to_async

    from commitments.services import ensure_implementations

    org = await sync_to_async(OrganizationFactory)(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    await sync_to_async(ensure_implementations)(organization=org)
    response = await async_client.get(reverse("commitments:export_progress", args=["json"]))
    assert response.status_code == 200 and response.is_async
    chunks = [chunk async for chunk in response.streaming_content]
    data = json.loads(b"".join(chunks))
    assert {row["organization_slug"] for row in data} == {org.slug}
