"""Applications through the API, with the pages' rules (#15 API parity)."""

import pytest

from portal.models import Application, ApplicationStatus, Membership, Role
from tests.helpers.api_client import api
from tests.portal.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_apply_for_a_new_organisation_then_the_secretariat_approves(secretariat):
    applicant = UserFactory()
    created = api(applicant).post(
        "/api/v1/applications/", {"name": "Harbour Video", "kind": "provider", "message": "Hello"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api(applicant).post(f"/api/v1/applications/{pk}/approve/", {}, format="json").status_code == 403
    decided = api(secretariat).post(f"/api/v1/applications/{pk}/approve/", {}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == ApplicationStatus.APPROVED
    assert Membership.objects.filter(user=applicant, is_admin=True).exists()


def test_ask_to_join_then_the_admin_rejects_with_a_reason():
    org = OrganizationFactory(name="Kestrel")
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    applicant = UserFactory()
    created = api(applicant).post("/api/v1/applications/", {"organization": org.pk}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert pk in [row["id"] for row in api(admin).get("/api/v1/applications/").json()["results"]]
    no_reason = api(admin).post(f"/api/v1/applications/{pk}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and Application.objects.get(pk=pk).status == ApplicationStatus.PENDING
    rejected = api(admin).post(f"/api/v1/applications/{pk}/reject/", {"reason": "Not ours"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["decision_reason"] == "Not ours"


def test_an_ambiguous_application_is_refused_and_changes_nothing():
    org = OrganizationFactory()
    body = {"organization": org.pk, "name": "Both", "kind": "provider"}
    assert api(UserFactory()).post("/api/v1/applications/", body, format="json").status_code == 400
    assert not Application.objects.exists()


def test_an_admin_withdraws_an_invitation_through_the_api():
    from portal import services
    from portal.models import Invitation

    org = OrganizationFactory()
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    invitation = services.invite_member(actor=admin, organization=org, email="someone@example.org")
    member = MembershipFactory(organization=org, role=Role.MEMBER).user
    path = f"/api/v1/organizations/{org.pk}/invitations/{invitation.pk}/"
    assert api(member).delete(path).status_code == 403
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert api(admin).delete(path).status_code == 204
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert api(admin).delete(path).status_code == 404  # no longer open
