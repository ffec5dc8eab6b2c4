"""The account pages' API counterparts (#15 API parity): the profile, the calendar link,
accepting an invitation, and an organisation's single sign-on — each through the page's
service, bad input refused whole."""

import pytest
from django.core import signing

from portal import services
from portal.calendar.models import CalendarFeed
from portal.models import AuditEvent, Membership, Role, Standing
from portal.sso.models import OrganizationIdentityProvider
from tests.helpers.api_client import api

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_profile_reads_and_changes_only_what_is_sent():
    user = UserFactory(full_name="Ana Fifita", pronouns="she/her")
    client = api(user)
    assert client.get("/api/v1/me/").json()["full_name"] == "Ana Fifita"
    body = client.patch("/api/v1/me/", {"job_title": "Trust & Safety lead"}, format="json").json()
    assert (body["full_name"], body["pronouns"], body["job_title"]) == ("Ana Fifita", "she/her", "Trust & Safety lead")
    assert AuditEvent.objects.filter(action="account.profile_updated").count() == 1


@pytest.mark.parametrize("body", [{"full_name": "  "}, {"job_title": "x" * 500}, {"email": "me@evil.example"}])
def test_a_bad_profile_is_refused_and_changes_nothing(body):
    user = UserFactory(full_name="Ana Fifita", email="ana@example.org")
    response = api(user).patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    user.refresh_from_db()
    assert (user.full_name, user.email, user.job_title) == ("Ana Fifita", "ana@example.org", "")


def test_the_calendar_link_is_shown_once_replaced_and_revoked(settings, client):
    settings.SITE_URL = "https://portal.example"
    user = UserFactory()
    api_client = api(user)
    assert api_client.get("/api/v1/me/calendar/").json() == {"active": False, "prefix": None, "created_at": None}
    first = api_client.post("/api/v1/me/calendar/").json()
    assert first["url"].startswith("https://portal.example/calendar/") and first["active"]
    assert "url" not in api_client.get("/api/v1/me/calendar/").json()
    second = api_client.post("/api/v1/me/calendar/").json()
    feed_path = second["url"].removeprefix("https://portal.example")
    assert client.get(first["url"].removeprefix("https://portal.example")).status_code == 404  # replaced
    assert client.get(feed_path).status_code == 200
    assert api_client.delete("/api/v1/me/calendar/").status_code == 204
    assert client.get(feed_path).status_code == 404
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()


def test_a_responder_without_two_factor_gets_no_calendar_link():
    responder = MembershipFactory(role=Role.RESPONDER).user
    assert api(responder).post("/api/v1/me/calendar/").status_code == 403
    assert not CalendarFeed.objects.exists()


def test_an_invitation_is_accepted_once_by_its_addressee():
    org = OrganizationFactory(standing=Standing.SUPPORTER)
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    invitation = services.invite_member(actor=admin, organization=org, email="new@example.org", roles=[Role.REPORTER])
    token = services.invitation_token(invitation)
    assert api(UserFactory(email="other@example.org")).post(f"/api/v1/invitations/{token}/accept/").status_code == 400
    invitee = UserFactory(email="new@example.org")
    response = api(invitee).post(f"/api/v1/invitations/{token}/accept/")
    assert response.status_code == 201
    assert response.json()["organization"]["slug"] == org.slug and response.json()["roles"] == ["reporter"]
    assert Membership.objects.get(user=invitee).role == Role.REPORTER
    assert api(invitee).post(f"/api/v1/invitations/{token}/accept/").status_code == 400  # used
    forged = signing.Signer(salt="wrong").sign(str(invitation.pk))
    assert api(invitee).post(f"/api/v1/invitations/{forged}/accept/").status_code == 400


def test_single_sign_on_is_set_up_read_and_removed_by_the_organisations_admin():
    admin = MembershipFactory(organization=OrganizationFactory(slug="ministry"), role=Role.ADMIN)
    url = f"/api/v1/organizations/{admin.organization_id}/identity-provider/"
    client = api(admin.user)
    assert client.get(url).status_code == 404
    body = {
        "issuer": "https://login.ministry.example/realms/staff",
        "client_id": "portal",
        "client_secret": "s3cret-value",
        "email_domains": ["Ministry.example"],
        "require_sso": True,
    }
    saved = client.put(url, body, format="json").json()
    assert saved["email_domains"] == ["ministry.example"] and saved["has_client_secret"] and saved["require_sso"]
    assert "client_secret" not in saved and "s3cret-value" not in str(saved)
    assert saved["redirect_uri"].endswith("/accounts/oidc/ministry/login/callback/")
    # Left out, the secret is kept.
    kept = client.put(url, {**body, "client_secret": "", "client_id": "portal-2"}, format="json")
    assert kept.status_code == 200
    assert OrganizationIdentityProvider.objects.get().client_secret == "s3cret-value"
    assert client.delete(url).status_code == 204
    assert not OrganizationIdentityProvider.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"issuer": "not a url"},
        {"email_domains": []},
        {"default_roles": ["owner"]},
        {"default_roles": ["admin", "admin"]},
        {"client_id": ""},
        {"extra": 1},
    ],
)
def test_a_bad_single_sign_on_is_refused_and_changes_nothing(change):
    admin = MembershipFactory(role=Role.ADMIN)
    url = f"/api/v1/organizations/{admin.organization_id}/identity-provider/"
    body = {
        "issuer": "https://login.ministry.example/",
        "client_id": "portal",
        "client_secret": "s",
        "email_domains": ["ministry.example"],
    }
    assert api(admin.user).put(url, {**body, **change}, format="json").status_code == 400
    assert not OrganizationIdentityProvider.objects.exists()
    assert (
        api(MembershipFactory(organization=admin.organization, role=Role.MEMBER).user)
        .put(url, body, format="json")
        .status_code
        == 403
    )
