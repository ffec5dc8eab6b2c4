import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/", "/organisations/", "/accounts/signup/"])
def test_public_page_loads_without_console_errors(page, browser_log, path):
    response = page.goto(path)

    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("main")).to_be_visible()
    assert browser_log.errors() == []


def test_language_switcher_turns_the_page_right_to_left(page, browser_log):
    page.goto("/organisations/")

    page.locator('button[name="language"][value="ar"]').click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert page.url.endswith("/organisations/")
    assert browser_log.errors() == []


def test_language_cookie_is_remembered_across_pages(page, live_app):
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_app.url}])

    page.goto("/accounts/signup/")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
