"""The directory and the organisation page run the same number of queries whatever the registry's size."""

import itertools

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import services
from portal.models import OrganizationKind, Role, Standing

from .factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = list(OrganizationKind.values)
STANDINGS = [Standing.SUPPORTER, Standing.ENDORSES, Standing.SUSPENDED, Standing.APPLICANT]


def _registry_of(size: int):
    OrganizationFactory.create_batch(
        size,
        kind=factory.Iterator(KINDS),
        standing=factory.Iterator(STANDINGS),
        country=factory.Iterator(["NZ", "FR", "JO", "CA"]),
    )


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/organisations/",
        "/organisations/?kind=provider&standing=supporter",
        "/organisations/?country=NZ&q=Organisation&page=2",
        "/",
    ],
)
def test_directory_queries_do_not_grow(client, django_assert_max_num_queries, url):
    _registry_of(10)
    small = _count_queries(client, url)
    _registry_of(190)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200
    assert small <= 4


def test_organisation_page_queries_do_not_grow(client, django_assert_max_num_queries):
    secretariat = UserFactory(is_secretariat=True)
    organization = OrganizationFactory(name="Streamwave")
    viewer = MembershipFactory(organization=organization, role=Role.MEMBER).user
    client.force_login(viewer)
    url = reverse("portal:organization_detail", args=[organization.slug])
    _registry_of(10)
    MembershipFactory.create_batch(3, organization=organization)
    small = _count_queries(client, url)

    _registry_of(190)
    MembershipFactory.create_batch(40, organization=organization)
    for standing in (Standing.SUSPENDED, Standing.SUPPORTER, Standing.WITHDRAWN, Standing.SUPPORTER):
        services.change_standing(actor=secretariat, organization=organization, standing=standing, reason="history")
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("history") >= 4


@pytest.mark.parametrize("viewer", ["anonymous", "verified_outsider"])
def test_organisation_page_queries_for_visitors(client, django_assert_max_num_queries, viewer):
    organization = OrganizationFactory(name="Streamwave")
    if viewer != "anonymous":
        client.force_login(UserFactory())
    url = reverse("portal:organization_detail", args=[organization.slug])
    _registry_of(10)
    small = _count_queries(client, url)
    _registry_of(190)
    MembershipFactory.create_batch(20, organization=organization)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200


_serial = itertools.count()


def _busy_organization(organization, *, members: int, joiners: int, invitations: int):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    MembershipFactory.create_batch(members, organization=organization)
    for _ in range(joiners):
        services.request_to_join(applicant=UserFactory(), organization=organization, message="Hello")
    for _ in range(invitations):
        services.invite_member(actor=admin, organization=organization, email=f"invitee{next(_serial)}@example.org")
    for _ in range(joiners):
        services.apply_for_organization(applicant=UserFactory(), name=f"Applicant {next(_serial)}", kind="partner")
    return admin


@pytest.mark.parametrize("page_name", ["manage", "review_queue", "audit_log", "my_organizations", "api_tokens"])
def test_working_pages_queries_do_not_grow(client, page_name):
    secretariat = SecretariatFactory()
    organization = OrganizationFactory(name="Streamwave")
    _busy_organization(organization, members=2, joiners=1, invitations=1)
    client.force_login(secretariat)
    services.create_api_token(user=secretariat, name="one")
    url = {
        "manage": reverse("portal:organization_manage", args=[organization.slug]),
        "review_queue": reverse("portal:review_queue"),
        "audit_log": reverse("portal:audit_log"),
        "my_organizations": reverse("portal:my_organizations"),
        "api_tokens": reverse("portal:api_tokens"),
    }[page_name]
    small = _count_queries(client, url)

    _busy_organization(organization, members=30, joiners=15, invitations=15)
    for n in range(15):
        MembershipFactory(user=secretariat, organization=OrganizationFactory(), role=Role.MEMBER)
        services.create_api_token(user=secretariat, name=f"token {n}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= small
