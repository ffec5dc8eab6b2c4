"""The layout every page shares: languages and direction, landmarks, the language switcher, no inline scripts."""

import re

import pytest
from django.urls import reverse

from .factories import OrganizationFactory

pytestmark = pytest.mark.django_db

PAGES = ["portal:home", "portal:directory"]


@pytest.fixture
def listed_organization():
    return OrganizationFactory(name="Streamwave", country="JO")


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
def test_pages_render_in_each_language(client, settings, listed_organization, page_name, language, direction):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(page_name))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in body
    if page_name == "portal:directory":
        assert "Streamwave" in body


@pytest.mark.parametrize("page_name", PAGES)
def test_accept_language_is_honoured_for_visitors(client, page_name):
    body = client.get(reverse(page_name), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in body


@pytest.mark.parametrize("page_name", [*PAGES, "account_login", "account_signup"])
def test_layout_landmarks_and_switcher(client, page_name):
    body = client.get(reverse(page_name)).content.decode()
    assert '<a class="skip-link" href="#main">' in body
    assert '<main id="main"' in body
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in body
    switcher = body[body.index('class="language-switcher"') :]
    assert f'action="{reverse("portal:set_language")}"' in body
    for code, name in (("en", "English"), ("fr", "Français"), ("ar", "العربية")):
        assert f'value="{code}" lang="{code}"' in switcher
        assert name in switcher
    # The content security policy forbids inline scripts: only <script src=...>, and JSON data
    # blocks (type="application/json", never run: allauth's passkey button reads its options there).
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", body)
    assert "://cdn" not in body


def test_htmx_is_included_only_when_installed(client, settings):
    settings.HTMX_AVAILABLE = False
    assert "htmx.min.js" not in client.get("/").content.decode()
    settings.HTMX_AVAILABLE = True
    assert "vendor/htmx/htmx.min.js" in client.get("/").content.decode()


def test_directory_chart_shows_numbers_as_text(client):
    OrganizationFactory.create_batch(3, kind="government")
    OrganizationFactory(kind="civil_society")
    body = client.get(reverse("portal:directory")).content.decode()
    chart = body[body.index('class="bar-chart"') : body.index("</figure>")]
    assert re.search(r"Government</a></th>.*?<rect class=\"bar-fill\" width=\"100\".*?>3</td>", chart, re.S)
    assert re.search(r"Civil society</a></th>.*?width=\"33\".*?>1</td>", chart, re.S)


def test_directory_filters_and_pagination(client):
    OrganizationFactory.create_batch(30, kind="government", country="FR")
    OrganizationFactory(name="Kiwi Net", kind="provider", country="NZ")
    OrganizationFactory(name="Hidden Applicant", standing="applicant")
    body = client.get("/organisations/?kind=provider").content.decode()
    assert "Kiwi Net" in body
    assert "Organisation 1" not in body
    body = client.get("/organisations/?country=FR&page=2").content.decode()
    assert "Page 2 of 2" in body
    assert "?country=FR&amp;page=1" in body  # paging keeps the filters
    assert "Hidden Applicant" not in client.get("/organisations/?q=Hidden").content.decode()
