"""The Django admin signs in through the site's own sign-in: the password alone opens
nothing, the authenticator code is asked for, and the admin's old password-only form
cannot be used to skip it (the audit's reproduction, replayed in the browser)."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from portal.models import User
from tests.portal.factories import PASSWORD, make_totp

from .steps import field, off_the_event_loop, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "root@example.org"


def build() -> str:
    user = User.objects.create_superuser(EMAIL, PASSWORD)  # what createsuperuser makes: staff and secretariat
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    return make_totp(user)


def test_the_admin_asks_for_the_second_factor(page, browser_log):
    secret = off_the_event_loop(build)

    page.goto("/admin/")
    assert "/accounts/login/" in page.url  # the site's sign-in, not the admin's own form
    field(page, "Email").fill(EMAIL)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(field(page, "Code")).to_be_visible()
    assert page.context.request.get("/audit/", max_redirects=0).status == 302  # not signed in yet

    field(page, "Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert "/admin/" in page.url
    assert browser_log.errors() == []


def test_the_admins_password_form_signs_nobody_in(page, browser_log):
    off_the_event_loop(build)
    page.goto("/admin/login/")  # now the site's sign-in page, which sets the CSRF cookie
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")

    answer = page.context.request.post(
        "/admin/login/?next=/admin/",
        form={"csrfmiddlewaretoken": token, "username": EMAIL, "password": PASSWORD, "next": "/admin/"},
        headers={"Referer": page.url},
        max_redirects=0,
    )
    assert answer.status == 302 and "/accounts/login/" in answer.headers["location"]
    assert page.context.request.get("/admin/", max_redirects=0).status == 302
    assert page.context.request.get("/audit/", max_redirects=0).status == 302
    assert "sessionid" not in {c["name"] for c in page.context.cookies()}
    assert browser_log.errors() == []
