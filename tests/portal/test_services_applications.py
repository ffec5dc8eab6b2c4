"""Services: asking to join, and the review of applications (approve, endorse, reject)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import permissions, services
from portal.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditEvent,
    Membership,
    Role,
    Standing,
    StandingChange,
)

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant():
    return UserFactory()


@pytest.fixture
def pending_new_organization(applicant):
    return services.apply_for_organization(applicant=applicant, name="Kestrel Streams", kind="provider", country="CA")


@pytest.fixture
def supporter_admin():
    return MembershipFactory(role=Role.ADMIN, organization__name="Streamwave").user


@pytest.fixture
def supporter(supporter_admin):
    return supporter_admin.memberships.get().organization


@pytest.fixture
def pending_join(applicant, supporter):
    return services.request_to_join(applicant=applicant, organization=supporter, message="New on the team")


def _actions(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id").values_list("action", "actor"))


# --- request_to_join -----------------------------------------------------------------


def test_request_to_join_creates_one_pending_request(applicant, supporter):
    application = services.request_to_join(applicant=applicant, organization=supporter, message="Hello")
    assert (application.kind, application.status, application.message) == (
        ApplicationKind.JOIN,
        ApplicationStatus.PENDING,
        "Hello",
    )
    event = AuditEvent.objects.get(action="application.submitted")
    assert (event.actor, event.organization, event.target, event.data) == (
        applicant,
        supporter,
        applicant.email,
        {"kind": "join"},
    )


def test_asking_twice_leaves_one_pending_request(applicant, supporter):
    services.request_to_join(applicant=applicant, organization=supporter)
    with pytest.raises(ValidationError):
        services.request_to_join(applicant=applicant, organization=supporter)
    assert Application.objects.filter(applicant=applicant, status=ApplicationStatus.PENDING).count() == 1
    assert AuditEvent.objects.filter(action="application.submitted").count() == 1


def test_a_member_cannot_ask_to_join_again(supporter_admin, supporter):
    with pytest.raises(ValidationError):
        services.request_to_join(applicant=supporter_admin, organization=supporter)
    assert not Application.objects.exists()


@pytest.mark.parametrize("standing", [Standing.APPLICANT, Standing.REJECTED, Standing.SUSPENDED, Standing.WITHDRAWN])
def test_only_participants_take_join_requests(applicant, standing):
    organization = OrganizationFactory(standing=standing)
    with pytest.raises(ValidationError):
        services.request_to_join(applicant=applicant, organization=organization)
    assert not Application.objects.exists()


def test_an_endorser_takes_join_requests(applicant):
    endorser = OrganizationFactory(standing=Standing.ENDORSES)
    assert services.request_to_join(applicant=applicant, organization=endorser).status == ApplicationStatus.PENDING


def test_an_unverified_user_cannot_ask_to_join(supporter):
    with pytest.raises(PermissionDenied):
        services.request_to_join(applicant=UserFactory(verified=False), organization=supporter)
    assert not Application.objects.exists()


def test_after_a_rejection_one_may_ask_again(secretariat, applicant, supporter, pending_join):
    services.reject_application(actor=secretariat, application=pending_join, reason="Unknown to us")
    again = services.request_to_join(applicant=applicant, organization=supporter)
    assert again.status == ApplicationStatus.PENDING


# --- approve_application -------------------------------------------------------------------


def test_approval_as_supporter_makes_the_applicant_admin(secretariat, applicant, pending_new_organization):
    application = services.approve_application(actor=secretariat, application=pending_new_organization)

    organization = application.organization
    organization.refresh_from_db()
    assert organization.standing == Standing.SUPPORTER
    assert (application.status, application.decided_by, application.decided_at is not None) == (
        ApplicationStatus.APPROVED,
        secretariat,
        True,
    )
    assert Membership.objects.get(user=applicant, organization=organization).role == Role.ADMIN
    change = organization.standing_changes.last()
    assert (change.from_standing, change.to_standing, change.actor) == (
        Standing.APPLICANT,
        Standing.SUPPORTER,
        secretariat,
    )
    assert _actions(organization=organization, actor=secretariat) == [
        ("organization.standing_changed", secretariat.pk),
        ("application.approved", secretariat.pk),
        ("membership.created", secretariat.pk),
    ]
    assert permissions.can_manage_members(applicant, organization)


def test_approval_as_endorsing_the_goals_only(secretariat, pending_new_organization):
    application = services.approve_application(
        actor=secretariat, application=pending_new_organization, standing=Standing.ENDORSES
    )
    application.organization.refresh_from_db()
    assert application.organization.standing == Standing.ENDORSES
    assert AuditEvent.objects.get(action="application.approved").data["standing"] == Standing.ENDORSES


@pytest.mark.parametrize("standing", [Standing.SUSPENDED, Standing.APPLICANT, "member"])
def test_approval_refuses_any_other_standing(secretariat, pending_new_organization, standing):
    with pytest.raises(ValidationError):
        services.approve_application(actor=secretariat, application=pending_new_organization, standing=standing)
    pending_new_organization.refresh_from_db()
    assert pending_new_organization.status == ApplicationStatus.PENDING
    assert not Membership.objects.exists()


def test_approving_a_join_request_adds_a_member(secretariat, applicant, supporter, pending_join):
    services.approve_application(actor=secretariat, application=pending_join)
    assert Membership.objects.get(user=applicant, organization=supporter).role == Role.MEMBER
    supporter.refresh_from_db()
    assert supporter.standing == Standing.SUPPORTER
    assert not StandingChange.objects.filter(organization=supporter).exists()


def test_a_second_approval_decides_nothing(secretariat, pending_new_organization):
    services.approve_application(actor=secretariat, application=pending_new_organization)
    with pytest.raises(ValidationError):
        services.approve_application(actor=secretariat, application=pending_new_organization)
    assert Membership.objects.count() == 1
    assert AuditEvent.objects.filter(action="application.approved").count() == 1
    assert StandingChange.objects.filter(to_standing=Standing.SUPPORTER).count() == 1


def test_two_reviewers_with_the_same_page_decide_once(secretariat, pending_new_organization):
    other_reviewer = UserFactory(is_secretariat=True)
    stale = Application.objects.get(pk=pending_new_organization.pk)
    services.approve_application(actor=secretariat, application=pending_new_organization)
    with pytest.raises(ValidationError):
        services.reject_application(actor=other_reviewer, application=stale, reason="Too late")
    stale.refresh_from_db()
    assert (stale.status, stale.decided_by, stale.decision_reason) == (ApplicationStatus.APPROVED, secretariat, "")
    stale.organization.refresh_from_db()
    assert stale.organization.standing == Standing.SUPPORTER


def test_nobody_approves_their_own_application():
    insider = UserFactory(is_secretariat=True)
    application = services.apply_for_organization(applicant=insider, name="Insider Inc", kind="provider")
    with pytest.raises(PermissionDenied):
        services.approve_application(actor=insider, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not Membership.objects.exists()


def test_an_org_admin_approves_join_requests_for_its_organisation(supporter_admin, applicant, pending_join):
    services.approve_application(actor=supporter_admin, application=pending_join)
    assert Membership.objects.filter(user=applicant, is_admin=False, is_reporter=False, is_responder=False).exists()
    assert _actions(action="application.approved") == [("application.approved", supporter_admin.pk)]


def test_an_org_admin_cannot_approve_new_organisations(supporter_admin, pending_new_organization):
    with pytest.raises(PermissionDenied):
        services.approve_application(actor=supporter_admin, application=pending_new_organization)
    pending_new_organization.refresh_from_db()
    assert pending_new_organization.status == ApplicationStatus.PENDING


@pytest.mark.parametrize("role", [Role.REPORTER, Role.RESPONDER, Role.MEMBER])
def test_other_roles_cannot_approve_join_requests(supporter, pending_join, role):
    colleague = MembershipFactory(organization=supporter, role=role).user
    with pytest.raises(PermissionDenied):
        services.approve_application(actor=colleague, application=pending_join)
    pending_join.refresh_from_db()
    assert pending_join.status == ApplicationStatus.PENDING


def test_an_admin_of_another_organisation_cannot_approve(pending_join):
    outsider = MembershipFactory(role=Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        services.approve_application(actor=outsider, application=pending_join)
    assert not Membership.objects.filter(user=pending_join.applicant).exists()


# --- reject_application -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_rejection_needs_a_reason(secretariat, pending_new_organization, reason):
    with pytest.raises(ValidationError) as caught:
        services.reject_application(actor=secretariat, application=pending_new_organization, reason=reason)
    assert "reason" in caught.value.message_dict
    pending_new_organization.refresh_from_db()
    assert pending_new_organization.status == ApplicationStatus.PENDING
    assert pending_new_organization.organization.standing == Standing.APPLICANT


def test_rejecting_a_new_organisation_sets_its_standing_rejected(secretariat, pending_new_organization):
    application = services.reject_application(
        actor=secretariat, application=pending_new_organization, reason="  Not an online service provider  "
    )
    assert (application.status, application.decision_reason, application.decided_by) == (
        ApplicationStatus.REJECTED,
        "Not an online service provider",
        secretariat,
    )
    organization = application.organization
    organization.refresh_from_db()
    assert organization.standing == Standing.REJECTED
    change = organization.standing_changes.last()
    assert (change.to_standing, change.reason, change.actor) == (
        Standing.REJECTED,
        "Not an online service provider",
        secretariat,
    )
    event = AuditEvent.objects.get(action="application.rejected")
    assert (event.actor, event.data["reason"]) == (secretariat, "Not an online service provider")
    assert not Membership.objects.exists()


def test_rejecting_a_join_request_leaves_the_organisation_alone(secretariat, supporter, pending_join):
    services.reject_application(actor=secretariat, application=pending_join, reason="We do not know you")
    supporter.refresh_from_db()
    assert supporter.standing == Standing.SUPPORTER
    assert not Membership.objects.filter(user=pending_join.applicant).exists()


def test_an_approved_application_cannot_be_rejected(secretariat, pending_new_organization):
    services.approve_application(actor=secretariat, application=pending_new_organization)
    with pytest.raises(ValidationError):
        services.reject_application(actor=secretariat, application=pending_new_organization, reason="Changed my mind")
    pending_new_organization.organization.refresh_from_db()
    assert pending_new_organization.organization.standing == Standing.SUPPORTER


def test_the_applicant_cannot_reject_its_own_application(applicant, pending_new_organization):
    with pytest.raises(PermissionDenied):
        services.reject_application(actor=applicant, application=pending_new_organization, reason="Oops")
    pending_new_organization.refresh_from_db()
    assert pending_new_organization.status == ApplicationStatus.PENDING
