"""Several roles per membership: portal.roles answers "holds role X" for rows and querysets,
the services, API and pages read and write roles as a list."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from portal import permissions, services
from portal.models import AuditEvent, Membership, Role
from portal.roles import clean_roles, holding, holds

from .factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return OrganizationFactory(name="Streamwave", slug="streamwave")


@pytest.fixture
def admin(organization):
    return MembershipFactory(organization=organization, role=Role.ADMIN).user


@pytest.fixture
def one_person(organization):
    """A one-person platform's reporter who also responds."""
    return MembershipFactory(organization=organization, roles=[Role.REPORTER, Role.RESPONDER])


def test_a_membership_holds_each_of_its_roles_and_member(one_person):
    assert one_person.roles == [Role.REPORTER, Role.RESPONDER]
    assert holds(one_person, Role.REPORTER) and holds(one_person, Role.RESPONDER) and holds(one_person, Role.MEMBER)
    assert not holds(one_person, Role.ADMIN)
    assert holds(one_person, Role.ADMIN, Role.RESPONDER)  # any of them
    assert not holds(None, Role.MEMBER)  # not a member at all
    assert one_person.role == Role.REPORTER  # deprecated: the first held


def test_querysets_find_the_holders_of_a_role(organization, admin, one_person):
    plain = MembershipFactory(organization=organization, role=Role.MEMBER)
    by_role = {role: set(Membership.objects.filter(holding(role)).values_list("pk", flat=True)) for role in Role.values}
    admin_membership = admin.memberships.get()
    assert by_role == {
        Role.ADMIN: {admin_membership.pk},
        Role.REPORTER: {one_person.pk},
        Role.RESPONDER: {one_person.pk},
        Role.MEMBER: {admin_membership.pk, one_person.pk, plain.pk},
    }
    assert plain.roles == [Role.MEMBER]


def test_roles_are_checked_in_permissions(organization, one_person):
    user = one_person.user
    assert permissions.roles_in(user, organization) == (Role.REPORTER, Role.RESPONDER)
    assert permissions.must_use_two_factor(user)  # a responder, whatever else they are
    assert not permissions.can_manage_members(user, organization)


@pytest.mark.parametrize("bad", [[], ["owner"], "admin", None, 3, [Role.ADMIN, "owner"], [{"role": "admin"}]], ids=repr)
def test_clean_roles_refuses_bad_input(bad):
    with pytest.raises(ValidationError) as caught:
        clean_roles(bad)
    assert "roles" in caught.value.message_dict


def test_clean_roles_orders_and_deduplicates():
    assert clean_roles([Role.RESPONDER, Role.REPORTER, Role.RESPONDER]) == [Role.REPORTER, Role.RESPONDER]


def test_an_admin_gives_a_member_two_roles_and_it_is_audited(admin, organization):
    membership = MembershipFactory(organization=organization, role=Role.MEMBER)
    services.change_roles(actor=admin, membership=membership, roles=[Role.RESPONDER, Role.REPORTER])
    membership.refresh_from_db()
    assert membership.roles == [Role.REPORTER, Role.RESPONDER]
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.data == {"before": ["member"], "after": ["reporter", "responder"]}


def test_the_last_admin_keeps_admin_while_adding_roles(admin, organization):
    membership = admin.memberships.get()
    services.change_roles(actor=admin, membership=membership, roles=[Role.ADMIN, Role.RESPONDER])
    with pytest.raises(ValidationError):
        services.change_roles(actor=admin, membership=membership, roles=[Role.RESPONDER])
    membership.refresh_from_db()
    assert membership.roles == [Role.ADMIN, Role.RESPONDER]


def test_an_invitation_carries_several_roles_to_the_membership(admin, organization):
    from tests.portal.factories import UserFactory

    invitee = UserFactory(email="kai@streamwave.example")
    invitation = services.invite_member(
        actor=admin, organization=organization, email=invitee.email, roles=[Role.REPORTER, Role.RESPONDER]
    )
    membership = services.accept_invitation(user=invitee, token=services.invitation_token(invitation))
    assert membership.roles == [Role.REPORTER, Role.RESPONDER]


# --- API ----------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_lists_roles_and_filters_by_any_role_held(admin, organization, one_person):
    client = api(admin)
    listed = client.get("/api/v1/memberships/").json()["results"]
    own = next(m for m in listed if m["id"] == one_person.pk)
    assert (own["roles"], own["role"]) == (["reporter", "responder"], "reporter")
    for role in ("reporter", "responder"):
        found = client.get(f"/api/v1/memberships/?role={role}").json()["results"]
        assert [m["id"] for m in found] == [one_person.pk]
    assert len(client.get("/api/v1/memberships/?role=member").json()["results"]) == 2


def test_the_api_sets_several_roles_and_refuses_bad_lists(admin, one_person):
    client = api(admin)
    url = f"/api/v1/memberships/{one_person.pk}/"
    for bad in ([], ["owner"], "responder"):
        response = client.patch(url, {"roles": bad}, format="json")
        assert response.status_code == 400 and "roles" in response.json()
    one_person.refresh_from_db()
    assert one_person.roles == [Role.REPORTER, Role.RESPONDER]  # nothing changed
    response = client.patch(url, {"roles": ["admin", "responder"]}, format="json")
    assert response.status_code == 200 and response.json()["roles"] == ["admin", "responder"]


def test_the_membership_list_has_a_fixed_number_of_queries(admin, organization, django_assert_max_num_queries):
    client = api(admin)
    for size in (2, 8):
        while organization.memberships.count() < size:
            MembershipFactory(organization=organization, roles=[Role.REPORTER, Role.RESPONDER])
        with django_assert_max_num_queries(6):
            assert len(client.get("/api/v1/memberships/").json()["results"]) == size


# --- Pages --------------------------------------------------------------------------------


def test_the_members_page_offers_checkboxes_and_saves_two_roles(client, admin, organization):
    membership = MembershipFactory(organization=organization, role=Role.MEMBER)
    client.force_login(admin)
    page = client.get(reverse("portal:organization_manage", args=[organization.slug])).content.decode()
    assert 'type="checkbox" name="roles" value="responder"' in page
    client.post(
        reverse("portal:membership_role", args=[organization.slug, membership.pk]),
        {"roles": [Role.REPORTER, Role.RESPONDER]},
    )
    membership.refresh_from_db()
    assert membership.roles == [Role.REPORTER, Role.RESPONDER]
    page = client.get(reverse("portal:organization_manage", args=[organization.slug])).content.decode()
    assert page.count('value="responder" checked') == 1
    # Ticking none makes a plain member.
    client.post(reverse("portal:membership_role", args=[organization.slug, membership.pk]), {})
    membership.refresh_from_db()
    assert membership.roles == [Role.MEMBER]


def test_the_invitation_form_takes_several_roles(client, admin, organization):
    client.force_login(admin)
    client.post(
        reverse("portal:organization_invite", args=[organization.slug]),
        {"email": "new@example.org", "roles": [Role.REPORTER, Role.RESPONDER]},
    )
    assert organization.invitations.get().roles == [Role.REPORTER, Role.RESPONDER]
