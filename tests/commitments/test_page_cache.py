"""Cached progress pages (portal.page_cache): a fragment rendered for one audience is never
served to another, a write shows at once, and personal parts stay out of fragments."""

import datetime
import re

import pytest
from django.test import Client

from commitments.services import edit_progress
from portal.models import OrganizationKind, Role, Standing
from tests.portal.factories import OrganizationFactory

from .factories import accepted, member_of, record, yesterday

pytestmark = pytest.mark.django_db


@pytest.fixture
def osp1_progress(reporter, osp1, secretariat):
    """OSP1 accepted at 20 % (public), 40 % (supporters) and 90 % (secretariat only), and a draft."""
    day = yesterday()
    accepted(reporter, osp1, secretariat, progress=20, as_of=day - datetime.timedelta(days=3))
    accepted(reporter, osp1, secretariat, progress=40, visibility="supporters", as_of=day - datetime.timedelta(days=2))
    accepted(reporter, osp1, secretariat, status="substantial", progress=90, visibility="secretariat")
    draft = record(reporter, osp1, progress=95, status="substantial", narrative="Draft only the members see.")
    return osp1, draft


@pytest.fixture
def audiences(provider, secretariat):
    """A client per audience: the secretariat, the provider's own member, another supporter's member, anonymous."""
    other = OrganizationFactory(kind=OrganizationKind.GOVERNMENT, standing=Standing.SUPPORTER)
    clients = {}
    for name, user in [
        ("secretariat", secretariat),
        ("own member", member_of(provider, Role.MEMBER)),
        ("other supporter", member_of(other, Role.MEMBER)),
        ("anonymous", None),
    ]:
        clients[name] = Client()
        if user is not None:
            clients[name].force_login(user)
    return clients


def osp1_average(client) -> int:
    html = client.get("/commitments/").content.decode()
    match = re.search(r'OSP1</span>.*?data-label="Average progress">(\d+)%', html, re.DOTALL)
    assert match, "OSP1's row is on the dashboard"
    return int(match.group(1))


def api_progress(client, implementation_id: int) -> int:
    rows = client.get("/api/v1/implementations/?page_size=200").json()["results"]
    return next(row["progress"] for row in rows if row["id"] == implementation_id)


# Highest audience first: each later request would get the fragment above it if keys were too coarse.
EXPECTED = {"secretariat": 90, "own member": 90, "other supporter": 40, "anonymous": 20}


def test_dashboard_fragment_is_never_served_to_another_audience(osp1_progress, audiences):
    for name, client in audiences.items():
        assert osp1_average(client) == EXPECTED[name], name
    for name, client in reversed(audiences.items()):  # and again, every fragment now cached
        assert osp1_average(client) == EXPECTED[name], name
    review_link = "/commitments/review/"
    assert review_link in audiences["secretariat"].get("/commitments/").content.decode()
    for name in ("own member", "other supporter", "anonymous"):
        assert review_link not in audiences[name].get("/commitments/").content.decode(), name


def test_implementations_api_list_is_never_served_to_another_audience(osp1_progress, audiences):
    osp1, _draft = osp1_progress
    for _round in range(2):
        for name, client in audiences.items():
            assert api_progress(client, osp1.pk) == EXPECTED[name], name


def test_scorecard_drafts_stay_with_the_organisation(osp1_progress, audiences, provider):
    url = f"/commitments/organisations/{provider.slug}/"
    for _round in range(2):
        for name, client in audiences.items():
            html = client.get(url).content.decode()
            assert ("Draft only the members see." in html) == (name in ("secretariat", "own member")), name


def test_an_acceptance_shows_at_once(osp1_progress, audiences, reporter, secretariat):
    osp1, _draft = osp1_progress
    anonymous = audiences["anonymous"]
    assert osp1_average(anonymous) == 20
    assert api_progress(anonymous, osp1.pk) == 20
    accepted(reporter, osp1, secretariat, progress=60, status="substantial", narrative="Public at sixty.")
    assert osp1_average(anonymous) == 60
    assert api_progress(anonymous, osp1.pk) == 60
    assert "Public at sixty." in anonymous.get(f"/commitments/organisations/{osp1.organization.slug}/").content.decode()


def test_an_edit_of_a_draft_shows_at_once(osp1_progress, audiences, reporter):
    osp1, draft = osp1_progress
    member = audiences["own member"]
    url = f"/commitments/organisations/{osp1.organization.slug}/"
    assert "Draft only the members see." in member.get(url).content.decode()
    edit_progress(actor=reporter, update=draft, narrative="The draft, edited.")
    html = member.get(url).content.decode()
    assert "The draft, edited." in html
    assert "Draft only the members see." not in html


def test_a_catalogue_edit_shows_at_once(osp1_progress, audiences, secretariat, catalogue):
    from commitments.services import retire_commitment

    anonymous = audiences["anonymous"]
    assert "OSP1</span>" in anonymous.get("/commitments/").content.decode()
    retire_commitment(actor=secretariat, commitment=catalogue["OSP1"])
    assert "OSP1</span>" not in anonymous.get("/commitments/").content.decode()


def test_personal_parts_stay_outside_the_fragment(provider):
    """Two members of one organisation share the dashboard's fragment, never each other's menu or token."""
    first, second = member_of(provider, Role.MEMBER), member_of(provider, Role.MEMBER)
    pages = {}
    for user in (first, second):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        pages[user] = client.get("/commitments/").content.decode()
    assert first.email in pages[first] and second.email not in pages[first]
    assert second.email in pages[second] and first.email not in pages[second]
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page) for page in pages.values()]
    assert all(tokens) and tokens[0] != tokens[1]


@pytest.mark.parametrize("url", ["/commitments/", "/api/v1/implementations/"])
def test_a_cached_page_runs_no_query_for_a_visitor(osp1_progress, client, django_assert_max_num_queries, url):
    client.get(url)
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200


def test_a_cached_scorecard_runs_one_query_for_a_visitor(osp1_progress, client, django_assert_max_num_queries):
    url = f"/commitments/organisations/{osp1_progress[0].organization.slug}/"
    client.get(url)
    with django_assert_max_num_queries(1):  # the organisation, to authorise and title the page
        assert client.get(url).status_code == 200


def test_a_cached_dashboard_costs_a_member_only_the_audience_query(
    osp1_progress, provider, client, django_assert_max_num_queries
):
    client.force_login(member_of(provider, Role.MEMBER))
    client.get("/commitments/")
    with django_assert_max_num_queries(3):  # session, user, the viewer's memberships
        assert client.get("/commitments/").status_code == 200


def test_hand_built_implementation_rows_equal_the_declared_fields(osp1_progress, government, secretariat):
    from rest_framework import serializers

    from commitments.api.serializers import ImplementationSerializer
    from commitments.selectors import list_implementations_for

    serializer = ImplementationSerializer()
    rows = list(list_implementations_for(secretariat, with_reporting=True))
    assert len(rows) > 10
    for row in rows:
        assert serializer.to_representation(row) == serializers.Serializer.to_representation(serializer, row)
