"""Services: changing a member's role and removing a member; the last admin stays."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import permissions, services, signals
from portal.models import AuditEvent, Membership, Role

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_membership():
    return MembershipFactory(role=Role.ADMIN, organization__name="Streamwave")


@pytest.fixture
def admin(admin_membership):
    return admin_membership.user


@pytest.fixture
def member_membership(admin_membership):
    return MembershipFactory(organization=admin_membership.organization, role=Role.MEMBER)


@pytest.fixture
def access_announcements():
    received = []

    def on_access(sender, signal, user_ids, **kwargs):
        received.append(sorted(user_ids))

    signals.access_changed.connect(on_access)
    yield received
    signals.access_changed.disconnect(on_access)


def _role(membership):
    return Membership.objects.get(pk=membership.pk).role


# --- change_roles -----------------------------------------------------------------------


def test_an_admin_changes_a_role_and_it_is_audited(admin, member_membership):
    colleague = member_membership.user
    assert permissions.roles_in(colleague, member_membership.organization) == (Role.MEMBER,)
    services.change_roles(actor=admin, membership=member_membership, roles=[Role.RESPONDER])

    assert _role(member_membership) == Role.RESPONDER
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.actor, event.organization, event.target, event.data) == (
        admin,
        member_membership.organization,
        colleague.email,
        {"before": ["member"], "after": ["responder"]},
    )


def test_the_same_role_again_records_nothing(admin, member_membership):
    services.change_roles(actor=admin, membership=member_membership, roles=[Role.MEMBER])
    assert not AuditEvent.objects.exists()


def test_the_last_admin_cannot_be_demoted(admin, admin_membership):
    with pytest.raises(ValidationError):
        services.change_roles(actor=admin, membership=admin_membership, roles=[Role.MEMBER])
    assert _role(admin_membership) == Role.ADMIN
    assert not AuditEvent.objects.exists()


def test_the_secretariat_cannot_demote_the_last_admin_either(admin_membership):
    with pytest.raises(ValidationError):
        services.change_roles(
            actor=UserFactory(is_secretariat=True), membership=admin_membership, roles=[Role.REPORTER]
        )
    assert _role(admin_membership) == Role.ADMIN


def test_an_admin_may_step_down_once_there_is_another(admin, admin_membership, member_membership):
    services.change_roles(actor=admin, membership=member_membership, roles=[Role.ADMIN])
    services.change_roles(actor=admin, membership=admin_membership, roles=[Role.MEMBER])
    assert (_role(admin_membership), _role(member_membership)) == (Role.MEMBER, Role.ADMIN)


def test_change_role_refuses_an_unknown_role(admin, member_membership):
    with pytest.raises(ValidationError):
        services.change_roles(actor=admin, membership=member_membership, roles=["owner"])
    assert _role(member_membership) == Role.MEMBER


@pytest.mark.parametrize("role", [Role.REPORTER, Role.RESPONDER, Role.MEMBER])
def test_only_admins_change_roles(admin_membership, member_membership, role):
    colleague = MembershipFactory(organization=admin_membership.organization, role=role).user
    with pytest.raises(PermissionDenied):
        services.change_roles(actor=colleague, membership=member_membership, roles=[Role.ADMIN])
    assert _role(member_membership) == Role.MEMBER


def test_an_admin_of_another_organisation_cannot_change_roles(member_membership):
    outsider = MembershipFactory(role=Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        services.change_roles(actor=outsider, membership=member_membership, roles=[Role.ADMIN])
    assert _role(member_membership) == Role.MEMBER


def test_the_secretariat_may_change_roles(member_membership):
    secretariat = UserFactory(is_secretariat=True)
    services.change_roles(actor=secretariat, membership=member_membership, roles=[Role.REPORTER])
    assert _role(member_membership) == Role.REPORTER
    assert AuditEvent.objects.get(action="membership.role_changed").actor == secretariat


def test_a_role_change_is_announced_after_commit(
    admin, member_membership, access_announcements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.change_roles(actor=admin, membership=member_membership, roles=[Role.REPORTER])
    assert access_announcements == []
    for callback in callbacks:
        callback()
    assert access_announcements == [[member_membership.user_id]]


# --- remove_member ---------------------------------------------------------------------------


def test_an_admin_removes_a_member_and_it_is_audited(admin, member_membership):
    services.remove_member(actor=admin, membership=member_membership)
    assert not Membership.objects.filter(pk=member_membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert (event.actor, event.organization, event.target, event.data) == (
        admin,
        member_membership.organization,
        member_membership.user.email,
        {"roles": ["member"]},
    )


def test_a_member_may_leave(member_membership):
    services.remove_member(actor=member_membership.user, membership=member_membership)
    assert not Membership.objects.filter(pk=member_membership.pk).exists()
    assert AuditEvent.objects.get(action="membership.removed").actor == member_membership.user


def test_the_last_admin_cannot_be_removed(admin, admin_membership):
    for actor in (admin, UserFactory(is_secretariat=True)):
        with pytest.raises(ValidationError):
            services.remove_member(actor=actor, membership=admin_membership)
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
    assert not AuditEvent.objects.exists()


def test_an_admin_may_leave_once_there_is_another(admin, admin_membership):
    MembershipFactory(organization=admin_membership.organization, role=Role.ADMIN)
    services.remove_member(actor=admin, membership=admin_membership)
    assert not Membership.objects.filter(pk=admin_membership.pk).exists()


def test_a_member_cannot_remove_a_colleague(admin_membership, member_membership):
    colleague = MembershipFactory(organization=admin_membership.organization, role=Role.REPORTER).user
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=colleague, membership=member_membership)
    assert Membership.objects.filter(pk=member_membership.pk).exists()


def test_an_admin_of_another_organisation_cannot_remove(member_membership):
    outsider = MembershipFactory(role=Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=outsider, membership=member_membership)
    assert Membership.objects.filter(pk=member_membership.pk).exists()


def test_removing_twice_records_one_removal(admin, member_membership):
    stale = Membership.objects.get(pk=member_membership.pk)
    services.remove_member(actor=admin, membership=member_membership)
    services.remove_member(actor=admin, membership=stale)
    assert AuditEvent.objects.filter(action="membership.removed").count() == 1


def test_a_removal_is_announced_after_commit(
    admin, member_membership, access_announcements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.remove_member(actor=admin, membership=member_membership)
    assert access_announcements == []
    for callback in callbacks:
        callback()
    assert access_announcements == [[member_membership.user_id]]
