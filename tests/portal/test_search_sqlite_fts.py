"""SQLite's full-text search (portal.search.sqlite_fts, #15): FTS5 tables kept in step by
triggers, installed after migrate. The index itself is checked on an SQLite database of its own,
so these run whatever the test database is; the searches through the apps' kinds run on the test
database and use FTS5 exactly when it is SQLite, with the same readers' scopes and query counts."""

import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.models import Tlp
from portal.search.backend import START, STOP
from portal.search.query import parse_terms
from portal.search.sqlite_fts import FtsIndex, fields_text, fts_query, install_index
from tests.helpers.search import search_results
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory

INDEX = FtsIndex("things", fields_text("name", "description"))


@pytest.fixture
def things():
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT, description TEXT)")
    database.execute("INSERT INTO things VALUES (1, 'Tidepool Labs', 'Violent extremist videos')")
    cursor = database.cursor()
    install_index(cursor, INDEX)
    yield database
    database.close()


def ids(database, words: str) -> set[int]:
    rows = database.execute("SELECT rowid FROM things_fts WHERE things_fts MATCH ?", [fts_query(parse_terms(words))])
    return {row[0] for row in rows}


def test_installing_indexes_the_rows_already_there(things):
    assert ids(things, "tidepool") == {1}


def test_the_triggers_follow_inserts_updates_and_deletes(things):
    things.execute("INSERT INTO things VALUES (2, 'Harbour Watch', 'Une vidéo signalée')")
    assert ids(things, "video") == {1, 2}  # a prefix, accents aside
    things.execute("UPDATE things SET description = 'Nothing relevant' WHERE id = 2")
    assert ids(things, "video") == {1}
    things.execute("DELETE FROM things WHERE id = 1")
    assert ids(things, "video") == set()


def test_installing_again_changes_nothing_but_refills(things):
    install_index(things.cursor(), INDEX)
    assert ids(things, "tidepool") == {1}
    assert things.execute("SELECT count(*) FROM things_fts").fetchone() == (1,)


def test_every_word_is_needed_and_an_arabic_article_is_optional(things):
    things.execute("INSERT INTO things VALUES (3, 'الشفافية', 'نشرت المنظمات تقارير الشفافية')")
    assert ids(things, "tidepool violent") == {1}
    assert ids(things, "tidepool harbour") == set()
    assert ids(things, "شفافية") == {3}
    assert ids(things, "الشفافية") == {3}


def test_what_the_reader_types_is_never_fts5_syntax(things):
    for raw in ('tidepool" OR "x', "tidepool*", "NEAR(tidepool)", "-tidepool", "tidepool AND", "^tidepool"):
        ids(things, raw)  # no syntax error
    assert fts_query(parse_terms('a" OR b')) == '"a"* AND "or"* AND "b"*'


def test_the_snippet_marks_what_matched(things):
    query = fts_query(parse_terms("videos"))
    (snippet,) = things.execute(
        "SELECT snippet(things_fts, 0, ?, ?, ' … ', 24) FROM things_fts WHERE things_fts MATCH ?", [START, STOP, query]
    ).fetchone()
    assert f"{START}videos{STOP}" in snippet


@pytest.mark.django_db
def test_a_red_room_is_searched_through_the_index_by_its_named_individuals_only(client, secretariat):
    provider_a, provider_b = OrganizationFactory(), OrganizationFactory()
    responder_a, responder_b = responder_of(provider_a), responder_of(provider_b)
    incident = services.declare_incident(
        actor=secretariat, title="Named only", tlp=Tlp.RED, organizations=[provider_a], recipients=[responder_a]
    )
    services.post_message(incident=incident, actor=responder_a, client_id=None, body="Okonkwo uploaded the videos")
    with CaptureQueriesContext(connection) as queries:
        assert "<mark>" in search_results(client, responder_a, "okonkwo video", "incidents.room")
    uses_fts5 = any("incidents_roomitem_fts" in query["sql"] for query in queries.captured_queries)
    assert uses_fts5 == (connection.vendor == "sqlite")
    for user in (responder_of(provider_a), responder_b, None):
        assert "Okonkwo" not in search_results(client, user, "okonkwo", "incidents.room")


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 20])
def test_the_search_page_runs_fixed_queries(client, secretariat, n, django_assert_max_num_queries):
    for i in range(n):
        OrganizationFactory(name=f"Tidepool {i}", description="Reports of violent videos")
    client.force_login(secretariat)
    with django_assert_max_num_queries(12):  # 9 at both sizes, on SQLite and PostgreSQL
        response = client.get(reverse("portal:search"), {"q": "tidepool violent"})
    assert response.status_code == 200 and "<mark>" in response.content.decode()
