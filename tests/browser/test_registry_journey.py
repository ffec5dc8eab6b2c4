from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.portal.factories import SecretariatFactory

from .steps import confirm_email, field, message, sign_in, sign_up, submit_sign_up_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORGANISATION = "Kōrero Online Safety Trust"
APPLICANT = "amira@example.org"
COLLEAGUE = "tane@example.org"


@dataclass(frozen=True)
class Secretariat:
    email: str
    totp_secret: str


@pytest.fixture
def secretariat_with_two_factor():
    user = SecretariatFactory(email="secretariat@example.org")
    return Secretariat(email=user.email, totp_secret=user.totp_secret)


def apply_for_organisation(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Apply").click()
    field(page, "Name").fill(ORGANISATION)
    field(page, "Kind of organisation").select_option(label="Civil society")
    field(page, "Country").select_option("NZ")
    field(page, "Website").fill("https://korero.example.org")
    field(page, "Description").fill("Researches and counters violent extremist content online.")
    field(page, "Message to the secretariat").fill("I lead the trust's policy team.")
    page.get_by_role("button", name="Submit application").click()
    expect(message(page, "is with the secretariat")).to_be_visible()


def approve_in_review_queue(page: Page, secretariat: Secretariat) -> None:
    sign_in(page, secretariat.email, totp_secret=secretariat.totp_secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    application = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"New organisation: {ORGANISATION}")
    )
    expect(application).to_contain_text(APPLICANT)
    expect(application).to_contain_text("I lead the trust's policy team.")
    application.get_by_role("button", name="Approve as supporter").click()
    expect(message(page, f"Approved: {APPLICANT} for {ORGANISATION}")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for review.")).to_be_visible()


def invite_colleague(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisations").click()
    page.get_by_role("link", name=f"Manage {ORGANISATION}").click()
    invite = page.get_by_role("region", name="Invite a colleague")
    field(invite, "Email address").fill(COLLEAGUE)
    invite.get_by_label("Reporter", exact=True).check()
    invite.get_by_role("button", name="Send invitation").click()
    expect(message(page, f"Invitation sent to {COLLEAGUE}")).to_be_visible()


def test_applicant_founds_an_organisation_and_invites_a_colleague(
    page, new_context, mailbox, browser_log, secretariat_with_two_factor
):
    sign_up(page, mailbox, APPLICANT)
    apply_for_organisation(page)
    expect(page.get_by_role("row", name=ORGANISATION)).to_contain_text("Pending")
    mailbox.wait_for(secretariat_with_two_factor.email, subject_contains=f"New application to review: {ORGANISATION}")

    approve_in_review_queue(new_context().new_page(), secretariat_with_two_factor)

    mailbox.wait_for(APPLICANT, subject_contains=f"Your application for {ORGANISATION} was approved")
    page.reload()
    membership = page.get_by_role("region", name="Memberships").get_by_role("row", name=ORGANISATION)
    expect(membership).to_contain_text("Admin")
    expect(membership).to_contain_text("Supporter")
    visitor = new_context().new_page()
    visitor.goto("/organisations/")
    expect(visitor.get_by_role("link", name=ORGANISATION)).to_be_visible()

    invite_colleague(page)

    invitation_link = mailbox.wait_for(COLLEAGUE, subject_contains="You are invited").link_containing("/invitations/")
    colleague = new_context().new_page()
    colleague.goto(invitation_link)
    expect(message(colleague, "Sign in, or create an account")).to_be_visible()
    colleague.get_by_role("main").get_by_role("link", name="sign up").click()
    submit_sign_up_form(colleague, COLLEAGUE)
    confirm_email(colleague, mailbox, COLLEAGUE)
    expect(colleague.get_by_role("heading", name=f"Join {ORGANISATION}")).to_be_visible()
    colleague.get_by_role("button", name="Accept invitation").click()
    expect(message(colleague, "Your role: Reporter")).to_be_visible()
    expect(colleague.get_by_role("heading", name=ORGANISATION, level=1)).to_be_visible()

    page.reload()
    new_member = page.get_by_role("region", name="Members").get_by_role("row", name=COLLEAGUE)
    roles = new_member.get_by_role("group", name=f"Roles of {COLLEAGUE}")
    expect(roles.get_by_label("Reporter", exact=True)).to_be_checked()
    expect(roles.get_by_label("Responder", exact=True)).not_to_be_checked()
    expect(page.get_by_text("No open invitations.")).to_be_visible()
    assert browser_log.errors() == []
