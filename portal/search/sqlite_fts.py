"""Full-text search on the embedded SQLite default: an FTS5 table per searched table, kept in
step by triggers, installed after every migrate (post_migrate; PostgreSQL has its own search).

Each index is a regular FTS5 table of one column, `text`, whose rowid is the searched row's key
(a model's id, or a commitment revision's id); the triggers write the text an SQL expression
makes of the row, so a JSON field's wordings can be indexed too. Installing is idempotent and
refills each index from its table, so a database migrated before an index existed gets it whole.
The apps register their indexes in ready(), beside their search kinds (portal.search.registry).

Words are matched as prefixes ("video" finds "videos"), case and accents aside (unicode61
remove_diacritics 2); an Arabic word also matches with or without its article (ال), which
PostgreSQL's Arabic stemmer would remove. What a reader may see is still the caller's queryset:
the index only says which rows hold the words."""

import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from .query import SearchTerms

TOKENIZER = "unicode61 remove_diacritics 2"
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARTICLE = "ال"


@dataclass(frozen=True)
class FtsIndex:
    table: str  # the searched table
    text_sql: str  # an SQL expression over the row's columns, written with {row}. before each
    key: str = "id"  # the searched table's column that the index's rowid holds

    @property
    def name(self) -> str:
        return f"{self.table}_fts"


_indexes: dict[str, FtsIndex] = {}


def register_fts_index(index: FtsIndex) -> FtsIndex:
    _indexes[index.name] = index
    return index


def fields_text(*columns: str) -> str:
    """The text_sql of plain text columns, joined by spaces."""
    return " || ' ' || ".join(f"coalesce({{row}}.{column}, '')" for column in columns)


def install_indexes(using: str = "default", **kwargs) -> None:
    """post_migrate receiver: creates or refreshes every registered index, on SQLite only."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for index in _indexes.values():
            if index.table not in tables:
                continue
            install_index(cursor, index)


def install_index(cursor, index: FtsIndex) -> None:
    # Every name in this SQL comes from a registered FtsIndex (code), never from a request.
    name, table, key = index.name, index.table, index.key
    new, every_row = index.text_sql.format(row="new"), index.text_sql.format(row=table)
    insert_new = f"INSERT INTO {name}(rowid, text) VALUES (new.{key}, {new});"  # noqa: S608
    delete_old = f"DELETE FROM {name} WHERE rowid = old.{key};"  # noqa: S608
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5(text, tokenize='{TOKENIZER}')",
        *(f"DROP TRIGGER IF EXISTS {name}_{trigger}" for trigger in ("ai", "ad", "au")),
        f"CREATE TRIGGER {name}_ai AFTER INSERT ON {table} BEGIN {insert_new} END",
        f"CREATE TRIGGER {name}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"CREATE TRIGGER {name}_au AFTER UPDATE ON {table} BEGIN {delete_old} {insert_new} END",
        # Refilled whole: rows written while the triggers did not exist are indexed too.
        f"DELETE FROM {name}",  # noqa: S608
        f"INSERT INTO {name}(rowid, text) SELECT {key}, {every_row} FROM {table}",  # noqa: S608
    ]
    for statement in statements:
        cursor.execute(statement)


def fts_query(terms: SearchTerms) -> str:
    """An FTS5 query that needs every word (as a prefix). Words are \\w+ runs, quoted, so
    nothing the reader typed is read as FTS5 syntax."""
    clauses = []
    for word in terms.words:
        variants = [word]
        if _ARABIC.search(word):
            bare = word[len(_ARTICLE) :] if word.startswith(_ARTICLE) and len(word) > 3 else word
            variants = list(dict.fromkeys([bare, _ARTICLE + bare]))
        quoted = [f'"{variant}"*' for variant in variants]
        clauses.append(quoted[0] if len(quoted) == 1 else f"({' OR '.join(quoted)})")
    return " AND ".join(clauses)


def fts_matching(
    queryset: QuerySet, *, index: FtsIndex, field: str, terms: SearchTerms, newest_first: bool, start: str, stop: str
) -> QuerySet:
    """The queryset's rows whose `field` (the column index.key names, as the queryset's field)
    the index finds, best first by bm25 (or newest first), with `search_snippet` marked by
    start/stop. Subqueries of the one query: the count does not grow with the results."""
    # The index's and the table's names come from code; the reader's words are a parameter.
    query = fts_query(terms)
    name = index.name
    meta = queryset.model._meta
    column = meta.pk.column if field == "pk" else meta.get_field(field).column
    outer = f'"{meta.db_table}"."{column}"'
    matched = f"SELECT rowid FROM {name} WHERE {name} MATCH %s"  # noqa: S608
    this_row = f"FROM {name} WHERE {name} MATCH %s AND rowid = {outer}"
    found = queryset.filter(**{f"{field}__in": RawSQL(matched, [query])})  # noqa: S611
    snippet = RawSQL(f"(SELECT snippet({name}, 0, %s, %s, ' … ', 24) {this_row})", [start, stop, query])  # noqa: S611
    found = found.annotate(search_snippet=snippet)
    if newest_first:
        return found.order_by("-pk")
    rank = RawSQL(f"(SELECT bm25({name}) {this_row})", [query])  # noqa: S611
    return found.annotate(search_rank=rank).order_by("search_rank", "-pk")  # bm25: lower is better
