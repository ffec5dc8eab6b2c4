"""Bad input through the registry's pages: a clear message, nothing changed, never a 500."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
    Standing,
)

from .factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def streamwave():
    return OrganizationFactory(name="Streamwave")


@pytest.fixture
def streamwave_admin(streamwave):
    return MembershipFactory(organization=streamwave, role=Role.ADMIN).user


@pytest.fixture
def admin_client(client, streamwave_admin):
    client.force_login(streamwave_admin)
    return client


@pytest.fixture
def invitation(streamwave, streamwave_admin):
    return services.invite_member(
        actor=streamwave_admin, organization=streamwave, email="tane@example.org", roles=[Role.REPORTER]
    )


@pytest.fixture
def invitee_client():
    client = Client()
    client.force_login(UserFactory(email="tane@example.org"))
    return client


def _apply(client, **overrides):
    data = {"name": "Kestrel Streams", "kind": "provider", "country": "CA", "website": "", "description": ""}
    return client.post(reverse("portal:apply"), {**data, **overrides})


def _snapshot():
    return (
        Organization.objects.count(),
        Application.objects.count(),
        Membership.objects.count(),
        Invitation.objects.filter(accepted_at__isnull=False).count(),
    )


def test_duplicate_name_in_another_case(client, streamwave):
    client.force_login(UserFactory())
    before = _snapshot()
    response = _apply(client, name="STREAMWAVE")
    assert response.status_code == 200
    assert "An organisation with this name already exists." in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("country", ["XX", "nz'--", "Z" * 50])
def test_invalid_country(client, country):
    client.force_login(UserFactory())
    response = _apply(client, country=country)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "church", "Select a valid choice"),
        ("name", "", "This field is required."),
        ("website", "javascript:alert(1)", "Enter a valid http or https address."),
    ],
)
def test_other_bad_application_fields(client, field, value, message):
    client.force_login(UserFactory())
    response = _apply(client, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organization.objects.exists()


def test_unverified_user_cannot_apply(client):
    client.force_login(UserFactory(verified=False))
    page = client.get(reverse("portal:apply")).content.decode()
    assert "Your email address is not verified yet." in page
    response = _apply(client)
    assert "Verify your email address before applying." in response.content.decode()
    assert not Organization.objects.exists()


def test_tampered_invitation(invitee_client, invitation):
    token = services.invitation_token(invitation)
    response = invitee_client.post(reverse("portal:invitation_accept", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.content.decode()
    assert not Membership.objects.filter(user__email="tane@example.org").exists()


def test_expired_invitation(invitee_client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    url = reverse("portal:invitation_accept", args=[services.invitation_token(invitation)])
    assert "This invitation has expired." in invitee_client.get(url).content.decode()
    response = invitee_client.post(url)
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="tane@example.org").exists()


def test_reused_invitation(invitee_client, invitation):
    url = reverse("portal:invitation_accept", args=[services.invitation_token(invitation)])
    assert invitee_client.post(url).status_code == 302
    response = invitee_client.post(url)
    assert response.status_code == 400
    assert "This invitation has already been used." in response.content.decode()
    assert Membership.objects.filter(user__email="tane@example.org").count() == 1


def test_revoked_invitation(invitee_client, invitation, streamwave_admin):
    services.revoke_invitation(actor=streamwave_admin, invitation=invitation)
    url = reverse("portal:invitation_accept", args=[services.invitation_token(invitation)])
    response = invitee_client.post(url)
    assert response.status_code == 400
    assert "This invitation has been withdrawn." in response.content.decode()


def test_invitation_for_another_address(client, invitation):
    client.force_login(UserFactory(email="someone-else@example.org"))
    url = reverse("portal:invitation_accept", args=[services.invitation_token(invitation)])
    response = client.post(url)
    assert response.status_code == 400
    assert "This invitation was sent to another email address." in response.content.decode()
    assert not Membership.objects.filter(organization=invitation.organization, is_reporter=True).exists()


def test_applicant_cannot_approve_own_application(client):
    applicant = SecretariatFactory()
    application = services.apply_for_organization(applicant=applicant, name="Self Approved", kind="provider")
    client.force_login(applicant)
    response = client.post(reverse("portal:application_approve", args=[application.pk]), {"standing": "supporter"})
    assert response.status_code == 403
    assert "it is your own" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert application.organization.standing == Standing.APPLICANT


def test_deciding_twice_is_refused(client):
    secretariat = SecretariatFactory()
    application = services.apply_for_organization(applicant=UserFactory(), name="Kestrel", kind="provider")
    client.force_login(secretariat)
    assert client.post(reverse("portal:application_approve", args=[application.pk])).status_code == 302
    response = client.post(reverse("portal:application_reject", args=[application.pk]), {"reason": "Late"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_reject_needs_a_reason(client):
    secretariat = SecretariatFactory()
    application = services.apply_for_organization(applicant=UserFactory(), name="Kestrel", kind="provider")
    client.force_login(secretariat)
    response = client.post(reverse("portal:application_reject", args=[application.pk]), {"reason": "  "}, follow=True)
    assert "Give a reason; the applicant will read it." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_admin_of_another_organisation_cannot_manage(client, streamwave, streamwave_admin):
    other_admin = MembershipFactory(role=Role.ADMIN).user
    client.force_login(other_admin)
    member = MembershipFactory(organization=streamwave, role=Role.MEMBER)
    admin_membership = streamwave_admin.memberships.get()
    before = (_snapshot(), AuditEvent.objects.count())
    slug = streamwave.slug
    assert client.get(reverse("portal:organization_manage", args=[slug])).status_code == 403
    assert (
        client.post(reverse("portal:organization_manage", args=[slug]), {"details-name": "Hijacked"}).status_code == 403
    )
    invite = client.post(
        reverse("portal:organization_invite", args=[slug]), {"email": "x@example.org", "roles": ["admin"]}
    )
    assert invite.status_code == 403
    role = client.post(reverse("portal:membership_role", args=[slug, member.pk]), {"roles": ["admin"]})
    assert role.status_code == 404  # members of another organisation are not even visible
    assert client.post(reverse("portal:membership_remove", args=[slug, admin_membership.pk])).status_code == 404
    # A membership of this organisation addressed through the other admin's own organisation is not found either.
    own_slug = other_admin.memberships.get().organization.slug
    assert client.post(reverse("portal:membership_remove", args=[own_slug, member.pk])).status_code == 404
    streamwave.refresh_from_db()
    member.refresh_from_db()
    assert streamwave.name == "Streamwave"
    assert member.role == Role.MEMBER
    assert (_snapshot(), AuditEvent.objects.count()) == before


def test_removing_the_last_admin(admin_client, streamwave, streamwave_admin):
    membership = streamwave_admin.memberships.get()
    response = admin_client.post(
        reverse("portal:membership_remove", args=[streamwave.slug, membership.pk]), follow=True
    )
    assert "An organisation needs at least one admin." in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk, is_admin=True).exists()


def test_demoting_the_last_admin(admin_client, streamwave, streamwave_admin):
    membership = streamwave_admin.memberships.get()
    response = admin_client.post(
        reverse("portal:membership_role", args=[streamwave.slug, membership.pk]), {"roles": []}, follow=True
    )
    assert "An organisation needs at least one admin." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_invalid_role_and_email(admin_client, streamwave, streamwave_admin):
    membership = streamwave_admin.memberships.get()
    response = admin_client.post(
        reverse("portal:membership_role", args=[streamwave.slug, membership.pk]), {"roles": ["owner"]}, follow=True
    )
    assert "Choose a valid role." in response.content.decode()
    response = admin_client.post(
        reverse("portal:organization_invite", args=[streamwave.slug]), {"email": "not-an-address"}
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member(admin_client, streamwave, streamwave_admin):
    response = admin_client.post(
        reverse("portal:organization_invite", args=[streamwave.slug]),
        {"email": streamwave_admin.email.upper()},
    )
    assert "This person is already a member." in response.content.decode()
    assert not Invitation.objects.exists()


def test_admin_cannot_change_kind_or_take_a_taken_name(admin_client, streamwave):
    OrganizationFactory(name="Other Org")
    url = reverse("portal:organization_manage", args=[streamwave.slug])
    response = admin_client.post(url, {"details-name": "other org", "details-kind": "government"})
    assert response.status_code == 200
    assert "An organisation with this name already exists." in response.content.decode()
    streamwave.refresh_from_db()
    assert (streamwave.name, streamwave.kind) == ("Streamwave", "provider")


def test_join_request_twice_and_unverified(client, streamwave):
    user = UserFactory()
    client.force_login(user)
    url = reverse("portal:organization_join", args=[streamwave.slug])
    client.post(url)
    response = client.post(url, follow=True)
    assert "You already have a pending request for this organisation." in response.content.decode()
    assert Application.objects.filter(applicant=user).count() == 1

    unverified = Client()
    unverified.force_login(UserFactory(verified=False))
    response = unverified.post(url, follow=True)
    assert "Verify your email address" in response.content.decode()
    assert Application.objects.count() == 1


def test_standing_change_needs_valid_values(client, streamwave):
    secretariat = SecretariatFactory()
    client.force_login(secretariat)
    for data in (
        {"organization": streamwave.pk, "standing": "emperor", "reason": "x"},
        {"organization": "abc", "standing": "suspended", "reason": "x"},
        {"organization": 999999, "standing": "suspended", "reason": "x"},
        {"organization": streamwave.pk, "standing": "suspended", "reason": ""},
    ):
        response = client.post(reverse("portal:change_standing"), data)
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode()
    streamwave.refresh_from_db()
    assert streamwave.standing == Standing.SUPPORTER


def test_token_revoke_of_someone_elses_token_is_not_found(client):
    owner = UserFactory()
    token, _key = services.create_api_token(user=owner, name="mine")
    client.force_login(UserFactory())
    assert client.post(reverse("portal:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/?page=abc",
        "/organisations/?page=-1",
        "/organisations/?page=99999999999999999999",
        "/organisations/?kind=spaceship&country=ZZ&standing=applicant",
        "/organisations/?q=" + "x" * 500,
        "/organisations/?country=%00",
        "/organisations/no-such-organisation/",
        "/review/applications/abc/approve/",
        "/invitations/garbage/",
        "/audit/?page=0",
        "/account/tokens/abc/revoke/",
    ],
)
def test_odd_requests_never_fail(client, path, streamwave):
    secretariat = SecretariatFactory()
    client.force_login(secretariat)
    response = client.get(path)
    assert response.status_code < 500


def test_bad_filters_are_ignored_and_shown(client, streamwave):
    response = client.get("/organisations/?kind=spaceship&q=Stream")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert "Streamwave" in body


def test_get_on_action_urls_is_not_allowed(admin_client, streamwave, streamwave_admin):
    membership = streamwave_admin.memberships.get()
    assert (
        admin_client.get(reverse("portal:membership_remove", args=[streamwave.slug, membership.pk])).status_code == 405
    )
    assert Membership.objects.filter(pk=membership.pk).exists()
