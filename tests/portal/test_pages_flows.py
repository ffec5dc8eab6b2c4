"""The registry's journeys through the web pages, end to end over HTTP:
sign up, verify, apply, approval, invitation, roles, API tokens."""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import (
    ApiToken,
    Application,
    ApplicationStatus,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
    Standing,
    User,
)

from .factories import PASSWORD, MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unguessable-passphrase"


@pytest.fixture
def secretariat_client(client):
    user = SecretariatFactory(email="secretariat@example.org")
    client.force_login(user)
    client.user = user
    return client


def _link(message, fragment: str) -> str:
    """The path of the first link in an email that contains `fragment`."""
    url = next(u for u in re.findall(r"https?://\S+", message.body) if fragment in u)
    return urlsplit(url).path


def _sign_up_and_verify(client, email: str, *, next_url: str = "") -> User:
    signup_url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    response = client.post(signup_url, {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    confirmation = next(m for m in mail.outbox if email in m.to and "/accounts/confirm-email/" in m.body)
    confirm_path = _link(confirmation, "/accounts/confirm-email/")
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    client.after_confirmation = response["Location"]
    return User.objects.get(email=email)


def test_sign_up_verify_apply_and_get_approved(client, django_capture_on_commit_callbacks, eager_celery):
    secretariat = SecretariatFactory(email="secretariat@example.org")

    user = _sign_up_and_verify(client, "amira@example.org")
    assert client.get(reverse("portal:my_organizations")).status_code == 200  # signed in by the confirmation

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:apply"),
            {
                "name": "Kōrero Online Safety Trust",
                "kind": "civil_society",
                "country": "NZ",
                "website": "https://korero.example.org",
                "description": "Counters violent extremist content online.",
                "message": "I lead the policy team.",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_organizations")
    application = Application.objects.get(applicant=user)
    assert application.organization.standing == Standing.APPLICANT
    assert any(secretariat.email in m.to for m in mail.outbox)
    page = client.get(reverse("portal:my_organizations"))
    assert "Kōrero Online Safety Trust" in page.content.decode()
    assert "Pending" in page.content.decode()

    from django.test import Client

    reviewer = Client()
    reviewer.force_login(secretariat)
    queue = reviewer.get(reverse("portal:review_queue"))
    assert "New organisation: Kōrero Online Safety Trust" in queue.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(
            reverse("portal:application_approve", args=[application.pk]), {"standing": "supporter"}, follow=True
        )
    assert "Approved: amira@example.org for Kōrero Online Safety Trust" in response.content.decode()
    assert any(user.email in m.to and "approved" in m.subject for m in mail.outbox)

    organization = Organization.objects.get(pk=application.organization_id)
    assert organization.standing == Standing.SUPPORTER
    assert Membership.objects.get(user=user, organization=organization).role == Role.ADMIN
    directory = client.get(reverse("portal:directory"))
    assert reverse("portal:organization_detail", args=[organization.slug]) in directory.content.decode()
    detail = client.get(reverse("portal:organization_detail", args=[organization.slug]))
    assert "Supporter" in detail.content.decode()
    assert reverse("portal:organization_manage", args=[organization.slug]) in detail.content.decode()


def test_approve_as_endorsing_goals_only(secretariat_client):
    applicant = UserFactory()
    from portal import services

    application = services.apply_for_organization(applicant=applicant, name="Republic of Examplia", kind="government")
    response = secretariat_client.post(
        reverse("portal:application_approve", args=[application.pk]), {"standing": "endorses"}
    )
    assert response.status_code == 302
    application.organization.refresh_from_db()
    assert application.organization.standing == Standing.ENDORSES


def test_reject_with_reason_is_shown_to_the_applicant(client, secretariat_client):
    from django.test import Client

    from portal import services

    applicant = UserFactory()
    application = services.apply_for_organization(applicant=applicant, name="Dubious Ltd", kind="provider")
    response = secretariat_client.post(
        reverse("portal:application_reject", args=[application.pk]), {"reason": "We could not confirm who you are."}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    own = Client()
    own.force_login(applicant)
    page = own.get(reverse("portal:my_organizations")).content.decode()
    assert "Rejected" in page
    assert "We could not confirm who you are." in page


def test_invite_sign_up_accept_change_role_remove(client, django_capture_on_commit_callbacks, eager_celery):
    from django.test import Client

    admin_membership = MembershipFactory(role=Role.ADMIN, organization__name="Streamwave")
    organization = admin_membership.organization
    client.force_login(admin_membership.user)
    manage_url = reverse("portal:organization_manage", args=[organization.slug])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:organization_invite", args=[organization.slug]),
            {"email": "tane@example.org", "roles": ["reporter"]},
            follow=True,
        )
    assert "Invitation sent to tane@example.org" in response.content.decode()
    invitation_mail = next(m for m in mail.outbox if "tane@example.org" in m.to)
    link = _link(invitation_mail, "/invitations/")

    colleague = Client()
    response = colleague.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?{urlencode({'next': link})}"

    _sign_up_and_verify(colleague, "tane@example.org", next_url=link)
    assert colleague.after_confirmation == link  # the confirmation brings them back to the invitation
    page = colleague.get(link)
    assert page.status_code == 200
    assert "Join Streamwave" in page.content.decode()
    response = colleague.post(link, follow=True)
    assert "Your role: Reporter" in response.content.decode()
    membership = Membership.objects.get(user__email="tane@example.org", organization=organization)
    assert membership.role == Role.REPORTER
    assert Invitation.objects.get().accepted_at is not None

    response = client.post(
        reverse("portal:membership_role", args=[organization.slug, membership.pk]), {"roles": ["reporter", "responder"]}
    )
    assert response["Location"] == manage_url
    membership.refresh_from_db()
    assert membership.roles == [Role.REPORTER, Role.RESPONDER]

    client.post(reverse("portal:membership_remove", args=[organization.slug, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = set(AuditEvent.objects.filter(organization=organization).values_list("action", flat=True))
    assert {"invitation.sent", "membership.created", "membership.role_changed", "membership.removed"} <= actions
    audit = client.get(manage_url).content.decode()
    assert "Member removed" in audit


def test_revoke_an_open_invitation(client):
    from portal import services

    admin = MembershipFactory(role=Role.ADMIN).user
    organization = admin.memberships.get().organization
    invitation = services.invite_member(actor=admin, organization=organization, email="x@example.org")
    client.force_login(admin)
    response = client.post(reverse("portal:invitation_revoke", args=[organization.slug, invitation.pk]), follow=True)
    assert "The invitation to x@example.org is withdrawn." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "No open invitations." in response.content.decode()


def test_member_asks_to_join_and_admin_approves_from_manage_page(client):
    from django.test import Client

    admin = MembershipFactory(role=Role.ADMIN, organization__name="Streamwave").user
    organization = admin.memberships.get().organization
    newcomer = UserFactory()
    client.force_login(newcomer)
    detail_url = reverse("portal:organization_detail", args=[organization.slug])
    assert "Request to join" in client.get(detail_url).content.decode()
    response = client.post(
        reverse("portal:organization_join", args=[organization.slug]), {"message": "New on the team"}, follow=True
    )
    assert "Your request to join has been sent" in response.content.decode()
    application = Application.objects.get(applicant=newcomer)

    admin_client = Client()
    admin_client.force_login(admin)
    manage_url = reverse("portal:organization_manage", args=[organization.slug])
    assert "New on the team" in admin_client.get(manage_url).content.decode()
    response = admin_client.post(reverse("portal:application_approve", args=[application.pk]), {"next": manage_url})
    assert response["Location"] == manage_url
    assert Membership.objects.get(user=newcomer, organization=organization).role == Role.MEMBER


def test_edit_organisation_details(client):
    admin = MembershipFactory(role=Role.ADMIN, organization__name="Streamwave").user
    organization = admin.memberships.get().organization
    client.force_login(admin)
    response = client.post(
        reverse("portal:organization_manage", args=[organization.slug]),
        {
            "details-name": "Streamwave Inc.",
            "details-country": "FR",
            "details-website": "https://streamwave.example",
            "details-description": "Video platform.",
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.country.code, organization.website) == (
        "Streamwave Inc.",
        "FR",
        "https://streamwave.example",
    )


def test_secretariat_changes_standing_with_a_reason(secretariat_client):
    organization = OrganizationFactory(name="Streamwave")
    response = secretariat_client.post(
        reverse("portal:change_standing"),
        {"organization": organization.pk, "standing": "suspended", "reason": "Repeated failures to report."},
        follow=True,
    )
    assert "Streamwave is now: Suspended." in response.content.decode()
    organization.refresh_from_db()
    assert organization.standing == Standing.SUSPENDED
    history = secretariat_client.get(reverse("portal:organization_detail", args=[organization.slug]))
    assert "Repeated failures to report." in history.content.decode()


def test_create_and_revoke_an_api_token(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("portal:api_tokens"), {"name": "reporting script"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    key = response.context["key"]
    assert key.startswith(token.prefix)
    assert key in response.content.decode()
    listing = client.get(reverse("portal:api_tokens")).content.decode()
    assert key not in listing  # shown once only
    assert token.prefix in listing

    response = client.post(reverse("portal:api_token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_secretariat_needs_two_factor_for_a_token(client):
    user = UserFactory(is_secretariat=True)
    client.force_login(user)
    response = client.post(reverse("portal:api_tokens"), {"name": "export"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Set up two-factor authentication before creating an API token." in body
    assert f'href="{reverse("mfa_activate_totp")}?next=%2Faccount%2Ftokens%2F"' in body  # and back here afterwards
    assert not ApiToken.objects.exists()


def test_language_switcher_saves_the_signed_in_users_choice(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("portal:set_language"), {"language": "ar", "next": reverse("portal:directory")})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:directory")
    user.refresh_from_db()
    assert user.language == "ar"
    assert 'dir="rtl"' in client.get(reverse("portal:directory")).content.decode()


def test_language_switcher_for_visitors_sets_the_cookie(client, settings):
    response = client.post(reverse("portal:set_language"), {"language": "fr", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr" dir="ltr">' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert response.status_code == 302
    assert 'dir="rtl"' in client.get("/").content.decode()


def test_unknown_language_changes_nothing(client):
    user = UserFactory(language="fr")
    client.force_login(user)
    response = client.post(reverse("portal:set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"


def test_allauth_pages_use_the_site_layout(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        body = client.get(reverse(name)).content.decode()
        assert 'class="skip-link"' in body
        assert "<main" in body
        assert 'name="language"' in body
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("mfa_activate_totp"), follow=True)  # allauth asks for the password again first
    assert 'class="skip-link"' in response.content.decode()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    body = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "Activate Authenticator App" in body
    assert 'class="skip-link"' in body
    assert "Two-factor authentication" in body  # the account settings side navigation


def test_the_message_after_sign_in_is_in_the_users_saved_language(client):
    """The browser asks for English; the account says Arabic: the first message is already Arabic."""
    from django.contrib.messages import get_messages

    user = UserFactory(language="ar")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Successfully signed in" not in message and any("\u0600" <= ch <= "\u06ff" for ch in message)
