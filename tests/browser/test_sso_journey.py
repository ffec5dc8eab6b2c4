"""A ministry that requires single sign-on: its employee's password is refused, "Sign in with your
organisation" takes them to the ministry's own OpenID provider (the test suite's, in its own
process) and back, signed in and a member. The flow's details are tests/portal/test_sso_flow.py."""

import pytest
from playwright.sync_api import expect

from portal.models import Membership, Role
from portal.sso import services as sso
from tests.helpers.oidc_provider.server import running_provider
from tests.portal.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

from .steps import field, off_the_event_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "aroha@ministry.example"


def build(issuer: str) -> None:
    ministry = OrganizationFactory(name="Ministry of Things", slug="ministry")
    admin = MembershipFactory(organization=ministry, role=Role.ADMIN).user
    sso.configure_identity_provider(
        actor=admin,
        organization=ministry,
        issuer=issuer,
        client_id="portal",
        client_secret="secret-portal",
        email_domains="ministry.example",
        allow_signup=True,
        require_sso=True,
    )
    UserFactory(email=EMAIL)  # has a password, which the ministry no longer accepts


def test_a_ministry_employee_signs_in_through_the_ministrys_provider(page, live_app, tmp_path, browser_log, settings):
    # The test provider is http://127.0.0.1:<port>; the server allows it too (server_settings.py).
    settings.SSO_ALLOW_HOSTS = ["127.0.0.1"]
    users = [{"username": "aroha", "email": EMAIL, "first_name": "mfa", "last_name": ""}]
    clients = {"portal": f"{live_app.url}/accounts/oidc/ministry/login/callback/"}
    with running_provider(tmp_path, users=users, clients=clients, password=PASSWORD) as issuer:
        off_the_event_loop(lambda: build(issuer))

        page.goto("/accounts/login/")
        field(page, "Email").fill(EMAIL)
        field(page, "Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In", exact=True).click()
        expect(page.get_by_text("signs its people in through its own provider")).to_be_visible()

        page.get_by_role("link", name="Sign in with your organisation").click()
        field(page, "Email address").fill(EMAIL)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue to Ministry of Things").click()

        expect(page.get_by_role("heading", name="Test provider")).to_be_visible()
        field(page, "Username").fill("aroha")
        field(page, "Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert page.url.startswith(live_app.url)
    member = off_the_event_loop(lambda: Membership.objects.get(user__email=EMAIL))
    assert member.organization.slug == "ministry" and member.role == Role.MEMBER
    assert browser_log.errors() == []
