"""portal.search.backend on both paths: PostgreSQL full-text search and the LIKE fallback the
embedded SQLite default uses (run here on the test database, which may be either)."""

import pytest

from portal.models import Organization, Standing
from portal.search.backend import config_for, matching, snippet_html
from portal.search.query import parse_terms
from tests.portal.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

# PostgreSQL's full-text search: like the drills, deselected (and said so) by `make test` without
# DATABASE_URL, and required in CI.
needs_postgresql = pytest.mark.reliability


@pytest.fixture
def organisations(db):
    return {
        "tide": OrganizationFactory(name="Tidepool Labs", description="Reports of violent extremist videos"),
        "harbour": OrganizationFactory(name="Harbour Watch", description="A tidepool of volunteers & <friends>"),
        "other": OrganizationFactory(name="Quiet Org", description="Nothing relevant", standing=Standing.SUPPORTER),
    }


def names(queryset):
    return {organization.name for organization in queryset}


def test_the_fallback_needs_every_word_in_some_field(organisations):
    found = matching(
        Organization.objects.all(), fields=["name", "description"], terms=parse_terms("TIDEPOOL"), full_text=False
    )
    assert names(found) == {"Tidepool Labs", "Harbour Watch"}
    both = parse_terms("tidepool violent")
    assert names(matching(Organization.objects.all(), fields=["name", "description"], terms=both, full_text=False)) == {
        "Tidepool Labs"
    }


def test_the_fallback_snippet_is_escaped_and_marked(organisations):
    terms = parse_terms("tidepool")
    (row,) = matching(
        Organization.objects.filter(name="Harbour Watch"), fields=["name", "description"], terms=terms, full_text=False
    )
    snippet = snippet_html(row.search_snippet, terms)
    assert "<mark>tidepool</mark>" in snippet and "&lt;friends&gt;" in snippet and "<friends>" not in snippet


def test_a_long_text_is_cut_around_the_first_match():
    terms = parse_terms("needle")
    snippet = snippet_html("hay " * 200 + "needle" + " hay" * 200, terms)
    assert snippet.startswith("… ") and snippet.endswith(" …") and "<mark>needle</mark>" in snippet
    assert len(snippet) < 300


def test_each_language_has_its_configuration():
    assert (config_for("en"), config_for("fr"), config_for("ar"), config_for("de")) == (
        "english",
        "french",
        "arabic",
        "simple",
    )


@needs_postgresql
def test_full_text_stems_in_the_readers_language(organisations):
    terms = parse_terms("video")
    found = matching(Organization.objects.all(), fields=["name", "description"], terms=terms, language="en")
    (row,) = found
    assert row.name == "Tidepool Labs" and "<mark>videos</mark>" in snippet_html(row.search_snippet, terms)
    french = parse_terms("violentes")
    OrganizationFactory(name="Signalements", description="Des vidéo violente en direct")
    found = names(matching(Organization.objects.all(), fields=["description"], terms=french, language="fr"))
    assert found == {"Signalements", "Tidepool Labs"}  # "violente", "violent": one stem


@needs_postgresql
def test_arabic_is_stemmed(organisations):
    OrganizationFactory(name="الشفافية", description="نشرت المنظمات تقارير الشفافية")
    terms = parse_terms("شفافية")
    (row,) = matching(Organization.objects.all(), fields=["description"], terms=terms, language="ar")
    assert "<mark>الشفافية</mark>" in snippet_html(row.search_snippet, terms)


@needs_postgresql
def test_tsquery_syntax_is_read_as_words(organisations):
    for raw in ("tidepool & | !", "tidepool:*", '"tidepool', "(tidepool", "tidepool <-> ", "-tidepool"):
        list(matching(Organization.objects.all(), fields=["name"], terms=parse_terms(raw)))
