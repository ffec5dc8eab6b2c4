"""Services: inviting colleagues by email, and accepting or revoking an invitation."""

import threading
from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from portal import permissions, services
from portal.models import AuditEvent, Invitation, Membership, Role, Standing, User

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return MembershipFactory(role=Role.ADMIN, organization__name="Streamwave").user


@pytest.fixture
def organization(admin):
    return admin.memberships.get().organization


@pytest.fixture
def invitee():
    return UserFactory(email="kai@streamwave.example")


@pytest.fixture
def invitation(admin, organization):
    return services.invite_member(
        actor=admin, organization=organization, email="Kai@Streamwave.example", roles=["reporter"]
    )


@pytest.fixture
def token(invitation):
    return services.invitation_token(invitation)


def _still_open(invitation):
    invitation.refresh_from_db()
    return invitation.is_open


# --- invite_member -----------------------------------------------------------------------


def test_an_admin_invites_by_email(admin, organization, invitation):
    assert (invitation.organization, invitation.email, invitation.role, invitation.invited_by) == (
        organization,
        "kai@streamwave.example",
        Role.REPORTER,
        admin,
    )
    assert timedelta(days=13) < invitation.expires_at - timezone.now() <= timedelta(days=14)
    assert invitation.is_open
    event = AuditEvent.objects.get(action="invitation.sent")
    assert (event.actor, event.organization, event.target, event.data) == (
        admin,
        organization,
        "kai@streamwave.example",
        {"roles": ["reporter"]},
    )


def test_the_link_names_the_invitation(invitation, token):
    assert services.get_invitation_from_token(token) == invitation
    assert services.invitation_url(invitation).endswith(f"/invitations/{token}/")


def test_the_secretariat_may_invite(organization):
    secretariat = UserFactory(is_secretariat=True)
    invitation = services.invite_member(actor=secretariat, organization=organization, email="kai@streamwave.example")
    assert invitation.role == Role.MEMBER


@pytest.mark.parametrize("role", [Role.REPORTER, Role.RESPONDER, Role.MEMBER])
def test_only_admins_invite(organization, role):
    colleague = MembershipFactory(organization=organization, role=role).user
    with pytest.raises(PermissionDenied):
        services.invite_member(actor=colleague, organization=organization, email="kai@streamwave.example")
    assert not Invitation.objects.exists()


def test_an_admin_of_another_organisation_cannot_invite(organization):
    outsider = MembershipFactory(role=Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        services.invite_member(actor=outsider, organization=organization, email="kai@streamwave.example")
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("not-an-address", Role.MEMBER, "email"), ("", Role.MEMBER, "email"), ("kai@example.org", "owner", "roles")],
)
def test_invite_refuses_bad_input(admin, organization, email, role, field):
    with pytest.raises(ValidationError) as caught:
        services.invite_member(actor=admin, organization=organization, email=email, roles=[role])
    assert field in caught.value.message_dict
    assert not Invitation.objects.exists()


def test_invite_refuses_someone_already_a_member(admin, organization):
    colleague = MembershipFactory(organization=organization, user__email="liam@streamwave.example").user
    with pytest.raises(ValidationError):
        services.invite_member(actor=admin, organization=organization, email=colleague.email.upper())
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("standing", [Standing.APPLICANT, Standing.SUSPENDED, Standing.WITHDRAWN])
def test_only_participants_invite(standing):
    membership = MembershipFactory(role=Role.ADMIN, organization=OrganizationFactory(standing=standing))
    with pytest.raises(ValidationError):
        services.invite_member(actor=membership.user, organization=membership.organization, email="kai@example.org")
    assert not Invitation.objects.exists()


# --- accept_invitation ---------------------------------------------------------------------


def test_accepting_makes_the_invitee_a_member_with_the_invited_role(organization, invitation, invitee, token):
    assert permissions.roles_in(invitee, organization) is None  # fills the cache the service must forget
    membership = services.accept_invitation(user=invitee, token=token)

    assert (membership.user, membership.organization, membership.role) == (invitee, organization, Role.REPORTER)
    assert permissions.roles_in(invitee, organization) == (Role.REPORTER,)
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.accepted_at is not None, invitation.is_open) == (invitee, True, False)
    event = AuditEvent.objects.get(action="membership.created")
    assert (event.actor, event.organization, event.data) == (
        invitee,
        organization,
        {"roles": ["reporter"], "via": "invitation"},
    )


def test_the_email_match_ignores_case(organization, invitation, token):
    user = UserFactory(email="KAI@streamwave.example")
    assert services.accept_invitation(user=user, token=token).organization == organization


