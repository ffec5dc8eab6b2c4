import datetime

import pytest
from django.urls import reverse

from commitments.models import Implementation
from commitments.selectors import chart_dates, community_progress_series
from tests.portal.factories import UserFactory

from .factories import accepted, implementation_of

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 5, 20)


def test_chart_dates_are_quarter_ends_then_today():
    dates = chart_dates(TODAY, quarters=3)
    assert dates == [datetime.date(2025, 9, 30), datetime.date(2025, 12, 31), datetime.date(2026, 3, 31), TODAY]


def test_series_follows_the_latest_visible_update_per_implementation(provider, reporter, secretariat, monkeypatch):
    osp1, osp2 = implementation_of(provider, "OSP1"), implementation_of(provider, "OSP2")
    n = Implementation.objects.filter(organization=provider, commitment__is_active=True).count()
    accepted(reporter, osp1, secretariat, progress=40, as_of=datetime.date(2025, 8, 1))
    accepted(reporter, osp1, secretariat, progress=60, as_of=datetime.date(2026, 1, 5))
    accepted(reporter, osp2, secretariat, progress=30, as_of=datetime.date(2025, 11, 1))
    accepted(reporter, osp2, secretariat, progress=90, as_of=datetime.date(2026, 2, 1), visibility="secretariat")

    public = {p["date"]: p["average"] for p in community_progress_series(None, today=TODAY)}
    assert public[datetime.date(2025, 6, 30)] == 0
    assert public[datetime.date(2025, 9, 30)] == round(40 / n, 1)
    assert public[datetime.date(2025, 12, 31)] == round(70 / n, 1)
    assert public[TODAY] == round(90 / n, 1)  # 60 + 30: the secretariat-only 90 does not count
    secret = {p["date"]: p["average"] for p in community_progress_series(secretariat, today=TODAY)}
    assert secret[TODAY] == round(150 / n, 1)


def test_cached_series_is_refreshed_after_an_acceptance(
    provider, reporter, secretariat, django_capture_on_commit_callbacks
):
    osp1 = implementation_of(provider, "OSP1")
    before = community_progress_series(None, today=TODAY)[-1]["average"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted(reporter, osp1, secretariat, progress=100, status="complete", as_of=datetime.date(2026, 5, 1))
    assert community_progress_series(None, today=TODAY)[-1]["average"] > before


def test_dashboard_draws_the_chart_with_a_table(client, provider, reporter, secretariat):
    accepted(reporter, implementation_of(provider, "OSP1"), secretariat, progress=50)
    html = client.get(reverse("commitments:dashboard")).content.decode()
    assert 'class="line-chart"' in html and "<polyline" in html and "Show as a table" in html
    ar = client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in ar and "<polyline" in ar


@pytest.mark.parametrize("n_orgs", [1, 5])
def test_dashboard_queries_do_not_grow_cold_cache(client, catalogue, n_orgs, django_assert_max_num_queries):
    from commitments.services import ensure_implementations
    from portal.models import OrganizationKind, Role, Standing
    from tests.portal.factories import OrganizationFactory

    from .factories import member_of

    secretariat = UserFactory(is_secretariat=True)
    for _ in range(n_orgs):
        org = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
        ensure_implementations(organization=org)
        reporter = member_of(org, Role.REPORTER)
        for code in ("OSP1", "J1"):
            accepted(reporter, implementation_of(org, code), secretariat)
    from django.core.cache import cache

    cache.clear()
    # The country menu (the countries present: one indexed DISTINCT) is the one query not cached.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("commitments:dashboard")).status_code == 200
    with django_assert_max_num_queries(4):  # the chart comes from the cache
        assert client.get(reverse("commitments:dashboard")).status_code == 200


def test_an_update_dated_before_others_is_counted_in_its_place(provider, reporter, secretariat):
    osp1 = implementation_of(provider, "OSP1")
    n = Implementation.objects.filter(organization=provider, commitment__is_active=True).count()
    later = accepted(reporter, osp1, secretariat, progress=80, as_of=datetime.date(2026, 2, 1))
    accepted(reporter, osp1, secretariat, progress=40, as_of=datetime.date(2025, 8, 1))
    later.refresh_from_db()
    assert (later.delta_public, later.delta_all) == (40, 40)
    series = {p["date"]: p["average"] for p in community_progress_series(None, today=TODAY)}
    assert series[datetime.date(2025, 9, 30)] == round(40 / n, 1)
    assert series[TODAY] == round(80 / n, 1)
    osp1.refresh_from_db()
    assert osp1.latest_public_id == later.pk
