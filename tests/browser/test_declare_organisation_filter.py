"""The declare-incident form as the secretariat meets it: no tier chosen for them, the
exercise box's label without a colon, and a filter over the organisation checkboxes that is
reached and used with the keyboard, keeps ticked organisations listed, and is absent (every
organisation listed) when the browser runs no script."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.portal.factories import OrganizationFactory, SecretariatFactory

from .steps import field, off_the_event_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ("Kiwi Video", "Kiwi News", "Harbour Social", "Société Civile")


@dataclass(frozen=True)
class Secretariat:
    email: str
    totp_secret: str


def build() -> Secretariat:
    for name in NAMES:
        OrganizationFactory(name=name)
    user = SecretariatFactory()
    return Secretariat(user.email, user.totp_secret)


def organisation(page: Page, name: str):
    return page.get_by_role("checkbox", name=name, exact=True)


def test_the_secretariat_filters_the_organisations_with_the_keyboard(page, new_context, browser_log):
    secretariat = off_the_event_loop(build)
    sign_in(page, secretariat.email, totp_secret=secretariat.totp_secret)
    page.goto("/incidents/declare/")

    expect(field(page, "Tier")).to_have_value("")
    expect(page.locator("label[for=id_is_exercise]")).to_have_text("This is an exercise (a drill)")

    organisation(page, "Harbour Social").check()
    page.get_by_role("checkbox", name="Is it spreading across platforms?").focus()
    page.keyboard.press("Tab")
    search = page.get_by_role("searchbox", name="Filter organisations")
    expect(search).to_be_focused()

    page.keyboard.type("kiwi")
    for name in ("Kiwi Video", "Kiwi News", "Harbour Social"):  # the ticked one stays listed
        expect(organisation(page, name)).to_be_visible()
    expect(organisation(page, "Société Civile")).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="Organisations shown: 3 of 4.")).to_be_visible()

    page.keyboard.press("Enter")  # filters; does not post the form
    expect(page.locator(".errorlist")).to_have_count(0)
    assert page.url.endswith("/incidents/declare/")

    search.fill("societe")  # accents ignored
    expect(organisation(page, "Société Civile")).to_be_visible()
    expect(organisation(page, "Kiwi Video")).to_be_hidden()

    search.fill("")
    for name in NAMES:
        expect(organisation(page, name)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=re.compile("Organisations shown"))).to_have_count(0)
    assert browser_log.errors() == []

    # Without script: no filter box, every organisation listed (the same session).
    plain = new_context(java_script_enabled=False)
    plain.add_cookies(page.context.cookies())
    plain_page = plain.new_page()
    plain_page.goto("/incidents/declare/")
    expect(plain_page.get_by_role("searchbox", name="Filter organisations")).to_be_hidden()
    for name in NAMES:
        expect(organisation(plain_page, name)).to_be_visible()
