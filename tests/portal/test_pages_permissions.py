"""Who may open which registry page: every page and action by every kind of visitor, as one table."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from portal import services
from portal.models import Role, Standing

from .factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db

VISITORS = ("anonymous", "applicant", "member", "reporter", "admin", "other_admin", "secretariat")

# page: (method, expected status for each visitor, in the order of VISITORS).
# 302 for anonymous is the redirect to sign in; 302 for a POST that others may do is its success redirect.
MATRIX = {
    "home": ("get", (200, 200, 200, 200, 200, 200, 200)),
    "directory": ("get", (200, 200, 200, 200, 200, 200, 200)),
    "organization": ("get", (200, 200, 200, 200, 200, 200, 200)),
    "pending_organization": ("get", (404, 404, 404, 404, 404, 404, 200)),
    "manage": ("get", (302, 403, 403, 403, 200, 403, 200)),
    "apply": ("get", (302, 200, 200, 200, 200, 200, 200)),
    "my_organizations": ("get", (302, 200, 200, 200, 200, 200, 200)),
    "dashboard": ("get", (302, 302, 302, 302, 302, 302, 302)),
    "review_queue": ("get", (302, 403, 403, 403, 200, 200, 200)),
    "audit_log": ("get", (302, 403, 403, 403, 403, 403, 200)),
    "api_tokens": ("get", (302, 200, 200, 200, 200, 200, 200)),
    "invite": ("post", (302, 403, 403, 403, 302, 403, 302)),
    "change_role": ("post", (302, 404, 403, 403, 302, 404, 302)),
    "approve_join_request": ("post", (302, 404, 404, 404, 302, 404, 302)),
    "approve_new_organization": ("post", (302, 403, 404, 404, 404, 404, 302)),
    "change_standing": ("post", (302, 403, 403, 403, 403, 403, 302)),
}


@dataclass
class Registry:
    organization: object
    pending_application: object
    join_request: object
    users: dict
    member_membership: object


@pytest.fixture
def registry():
    organization = OrganizationFactory(name="Streamwave", standing=Standing.SUPPORTER)
    users = {
        "anonymous": None,
        "applicant": UserFactory(),
        "member": MembershipFactory(organization=organization, role=Role.MEMBER).user,
        "reporter": MembershipFactory(organization=organization, role=Role.REPORTER).user,
        "admin": MembershipFactory(organization=organization, role=Role.ADMIN).user,
        "other_admin": MembershipFactory(organization__name="Other Org", role=Role.ADMIN).user,
        "secretariat": UserFactory(is_secretariat=True),
    }
    make_totp(users["secretariat"])
    pending = services.apply_for_organization(applicant=users["applicant"], name="Kestrel Streams", kind="provider")
    join_request = services.request_to_join(applicant=UserFactory(), organization=organization)
    return Registry(
        organization=organization,
        pending_application=pending,
        join_request=join_request,
        users=users,
        member_membership=users["member"].memberships.get(),
    )


def _request(registry: Registry, page_name: str, method: str):
    slug = registry.organization.slug
    if page_name == "organization":
        return reverse("portal:organization_detail", args=[slug]), {}
    if page_name == "pending_organization":
        return reverse("portal:organization_detail", args=[registry.pending_application.organization.slug]), {}
    if page_name == "manage":
        return reverse("portal:organization_manage", args=[slug]), {}
    if page_name == "invite":
        return reverse("portal:organization_invite", args=[slug]), {"email": "new@example.org"}
    if page_name == "change_role":
        url = reverse("portal:membership_role", args=[slug, registry.member_membership.pk])
        return url, {"roles": ["reporter"]}
    if page_name == "approve_join_request":
        return reverse("portal:application_approve", args=[registry.join_request.pk]), {}
    if page_name == "approve_new_organization":
        return reverse("portal:application_approve", args=[registry.pending_application.pk]), {"standing": "supporter"}
    if page_name == "change_standing":
        return reverse("portal:change_standing"), {
            "organization": registry.organization.pk,
            "standing": "suspended",
            "reason": "Matrix",
        }
    return reverse(f"portal:{page_name}"), {}


CASES = [
    pytest.param(page_name, visitor, expected[i], id=f"{page_name}-{visitor}")
    for page_name, (_method, expected) in MATRIX.items()
    for i, visitor in enumerate(VISITORS)
]


@pytest.mark.parametrize(("page_name", "visitor", "expected"), CASES)
def test_permission_matrix(client, registry, page_name, visitor, expected):
    method = MATRIX[page_name][0]
    user = registry.users[visitor]
    if user is not None:
        client.force_login(user)
    url, data = _request(registry, page_name, method)
    response = getattr(client, method)(url, data)
    assert response.status_code == expected
    if visitor == "anonymous" and expected == 302:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "page_name", ["review_queue", "audit_log", "manage", "change_standing", "approve_new_organization"]
)
def test_secretariat_without_two_factor_is_sent_to_set_it_up(client, registry, page_name):
    secretariat = UserFactory(is_secretariat=True)
    client.force_login(secretariat)
    url, data = _request(registry, page_name, MATRIX[page_name][0])
    response = getattr(client, MATRIX[page_name][0])(url, data)
    assert response.status_code == 302
    # A page opened with GET also carries itself as `next`, to come back to afterwards.
    assert response["Location"].split("?next=")[0] == reverse("mfa_activate_totp")
    registry.organization.refresh_from_db()
    assert registry.organization.standing == Standing.SUPPORTER
    page_after = client.get(reverse("portal:home")).content.decode()
    assert "Secretariat pages require two-factor authentication." in page_after


def test_members_list_only_for_members_and_secretariat_with_addresses_for_admins(client, registry):
    url = reverse("portal:organization_detail", args=[registry.organization.slug])
    reporter = registry.users["reporter"]
    for viewer, sees_name, sees_email in [
        (None, False, False),
        ("other_admin", False, False),
        ("member", True, False),  # a fellow member sees the name, not the address
        ("admin", True, True),
        ("secretariat", True, True),
    ]:
        if viewer:
            client.force_login(registry.users[viewer])
        page = client.get(url).content.decode()
        assert (reporter.display_name in page) is sees_name, viewer
        assert (reporter.email in page) is sees_email, viewer


def test_request_to_join_button_only_for_verified_non_members(client, registry):
    url = reverse("portal:organization_detail", args=[registry.organization.slug])
    assert "Request to join" not in client.get(url).content.decode()
    client.force_login(registry.users["member"])
    assert "Request to join" not in client.get(url).content.decode()
    client.force_login(registry.users["applicant"])
    assert "Request to join" in client.get(url).content.decode()
    client.force_login(UserFactory(verified=False))
    body = client.get(url).content.decode()
    assert "Request to join" not in body
    assert "Verify your email address" in body


def test_review_queue_shows_admins_only_their_join_requests(client, registry):
    client.force_login(registry.users["admin"])
    body = client.get(reverse("portal:review_queue")).content.decode()
    assert "Request to join Streamwave" in body
    assert "Kestrel Streams" not in body
    client.force_login(registry.users["other_admin"])
    body = client.get(reverse("portal:review_queue")).content.decode()
    assert "Nothing is waiting for review." in body
    client.force_login(registry.users["secretariat"])
    body = client.get(reverse("portal:review_queue")).content.decode()
    assert "New organisation: Kestrel Streams" in body
    assert "Request to join Streamwave" in body
