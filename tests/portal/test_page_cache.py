"""The cached directory and organisations list (portal.page_cache): organisation and
membership changes show at once; one caller's list is never another's."""

import pytest
from django.test import Client

from portal import services
from portal.models import Role, Standing
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_directory_shows_a_renamed_organisation_at_once(client, secretariat):
    organization = OrganizationFactory(name="Old Name Ltd", standing=Standing.SUPPORTER)
    assert "Old Name Ltd" in client.get("/organisations/").content.decode()
    services.update_organization(actor=secretariat, organization=organization, name="New Name Ltd")
    html = client.get("/organisations/").content.decode()
    assert "New Name Ltd" in html and "Old Name Ltd" not in html


def test_directory_follows_a_standing_change_at_once(client, secretariat):
    organization = OrganizationFactory(name="Leaving Soon", standing=Standing.SUPPORTER)
    assert "Leaving Soon" in client.get("/organisations/?standing=supporter").content.decode()
    services.change_standing(actor=secretariat, organization=organization, standing=Standing.WITHDRAWN)
    assert "Leaving Soon" not in client.get("/organisations/?standing=supporter").content.decode()


def test_directory_is_cached_per_filter_and_language(client):
    OrganizationFactory(name="Alpha Gov", kind="government", standing=Standing.SUPPORTER)
    OrganizationFactory(name="Beta Stream", kind="provider", standing=Standing.SUPPORTER)
    assert "Beta Stream" not in client.get("/organisations/?kind=government").content.decode()
    assert "Alpha Gov" not in client.get("/organisations/?kind=provider").content.decode()
    french = client.get("/organisations/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get("/organisations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Directory of supporters" in english and "Directory of supporters" not in french


def test_a_bad_filter_is_still_an_error_when_cached(client):
    for _attempt in range(2):
        response = client.get("/organisations/?kind=nonsense")
        assert response.status_code == 200
        assert "<title>Error:" in response.content.decode()


def test_organisations_api_list_is_per_caller(client):
    applicant = OrganizationFactory(name="Not Yet Public", standing=Standing.APPLICANT)
    member = MembershipFactory(organization=applicant, role=Role.MEMBER).user
    own = Client()
    own.force_login(member)

    def names(c):
        return {row["name"] for row in c.get("/api/v1/organizations/").json()["results"]}

    assert "Not Yet Public" in names(own)
    assert "Not Yet Public" not in names(client)
    outsider = Client()
    outsider.force_login(UserFactory())
    assert "Not Yet Public" not in names(outsider)


def test_a_new_membership_shows_in_the_organisations_api_at_once(secretariat):
    applicant = OrganizationFactory(name="Joined Today", standing=Standing.APPLICANT)
    user = UserFactory()
    c = Client()
    c.force_login(user)
    assert "Joined Today" not in {row["name"] for row in c.get("/api/v1/organizations/").json()["results"]}
    MembershipFactory(organization=applicant, user=user, role=Role.MEMBER)
    assert "Joined Today" in {row["name"] for row in c.get("/api/v1/organizations/").json()["results"]}


@pytest.mark.parametrize("url", ["/organisations/", "/organisations/?kind=government&page=2", "/api/v1/organizations/"])
def test_cached_registry_lists_run_no_query_for_a_visitor(client, django_assert_max_num_queries, url):
    for n in range(30):
        OrganizationFactory(name=f"Org {n:02d}", kind="government", standing=Standing.SUPPORTER)
    client.get(url)
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200


def test_profile_shares_only_its_public_part(secretariat):
    organization = OrganizationFactory(name="Profiled Org", standing=Standing.SUPPORTER)
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    own = Client()
    own.force_login(admin)
    url = f"/organisations/{organization.slug}/"
    assert "You are a member of this organisation" in own.get(url).content.decode()
    assert admin.email in own.get(url).content.decode()  # admins see members' addresses
    html = Client().get(url).content.decode()
    assert "Profiled Org" in html
    assert "You are a member of this organisation" not in html and admin.email not in html
    services.change_standing(actor=secretariat, organization=organization, standing=Standing.SUSPENDED, reason="Paused")
    assert "Paused" in Client().get(url).content.decode()


def test_a_cached_profile_runs_one_query_for_a_visitor(client, django_assert_max_num_queries):
    organization = OrganizationFactory(standing=Standing.SUPPORTER)
    url = f"/organisations/{organization.slug}/"
    client.get(url)
    with django_assert_max_num_queries(1):  # the organisation, to authorise the page
        assert client.get(url).status_code == 200


def test_a_cached_entry_costs_one_cache_read_and_is_never_served_after_its_data_changed(monkeypatch):
    from django.core.cache import caches

    from portal import page_cache

    reads, depth = [], [0]
    backend = type(caches["default"])

    def counted(method, original):
        def read(self, *args, **kwargs):
            if not depth[0]:  # LocMemCache's get_many calls its get: count what the caller asked
                reads.append(method)
            depth[0] += 1
            try:
                return original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        return read

    for method in ("get", "get_many"):
        monkeypatch.setattr(backend, method, counted(method, getattr(backend, method)))

    def value(made):
        return page_cache.cached_value(
            "test", audience="public:", parts=("x",), version_names=(page_cache.REGISTRY,), compute=lambda: made
        )

    assert value("first") == "first"
    reads.clear()
    assert value("second") == "first"
    assert reads == ["get_many"]  # the versions and the entry together
    page_cache.bump(page_cache.REGISTRY)
    assert value("third") == "third"
    assert value("fourth") == "third"


def test_an_api_list_is_cached_as_the_json_sent_and_per_rendering(client):
    OrganizationFactory(name="Listed Here", standing=Standing.SUPPORTER)
    compact = client.get("/api/v1/organizations/")
    again = client.get("/api/v1/organizations/")
    assert compact["Content-Type"] == "application/json"
    assert again.content == compact.content and b"\n" not in compact.content
    indented = client.get("/api/v1/organizations/", HTTP_ACCEPT="application/json; indent=2")
    assert indented.json() == compact.json() and b'\n  "count"' in indented.content
    browsable = client.get("/api/v1/organizations/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200 and "Listed Here" in browsable.content.decode()
    assert client.get("/api/v1/organizations/").content == compact.content
