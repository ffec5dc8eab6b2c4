"""The search page and API (#15): grouped by kind, marked snippets, paging, bad input answered
with a message (never a 500), and a query count that does not grow with the results."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from portal.models import Standing
from portal.search.query import MAX_LENGTH, SearchInputError, SearchTerms, parse_terms
from tests.portal.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ODD_INPUTS = [
    "",
    "   ",
    "a" * (MAX_LENGTH + 1),
    "\x00",
    "tide\x00pool",
    "!!!",
    "a & b | !c",
    "foo:* <-> bar",
    "'\"((",
    "or",
    "-",
    '"unclosed',
    "<script>alert(1)</script>",
    "%_%",
    "\\",
    "ﷺ",
    "مد",
    "\u202etide",
]


def search_page(client, **params):
    return client.get(reverse("portal:search"), params)


def test_the_header_links_to_search(client):
    assert reverse("portal:search") in client.get(reverse("portal:home")).content.decode()


def test_the_page_without_words_shows_the_form(client):
    response = search_page(client)
    assert response.status_code == 200
    assert b'type="search"' in response.content and b"search-hit" not in response.content


def test_organisations_are_found_with_what_matched_marked(client):
    OrganizationFactory(name="Tidepool Labs", standing=Standing.SUPPORTER, description="Moderation <b>tools</b>")
    response = search_page(client, q="tidepool")
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert "<mark>Tidepool</mark>" in page and "Tidepool Labs" in page
    assert "<b>tools</b>" not in page  # text people wrote is escaped in the snippet


def test_an_applicant_is_found_only_by_its_members(client):
    applicant = OrganizationFactory(name="Tidepool Applicant", standing=Standing.APPLICANT)
    member = MembershipFactory(organization=applicant).user
    assert "Tidepool Applicant" not in search_page(client, q="tidepool").content.decode()
    client.force_login(member)
    assert "Tidepool Applicant" in search_page(client, q="tidepool").content.decode()


def test_one_kind_is_paged(client):
    for n in range(23):
        OrganizationFactory(name=f"Harbour {n:02}", standing=Standing.SUPPORTER)
    everything = search_page(client, q="harbour").content.decode()
    assert everything.count('class="search-hit"') == 5 and "kind=portal.organizations" in everything
    first = search_page(client, q="harbour", kind="portal.organizations").content.decode()
    assert first.count('class="search-hit"') == 20 and 'rel="next"' in first
    second = search_page(client, q="harbour", kind="portal.organizations", page=2).content.decode()
    assert second.count('class="search-hit"') == 3 and 'rel="prev"' in second and 'rel="next"' not in second
    assert search_page(client, q="harbour", kind="portal.organizations", page="x").status_code == 200


@pytest.mark.parametrize("raw", ODD_INPUTS)
def test_odd_input_gets_an_answer_never_a_server_error(client, raw):
    response = search_page(client, q=raw)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode() or "error" in response.content.decode()
    api = APIClient().get("/api/v1/search/", {"q": raw})
    assert api.status_code in (200, 400)
    if api.status_code == 400:
        assert api.json()["q"]


def test_bad_input_says_what_to_change(client):
    assert "Enter a word to search for." in search_page(client, q="  ").content.decode()
    response = search_page(client, q="x" * (MAX_LENGTH + 1))
    assert response.status_code == 400 and "at most 200 characters" in response.content.decode()
    assert search_page(client, q="tide", kind="nowhere").status_code == 400


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=MAX_LENGTH + 20))
def test_any_text_is_terms_or_a_message(raw):
    try:
        terms = parse_terms(raw)
    except SearchInputError as error:
        assert str(error)
    else:
        assert isinstance(terms, SearchTerms) and terms.words and "\x00" not in terms.text


def test_the_api_answers_groups(client):
    OrganizationFactory(name="Tidepool Labs", standing=Standing.SUPPORTER)
    response = APIClient().get("/api/v1/search/", {"q": "tidepool", "kind": "portal.organizations"})
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    (group,) = response.json()["groups"]
    assert group["kind"] == "portal.organizations" and group["results"][0]["title"] == "Tidepool Labs"
    assert "<mark>" in group["results"][0]["snippet"]
    assert APIClient().get("/api/v1/search/").status_code == 400


@pytest.mark.parametrize("size", [2, 12])
def test_the_query_count_does_not_grow_with_the_results(client, secretariat, size, django_assert_max_num_queries):
    for n in range(size):
        OrganizationFactory(name=f"Harbour {n:02}", standing=Standing.SUPPORTER, description="harbour watch")
    client.force_login(secretariat)
    with django_assert_max_num_queries(9):
        response = search_page(client, q="harbour")
    assert response.status_code == 200 and "<mark>" in response.content.decode()


def test_the_page_speaks_the_readers_language(client):
    response = client.get(reverse("portal:search"), {"q": " "}, HTTP_ACCEPT_LANGUAGE="ar")
    page = response.content.decode()
    assert response.status_code == 400 and "أدخل كلمة للبحث عنها." in page and "ابحث عن" in page
    french = client.get(reverse("portal:search"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<title>Rechercher" in french and "Chercher dans" in french
