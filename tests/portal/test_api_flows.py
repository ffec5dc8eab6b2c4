"""The registry API end to end, with real `Authorization: Token` headers."""

import pytest
from rest_framework.test import APIClient

from portal import services
from portal.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Standing,
)
from tests.helpers.two_factor import record_second_factor

from .factories import MembershipFactory, OrganizationFactory, UserFactory, make_totp

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    _token, key = services.create_api_token(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def organization_with_admin():
    """A supporter with one admin and one plain member."""
    organization = OrganizationFactory(name="Streamwave", kind=OrganizationKind.PROVIDER, country="NZ")
    MembershipFactory(organization=organization, role=Role.ADMIN, user__email="admin@streamwave.example")
    MembershipFactory(organization=organization, role=Role.MEMBER, user__email="member@streamwave.example")
    return organization


def admin_of(organization):
    return Membership.objects.get(organization=organization, is_admin=True).user


def member_of(organization):
    return Membership.objects.get(organization=organization, is_admin=False, is_reporter=False, is_responder=False)


# --- Tokens -------------------------------------------------------------------------


def test_token_lifecycle_create_use_list_revoke():
    user = UserFactory()
    client = client_for(user)

    created = client.post("/api/v1/tokens/", {"name": "deploy bot"}, format="json")
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("cp_")
    assert created.json()["prefix"] == key[:10]
    assert ApiToken.objects.get(pk=created.json()["id"]).key_hash == services.hash_token_key(key)

    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listed = bot.get("/api/v1/tokens/")
    assert listed.status_code == 200
    tokens = listed.json()["results"]
    assert {t["name"] for t in tokens} == {"tests", "deploy bot"}
    assert all("key" not in t and "key_hash" not in t for t in tokens)
    assert ApiToken.objects.get(pk=created.json()["id"]).last_used_at is not None

    revoked = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["is_active"] is False

    refused = bot.get("/api/v1/tokens/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    # Revoked tokens stay listed; the filter shows only the working ones.
    assert len(client.get("/api/v1/tokens/").json()["results"]) == 2
    assert [t["name"] for t in client.get("/api/v1/tokens/?active=true").json()["results"]] == ["tests"]
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=user).count() == 1


def test_delete_revokes_a_token_and_keeps_it_listed():
    user = UserFactory()
    client = client_for(user)
    token, key = services.create_api_token(user=user, name="old")

    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.pk in [t["id"] for t in client.get("/api/v1/tokens/").json()["results"]]
    assert APIClient().get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    # Revoking twice is harmless.
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200


def test_unknown_or_malformed_token_is_401_even_on_public_lists():
    assert APIClient().get("/api/v1/organizations/", HTTP_AUTHORIZATION="Token cp_nope").status_code == 401
    assert APIClient().get("/api/v1/organizations/", HTTP_AUTHORIZATION="Token").status_code == 401
    assert APIClient().get("/api/v1/organizations/", HTTP_AUTHORIZATION="Token a b").status_code == 401
    assert APIClient().get("/api/v1/organizations/").status_code == 200


def test_token_of_a_deactivated_user_is_refused():
    user = UserFactory()
    client = client_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/v1/tokens/").status_code == 401


def test_secretariat_without_two_factor_cannot_create_a_token():
    user = UserFactory(is_secretariat=True)
    session = APIClient()
    session.force_login(user)

    response = session.post("/api/v1/tokens/", {"name": "x"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Set up two-factor authentication before creating an API token."
    assert not ApiToken.objects.exists()


def test_responder_needs_two_factor_before_a_token():
    responder = MembershipFactory(role=Role.RESPONDER).user
    session = APIClient()
    session.force_login(responder)
    assert session.post("/api/v1/tokens/", {}, format="json").status_code == 403

    make_totp(responder)  # set up elsewhere: this session has not passed it
    assert session.post("/api/v1/tokens/", {}, format="json").status_code == 403
    record_second_factor(session, responder)
    assert session.post("/api/v1/tokens/", {}, format="json").status_code == 201


# --- Organisations ------------------------------------------------------------------


def test_secretariat_changes_a_standing(secretariat, organization_with_admin):
    client = client_for(secretariat)
    url = f"/api/v1/organizations/{organization_with_admin.pk}/standing/"

    response = client.post(url, {"standing": "suspended", "reason": "Terms breached"}, format="json")

    assert response.status_code == 200
    assert response.json()["standing"] == "suspended"
    assert response.json()["standing_history"][-1]["standing"] == "suspended"
    assert response.json()["standing_history"][-1]["previous_standing"] == "supporter"
    assert response.json()["standing_history"][-1]["reason"] == "Terms breached"
    organization_with_admin.refresh_from_db()
    assert organization_with_admin.standing == Standing.SUSPENDED
    assert AuditEvent.objects.filter(action="organization.standing_changed", actor=secretariat).count() == 1
    # The public detail shows the history too.
    detail = APIClient().get(f"/api/v1/organizations/{organization_with_admin.pk}/").json()
    assert [h["standing"] for h in detail["standing_history"]] == ["suspended"]


def test_secretariat_creates_an_organization(secretariat):
    client = client_for(secretariat)

    response = client.post(
        "/api/v1/organizations/",
        {"name": "  Ministry  of Digital Affairs ", "kind": "government", "country": "fr", "standing": "supporter"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Ministry of Digital Affairs"
    assert body["country"] == "FR"
    assert body["country_name"] == "France"
    assert [h["standing"] for h in body["standing_history"]] == ["supporter"]
    assert Organization.objects.get(pk=body["id"]).slug == "ministry-of-digital-affairs"


def test_admin_edits_own_organization(organization_with_admin):
    admin = admin_of(organization_with_admin)
    client = client_for(admin)
    url = f"/api/v1/organizations/{organization_with_admin.pk}/"

    response = client.patch(
        url, {"description": "Video platform.", "website": "https://streamwave.example", "country": "au"}, format="json"
    )

    assert response.status_code == 200
    organization_with_admin.refresh_from_db()
    assert organization_with_admin.description == "Video platform."
    assert organization_with_admin.website == "https://streamwave.example"
    assert organization_with_admin.country == "AU"
    assert AuditEvent.objects.filter(action="organization.updated", actor=admin).exists()


def test_admin_cannot_change_the_kind_or_edit_another_organization(organization_with_admin):
    client = client_for(admin_of(organization_with_admin))
    other = OrganizationFactory(name="Elsewhere")

    kind = client.patch(f"/api/v1/organizations/{organization_with_admin.pk}/", {"kind": "government"}, format="json")
    elsewhere = client.patch(f"/api/v1/organizations/{other.pk}/", {"description": "mine now"}, format="json")

    assert kind.status_code == 403
    assert kind.json()["detail"] == "Only the secretariat can change an organisation's kind."
    assert elsewhere.status_code == 403
    organization_with_admin.refresh_from_db()
    other.refresh_from_db()
    assert organization_with_admin.kind == OrganizationKind.PROVIDER
    assert other.description == ""


def test_organization_list_filters_search_and_ordering():
    OrganizationFactory(name="Aotearoa Gov", kind=OrganizationKind.GOVERNMENT, country="NZ")
    OrganizationFactory(name="Bonjour Video", kind=OrganizationKind.PROVIDER, country="FR")
    OrganizationFactory(name="Civic Watch", kind=OrganizationKind.CIVIL_SOCIETY, country="FR", standing="endorses")
    OrganizationFactory(name="Hidden Applicant", kind=OrganizationKind.PROVIDER, standing=Standing.APPLICANT)
    client = APIClient()

    def names(query):
        response = client.get(f"/api/v1/organizations/{query}")
        assert response.status_code == 200
        return [o["name"] for o in response.json()["results"]]

    assert names("") == ["Aotearoa Gov", "Bonjour Video", "Civic Watch"]
    assert names("?kind=provider") == ["Bonjour Video"]
    assert names("?country=fr") == ["Bonjour Video", "Civic Watch"]
    assert names("?standing=endorses") == ["Civic Watch"]
    assert names("?search=VIDEO") == ["Bonjour Video"]
    assert names("?ordering=-name") == ["Civic Watch", "Bonjour Video", "Aotearoa Gov"]
    assert names("?standing=applicant") == []
    page = client.get("/api/v1/organizations/?page_size=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"] is not None


def test_own_applicant_organization_is_visible_to_its_members_and_the_secretariat(secretariat):
    applicant = MembershipFactory(organization__standing=Standing.APPLICANT, organization__name="Newcomer")
    url = f"/api/v1/organizations/{applicant.organization.pk}/"

    assert APIClient().get(url).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 404
    assert client_for(applicant.user).get(url).status_code == 200
    assert client_for(secretariat).get(url).status_code == 200
    assert "Newcomer" in [o["name"] for o in client_for(applicant.user).get("/api/v1/organizations/").json()["results"]]


# --- Memberships and invitations ----------------------------------------------------


def test_admin_invites_a_colleague(organization_with_admin):
    admin = admin_of(organization_with_admin)
    client = client_for(admin)

    response = client.post(
        f"/api/v1/organizations/{organization_with_admin.pk}/invitations/",
        {"email": "New.Colleague@Streamwave.example", "roles": ["reporter", "responder"]},
        format="json",
    )

    assert response.status_code == 201
    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert invitation.email == "new.colleague@streamwave.example"
    assert invitation.roles == [Role.REPORTER, Role.RESPONDER]
    assert response.json()["roles"] == ["reporter", "responder"]
    assert invitation.invited_by == admin
    assert response.json()["email"] == "new.colleague@streamwave.example"


def test_inviting_an_existing_member_is_refused(organization_with_admin):
    client = client_for(admin_of(organization_with_admin))
    response = client.post(
        f"/api/v1/organizations/{organization_with_admin.pk}/invitations/",
        {"email": "MEMBER@streamwave.example"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["This person is already a member."]}
    assert not Invitation.objects.exists()


def test_admin_changes_a_role(organization_with_admin):
    client = client_for(admin_of(organization_with_admin))
    membership = member_of(organization_with_admin)

    response = client.patch(
        f"/api/v1/memberships/{membership.pk}/", {"roles": ["responder", "reporter"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["roles"] == ["reporter", "responder"]
    assert response.json()["role"] == "reporter"  # deprecated: the first held
    membership.refresh_from_db()
    assert membership.roles == [Role.REPORTER, Role.RESPONDER]
    assert AuditEvent.objects.filter(action="membership.role_changed", target=membership.user.email).exists()
    # PATCH without a role changes nothing.
    assert client.patch(f"/api/v1/memberships/{membership.pk}/", {}, format="json").json()["roles"] == [
        "reporter",
        "responder",
    ]


def test_admin_removes_a_member(organization_with_admin):
    client = client_for(admin_of(organization_with_admin))
    membership = member_of(organization_with_admin)

    assert client.delete(f"/api/v1/memberships/{membership.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert client.get(f"/api/v1/memberships/{membership.pk}/").status_code == 404


def test_a_member_may_leave(organization_with_admin):
    membership = member_of(organization_with_admin)
    assert client_for(membership.user).delete(f"/api/v1/memberships/{membership.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_last_admin_cannot_be_removed_or_demoted(organization_with_admin, secretariat):
    admin_membership = Membership.objects.get(organization=organization_with_admin, is_admin=True)
    url = f"/api/v1/memberships/{admin_membership.pk}/"
    message = "An organisation needs at least one admin. Make someone else admin first."

    for client in (client_for(admin_membership.user), client_for(secretariat)):
        demoted = client.patch(url, {"roles": ["member"]}, format="json")
        removed = client.delete(url)
        assert (demoted.status_code, demoted.json()) == (400, {"detail": message})
        assert (removed.status_code, removed.json()) == (400, {"detail": message})

    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ADMIN
    assert not AuditEvent.objects.filter(action__startswith="membership.").exists()


def test_a_second_admin_allows_the_first_to_step_down(organization_with_admin):
    admin_membership = Membership.objects.get(organization=organization_with_admin, is_admin=True)
    client = client_for(admin_membership.user)
    member = member_of(organization_with_admin)

    assert client.patch(f"/api/v1/memberships/{member.pk}/", {"roles": ["admin"]}, format="json").status_code == 200
    assert (
        client.patch(f"/api/v1/memberships/{admin_membership.pk}/", {"roles": ["member"]}, format="json").status_code
        == 200
    )
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.MEMBER


def test_membership_list_is_scoped_and_filterable(organization_with_admin, secretariat):
    other = MembershipFactory(organization__name="Other Org", role=Role.ADMIN)
    member = member_of(organization_with_admin)
    client = client_for(member.user)

    listed = client.get("/api/v1/memberships/").json()["results"]
    assert {m["organization_name"] for m in listed} == {"Streamwave"}
    assert len(listed) == 2
    admins = client.get("/api/v1/memberships/?role=admin").json()["results"]
    assert [(m["full_name"], m["email"]) for m in admins] == [(admins[0]["full_name"], None)]  # a member's view
    assert admins[0]["full_name"]
    own = [m["email"] for m in listed if m["user"] == member.user.pk]
    assert own == [member.user.email]
    seen_by_admin = client_for(organization_with_admin.memberships.get(is_admin=True).user)
    emails = {m["email"] for m in seen_by_admin.get("/api/v1/memberships/").json()["results"]}
    assert {"admin@streamwave.example", member.user.email} <= emails and None not in emails

    everyone = client_for(secretariat).get(f"/api/v1/memberships/?organization={other.organization.pk}").json()
    assert [m["id"] for m in everyone["results"]] == [other.pk]


def test_not_visible_and_missing_get_the_same_answer(organization_with_admin):
    hidden = OrganizationFactory(name="Hidden", standing=Standing.APPLICANT)
    hidden_membership = MembershipFactory(organization=hidden, role=Role.ADMIN)
    other_token, _key = services.create_api_token(user=hidden_membership.user, name="theirs")
    client = client_for(member_of(organization_with_admin).user)

    pairs = [
        (client.get(f"/api/v1/organizations/{hidden.pk}/"), client.get("/api/v1/organizations/999999/")),
        (
            client.patch(f"/api/v1/organizations/{hidden.pk}/", {"name": "Mine"}, format="json"),
            client.patch("/api/v1/organizations/999999/", {"name": "Mine"}, format="json"),
        ),
        (client.get(f"/api/v1/memberships/{hidden_membership.pk}/"), client.get("/api/v1/memberships/999999/")),
        (client.delete(f"/api/v1/memberships/{hidden_membership.pk}/"), client.delete("/api/v1/memberships/999999/")),
        (client.post(f"/api/v1/tokens/{other_token.pk}/revoke/"), client.post("/api/v1/tokens/999999/revoke/")),
    ]

    for hidden_answer, missing_answer in pairs:
        assert hidden_answer.status_code == missing_answer.status_code == 404
        assert hidden_answer.json() == missing_answer.json()
    hidden.refresh_from_db()
    assert hidden.name == "Hidden"
    assert Membership.objects.filter(pk=hidden_membership.pk).exists()
    other_token.refresh_from_db()
    assert other_token.revoked_at is None
