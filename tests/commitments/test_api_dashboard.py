"""GET /api/v1/dashboard/ (#15 API parity): the dashboard's totals as the caller may see them."""

import pytest

from portal.models import OrganizationKind, Role
from tests.helpers.api_client import api

from .factories import accepted, implementation_of, member_of, supporter

pytestmark = pytest.mark.django_db


def row(body, code):
    return next(r for r in body["commitments"] if r["code"] == code)


def test_totals_follow_the_callers_audience(catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER)
    reporter = member_of(provider, Role.REPORTER)
    accepted(reporter, implementation_of(provider, "OSP1"), secretariat, status="limited", progress=30)
    accepted(
        reporter,
        implementation_of(provider, "OSP2"),
        secretariat,
        status="substantial",
        progress=70,
        visibility="supporters",
    )
    public = api().get("/api/v1/dashboard/").json()
    assert row(public, "OSP1")["counts"]["limited"] == 1 and row(public, "OSP1")["average_progress"] == 30
    assert row(public, "OSP2")["counts"]["substantial"] == 0  # shared with supporters only
    own = api(reporter).get("/api/v1/dashboard/").json()
    assert row(own, "OSP2")["counts"]["substantial"] == 1 and row(own, "OSP2")["average_progress"] == 70
    assert public["series"] and {"date", "average"} <= set(public["series"][-1])


def test_filters(catalogue, secretariat):
    provider = supporter(kind=OrganizationKind.PROVIDER, country="NZ")
    accepted(member_of(provider, Role.REPORTER), implementation_of(provider, "OSP1"), secretariat)
    client = api()
    assert row(client.get("/api/v1/dashboard/", {"country": "nz"}).json(), "OSP1")["total"] == 1
    assert row(client.get("/api/v1/dashboard/", {"country": "FR"}).json(), "OSP1")["total"] == 0
    assert row(client.get("/api/v1/dashboard/", {"kind": "government"}).json(), "OSP1")["total"] == 0


@pytest.mark.parametrize("query", [{"country": "New Zealand"}, {"country": "1Z"}, {"kind": "pirate"}])
def test_bad_filters_are_a_clear_400(catalogue, query):
    response = api().get("/api/v1/dashboard/", query)
    assert response.status_code == 400
    assert set(response.json()) & set(query)


def test_fixed_queries(catalogue, django_assert_max_num_queries):
    for i in range(3):
        supporter(name=f"Supporter {i}")
    with django_assert_max_num_queries(8):
        assert api().get("/api/v1/dashboard/").status_code == 200
