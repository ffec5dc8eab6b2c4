"""The registry API follows the secretariat pages' rule: a secretariat user without TOTP
is refused (403, with what to do) on every write, and nothing changes; once TOTP exists the
same request goes through. Reads stay open, and others are not affected."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from portal.models import Invitation, Membership, Organization, OrganizationKind, Role, Standing
from portal.webhooks import services as webhook_services
from portal.webhooks.models import WebhookEndpoint
from tests.helpers.two_factor import assert_api_refused_until_totp, fresh

from .factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

HOOK = "http://127.0.0.1:9/hook"


@dataclass
class Scene:
    organization: Organization
    admin_membership: Membership
    member_membership: Membership
    endpoint: WebhookEndpoint


@pytest.fixture
def scene(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # never called: the test's transaction never commits
    organization = OrganizationFactory(name="Streamwave", kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)
    member = MembershipFactory(organization=organization, role=Role.MEMBER)
    endpoint, _secret = webhook_services.create_endpoint(
        actor=admin.user, organization=organization, url=HOOK, events=["incident.item"]
    )
    return Scene(organization, admin, member, endpoint)


# (method, path, JSON body, whether the change happened)
CASES = {
    "create_organization": (
        "post",
        lambda s: "/api/v1/organizations/",
        lambda s: {"name": "Ministry of Digital Affairs", "kind": "government"},
        lambda s: Organization.objects.filter(name="Ministry of Digital Affairs").exists(),
    ),
    "edit_organization": (
        "patch",
        lambda s: f"/api/v1/organizations/{s.organization.pk}/",
        lambda s: {"description": "Edited by the secretariat."},
        lambda s: fresh(s.organization).description == "Edited by the secretariat.",
    ),
    "change_standing": (
        "post",
        lambda s: f"/api/v1/organizations/{s.organization.pk}/standing/",
        lambda s: {"standing": Standing.SUSPENDED, "reason": "Terms breached"},
        lambda s: fresh(s.organization).standing == Standing.SUSPENDED,
    ),
    "invite": (
        "post",
        lambda s: f"/api/v1/organizations/{s.organization.pk}/invitations/",
        lambda s: {"email": "newcomer@example.org"},
        lambda s: Invitation.objects.filter(organization=s.organization, email="newcomer@example.org").exists(),
    ),
    "change_role": (
        "patch",
        lambda s: f"/api/v1/memberships/{s.member_membership.pk}/",
        lambda s: {"roles": [Role.REPORTER]},
        lambda s: fresh(s.member_membership).role == Role.REPORTER,
    ),
    "remove_member": (
        "delete",
        lambda s: f"/api/v1/memberships/{s.member_membership.pk}/",
        lambda s: None,
        lambda s: not Membership.objects.filter(pk=s.member_membership.pk).exists(),
    ),
    "create_webhook": (
        "post",
        lambda s: "/api/v1/webhooks/",
        lambda s: {"organization": s.organization.pk, "url": "http://127.0.0.1:9/other", "events": ["incident.item"]},
        lambda s: WebhookEndpoint.objects.filter(url="http://127.0.0.1:9/other").exists(),
    ),
    "edit_webhook": (
        "patch",
        lambda s: f"/api/v1/webhooks/{s.endpoint.pk}/",
        lambda s: {"description": "Edited by the secretariat."},
        lambda s: fresh(s.endpoint).description == "Edited by the secretariat.",
    ),
    "delete_webhook": (
        "delete",
        lambda s: f"/api/v1/webhooks/{s.endpoint.pk}/",
        lambda s: None,
        lambda s: not WebhookEndpoint.objects.filter(pk=s.endpoint.pk).exists(),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_secretariat_session_without_totp_is_refused_until_it_exists(scene, secretary_without_totp, name):
    assert_api_refused_until_totp(secretary_without_totp, CASES[name], scene)


def test_reads_stay_open_to_a_secretariat_without_totp(scene, secretary_without_totp):
    client = APIClient()
    client.force_login(secretary_without_totp)
    assert client.get(f"/api/v1/organizations/{scene.organization.pk}/").status_code == 200
    assert client.get(f"/api/v1/memberships/{scene.member_membership.pk}/").status_code == 200
    assert client.get(f"/api/v1/webhooks/{scene.endpoint.pk}/").status_code == 200


def test_an_admin_without_totp_still_manages_their_own_organisation(scene):
    """The rule is the secretariat's: an organisation's admin needs no second factor here."""
    client = APIClient()
    client.force_login(scene.admin_membership.user)
    response = client.patch(
        f"/api/v1/memberships/{scene.member_membership.pk}/", {"roles": [Role.REPORTER]}, format="json"
    )
    assert response.status_code == 200
    assert fresh(scene.member_membership).role == Role.REPORTER
