"""Steps that many journeys share, done the way a person does them in the browser."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

from allauth.mfa.totp.internal.auth import app_settings as totp_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import connection
from playwright.sync_api import Locator, Page, expect

from tests.portal.factories import PASSWORD

from .mailbox import Mailbox


def field(scope: Page | Locator, label: str) -> Locator:
    """The form field with this label; Django puts a colon after labels, people read past it."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def message(page: Page, text: str) -> Locator:
    """The site's confirmation or note (role=status) that contains `text`."""
    return page.get_by_role("status").filter(has_text=text)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret. Near the end of a period it
    waits for the next one, so the code is still valid when the server checks it. The server
    takes each code once: a second sign-in of the same person needs the next period."""
    period = totp_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 3:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_up(page: Page, mailbox: Mailbox, email: str, *, password: str = PASSWORD) -> None:
    """Creates an account and confirms its address through the link in the mail; ends signed in."""
    page.goto("/accounts/signup/")
    submit_sign_up_form(page, email, password=password)
    confirm_email(page, mailbox, email)


def submit_sign_up_form(page: Page, email: str, *, password: str = PASSWORD) -> None:
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    field(page, "Password (again)").fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()


def confirm_email(page: Page, mailbox: Mailbox, email: str) -> None:
    """Opens the verification link from the mail and confirms; allauth then signs the person in
    and continues to the page they were going to."""
    link = mailbox.wait_for(email, subject_contains="confirm").link_containing("/accounts/confirm-email/")
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(message(page, f"You have confirmed {email}")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_in(page: Page, email: str, *, password: str = PASSWORD, totp_secret: str | None = None) -> None:
    """Signs in through the login form, answering the two-factor prompt when a secret is given."""
    page.goto("/accounts/login/")
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    if totp_secret is not None:
        field(page, "Code").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def off_the_event_loop(build):
    """Runs `build` in a thread of its own: services that broadcast to rooms call async_to_sync,
    which refuses the thread where Playwright's event loop runs."""

    def run():
        try:
            return build()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
