"""Text matching for search: PostgreSQL full-text search in the reader's language, or a LIKE
fallback on the embedded SQLite default.

PostgreSQL: to_tsvector/websearch_to_tsquery with the text search configuration of the reader's
language (CONFIGS), ranked by ts_rank, with ts_headline's snippet. The vector is computed from
the row's text as the query runs; a table that grows large gets a GIN index on exactly that
expression per configuration (incidents' room items: docs/performance.md, "Search").
SQLite: FTS5 where the kind has an index (sqlite_fts: a table per searched table, kept in step
by triggers installed after migrate), ranked by bm25 with FTS5's snippet; otherwise, and when
asked (full_text=False), every word must appear (case-insensitively for ASCII) in one of the
fields, newest first.
"""

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .query import SearchTerms
from .sqlite_fts import FtsIndex, fts_matching

# PostgreSQL's configuration per site language: its Snowball stemmers include Arabic (since PostgreSQL 12).
CONFIGS = {"en": "english", "fr": "french", "ar": "arabic"}
# ts_headline's markers around a match: private-use characters, so escaping the snippet cannot touch them.
START, STOP = "\ue000", "\ue001"
SNIPPET_CHARS = 220


def config_for(language: str | None = None) -> str:
    language = (language or get_language() or "en").split("-")[0]
    return CONFIGS.get(language, "simple")


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def _text(fields: list[str]):
    texts = [Coalesce(F(field), Value(""), output_field=TextField()) for field in fields]
    if len(texts) == 1:
        return texts[0]
    parts = []
    for text in texts:
        parts += [text, Value(" ")]
    return Concat(*parts[:-1], output_field=TextField())


def matching(
    queryset: QuerySet,
    *,
    fields: list[str],
    terms: SearchTerms,
    newest_first: bool = False,
    full_text: bool | None = None,
    language=None,
    fts: FtsIndex | None = None,
    fts_field: str = "pk",
) -> QuerySet:
    """The rows whose text fields (names of fields or of the queryset's aliases) match the terms,
    best first (or newest first: ranking must compute every match's vector again, which a large
    table's common word makes slow), each annotated with `search_snippet` for snippet_html.
    Filtering only: the caller has already scoped the queryset to what the reader may see.
    `fts`: the kind's SQLite index, whose rowids are the queryset's `fts_field`; full_text=False
    asks for the LIKE fallback whatever the database."""
    if full_text is None:
        full_text = full_text_available()
        if not full_text and fts is not None and connection.vendor == "sqlite":
            return fts_matching(
                queryset, index=fts, field=fts_field, terms=terms, newest_first=newest_first, start=START, stop=STOP
            )
    if full_text:
        config = config_for(language)
        query = SearchQuery(terms.text, config=config, search_type="websearch")
        vector = SearchVector(*fields, config=config)
        found = queryset.alias(search_vector=vector).filter(search_vector=query)
        if newest_first:
            found = found.order_by("-pk")
        else:
            found = found.annotate(search_rank=SearchRank(vector, query)).order_by("-search_rank", "-pk")
        return found.annotate(
            search_snippet=SearchHeadline(
                _text(fields),
                query,
                config=config,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    condition = Q()
    for word in terms.words:
        in_any_field = Q()
        for field in fields:
            in_any_field |= Q(**{f"{field}__icontains": word})
        condition &= in_any_field
    return queryset.filter(condition).annotate(search_snippet=_text(fields)).order_by("-pk")


def snippet_html(raw: str | None, terms: SearchTerms) -> SafeString:
    """The snippet as safe HTML: the text escaped, what matched in <mark>. ts_headline's output
    carries its markers; the fallback's whole text is cut around the first word found."""
    raw = raw or ""
    if START in raw:
        return mark_safe(html.escape(raw).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped first
    pattern = re.compile("|".join(re.escape(word) for word in sorted(terms.words, key=len, reverse=True)), re.I)
    found = pattern.search(raw)
    start = max(0, found.start() - SNIPPET_CHARS // 3) if found else 0
    piece = raw[start : start + SNIPPET_CHARS]
    parts, last = [], 0
    for match in pattern.finditer(piece):
        parts += [html.escape(piece[last : match.start()]), "<mark>", html.escape(match.group()), "</mark>"]
        last = match.end()
    parts.append(html.escape(piece[last:]))
    before = "… " if start else ""
    after = " …" if start + SNIPPET_CHARS < len(raw) else ""
    return mark_safe(before + "".join(parts) + after)  # noqa: S308 - every piece escaped