def test_an_invitation_for_someone_else_is_refused(invitation, token):
    stranger = UserFactory(email="eve@example.org")
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user=stranger, token=token)
    assert "kai@streamwave.example" in caught.value.messages[0]
    assert not Membership.objects.filter(user=stranger).exists()
    assert _still_open(invitation)  # the right person can still use it


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: str(int(token.split(":")[0]) + 1) + ":" + token.split(":")[1],  # another id, same signature
        lambda token: signing.Signer(salt="another.purpose").sign(token.split(":")[0]),  # signed for something else
        lambda token: token.split(":")[0],  # no signature at all
        lambda token: "garbage",
        lambda token: "",
    ],
)
def test_a_tampered_link_is_refused(invitation, invitee, token, tamper):
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user=invitee, token=tamper(token))
    assert caught.value.messages == ["This invitation link is not valid."]
    assert not Membership.objects.filter(user=invitee).exists()
    assert _still_open(invitation)


def test_a_validly_signed_link_to_a_missing_invitation_is_refused(invitee):
    token = signing.Signer(salt=services.INVITATION_SALT).sign("999999")
    with pytest.raises(ValidationError):
        services.accept_invitation(user=invitee, token=token)


def test_an_expired_invitation_is_refused(invitation, invitee, token):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user=invitee, token=token)
    assert "expired" in caught.value.messages[0]
    assert not Membership.objects.filter(user=invitee).exists()


def test_an_invitation_works_once(organization, invitation, invitee, token):
    services.accept_invitation(user=invitee, token=token)
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user=invitee, token=token)
    assert "already been used" in caught.value.messages[0]
    assert Membership.objects.filter(user=invitee, organization=organization).count() == 1
    assert AuditEvent.objects.filter(action="membership.created").count() == 1


def test_a_revoked_invitation_is_refused(admin, invitation, invitee, token):
    services.revoke_invitation(actor=admin, invitation=invitation)
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user=invitee, token=token)
    assert "withdrawn" in caught.value.messages[0]
    assert not Membership.objects.filter(user=invitee).exists()


def test_accepting_when_already_a_member_keeps_the_role(organization, invitation, invitee, token):
    existing = MembershipFactory(user=invitee, organization=organization, role=Role.RESPONDER)
    membership = services.accept_invitation(user=invitee, token=token)
    assert (membership.pk, membership.role) == (existing.pk, Role.RESPONDER)
    assert not AuditEvent.objects.filter(action="membership.created").exists()
    assert not _still_open(invitation)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_use_the_invitation_once(monkeypatch):
    admin = MembershipFactory(role=Role.ADMIN, organization__name="Streamwave").user
    organization = admin.memberships.get().organization
    invitee = UserFactory(email="kai@streamwave.example")
    invitation = services.invite_member(actor=admin, organization=organization, email=invitee.email)
    token = services.invitation_token(invitation)

    both_checked = threading.Barrier(2, timeout=30)
    real_lookup = services.get_invitation_from_token

    def lookup_then_wait(token):
        found = real_lookup(token)
        both_checked.wait()  # each request has validated the link before either uses it
        return found

    monkeypatch.setattr(services.invitations, "get_invitation_from_token", lookup_then_wait)
    outcomes = []

    def open_link():
        try:
            services.accept_invitation(user=User.objects.get(pk=invitee.pk), token=token)
            outcomes.append("accepted")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=open_link) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["This invitation has already been used.", "accepted"]
    assert Membership.objects.filter(user=invitee, organization=organization).count() == 1
    assert AuditEvent.objects.filter(action="membership.created", target=invitee.email).count() == 1


# --- revoke_invitation -------------------------------------------------------------------------


def test_revoking_is_audited_once(admin, invitation):
    services.revoke_invitation(actor=admin, invitation=invitation)
    services.revoke_invitation(actor=admin, invitation=invitation)
    assert not _still_open(invitation)
    events = AuditEvent.objects.filter(action="invitation.revoked")
    assert [(e.actor, e.target) for e in events] == [(admin, "kai@streamwave.example")]


def test_only_admins_revoke(organization, invitation):
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    with pytest.raises(PermissionDenied):
        services.revoke_invitation(actor=member, invitation=invitation)
    assert _still_open(invitation)


def test_a_used_invitation_cannot_be_revoked(admin, invitation, invitee, token):
    services.accept_invitation(user=invitee, token=token)
    services.revoke_invitation(actor=admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Membership.objects.filter(user=invitee).exists()
