"""The search page's and API's read: each registered kind asked once, so the queries are one
per kind whatever the number of results."""

from dataclasses import dataclass

from .query import SearchTerms
from .registry import SearchHit, SearchKind, search_kind, search_kinds

GROUP_SIZE = 5  # per kind, when searching every kind
PAGE_SIZE = 20  # when searching one kind
MAX_PAGE = 50  # deeper pages are not worth an OFFSET scan: the reader narrows the words instead


@dataclass(frozen=True)
class SearchGroup:
    kind: SearchKind
    hits: list[SearchHit]
    has_more: bool


@dataclass(frozen=True)
class SearchResults:
    terms: SearchTerms
    groups: list[SearchGroup]
    kind: str  # "" for every kind
    page: int

    @property
    def has_next(self) -> bool:
        return bool(self.kind) and self.page < MAX_PAGE and any(group.has_more for group in self.groups)

    @property
    def count(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def page_number(raw) -> int:
    """A missing, non-numeric or out-of-range page gives the nearest one, as paginate() does."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def search(user, terms: SearchTerms, *, kind: str = "", page: int = 1) -> SearchResults:
    chosen = search_kind(kind) if kind else None
    if chosen is not None:
        kinds, limit, offset = [chosen], PAGE_SIZE, (page - 1) * PAGE_SIZE
    else:
        kinds, limit, offset, kind, page = search_kinds(), GROUP_SIZE, 0, "", 1
    groups = []
    for each in kinds:
        hits = each.find(user, terms, offset, limit + 1)  # one more tells whether there is more
        groups.append(SearchGroup(kind=each, hits=hits[:limit], has_more=len(hits) > limit))
    return SearchResults(terms=terms, groups=groups, kind=kind, page=page)
