"""API lists run the same number of queries with 10 and with 200 organisations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal import services
from portal.models import Organization, Role, StandingChange

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 6


def token_client(user) -> APIClient:
    _token, key = services.create_api_token(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/tokens/")  # the first use stamps last_used_at; later requests write nothing
    return client


def grow_registry_to(count: int, *, member) -> None:
    """Supporters up to `count`, each with an admin and a standing history; `member` belongs to all."""
    for _ in range(count - Organization.objects.count()):
        organization = OrganizationFactory()
        MembershipFactory(organization=organization, role=Role.ADMIN)
        MembershipFactory(organization=organization, user=member, role=Role.REPORTER)
        StandingChange.objects.create(organization=organization, to_standing="applicant")
        StandingChange.objects.create(organization=organization, from_standing="applicant", to_standing="supporter")


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.fixture
def member():
    return UserFactory()


@pytest.mark.parametrize(
    ("caller", "url"),
    [
        ("anonymous", "/api/v1/organizations/?page_size=200"),
        ("member", "/api/v1/organizations/?page_size=200&ordering=-created_at"),
        ("secretariat", "/api/v1/organizations/?page_size=200&country=nz"),
        ("member", "/api/v1/memberships/?page_size=200"),
        ("secretariat", "/api/v1/memberships/?page_size=200&role=admin"),
        ("member", "/api/v1/tokens/?page_size=200"),
    ],
)
def test_list_query_count_does_not_grow_with_the_registry(
    caller, url, member, secretariat, django_assert_max_num_queries
):
    client = {"anonymous": APIClient(), "member": token_client(member), "secretariat": token_client(secretariat)}[
        caller
    ]
    grow_registry_to(10, member=member)
    small = queries_for(client, url)

    grow_registry_to(200, member=member)
    for _ in range(30):
        services.create_api_token(user=member, name="more")
    with django_assert_max_num_queries(MAX_QUERIES):
        large = queries_for(client, url)

    assert large == small
    assert len(client.get(url).json()["results"]) > 10


def test_organization_detail_query_count_does_not_grow_with_its_history(member, django_assert_max_num_queries):
    organization = OrganizationFactory()
    client = token_client(member)
    url = f"/api/v1/organizations/{organization.pk}/"
    small = queries_for(client, url)

    for _ in range(50):
        StandingChange.objects.create(organization=organization, to_standing="supporter")
    with django_assert_max_num_queries(MAX_QUERIES):
        large = queries_for(client, url)

    assert large == small
