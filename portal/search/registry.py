"""The kinds of record search looks in, registered by the apps that own them, as the calendar's
sources are (portal.calendar.registry). Each app registers in its AppConfig.ready():

    register_search_kind("incidents.room", _("Room messages"), room_hits, order=60)

A kind's `find(user, terms, offset, limit)` returns at most `limit` SearchHit rows the user may
see now, by the same rule as the app's pages, best first, in one query (a fixed number at most):
the search page's query count must not grow with the results."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from .query import SearchTerms


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str  # a path on this site
    snippet: SafeString  # escaped text with <mark> around what matched (backend.snippet_html)
    context: str = ""  # where it is: the organisation, the incident


Finder = Callable[[object, SearchTerms, int, int], list[SearchHit]]


@dataclass(frozen=True)
class SearchKind:
    name: str
    label: str  # lazily translated
    find: Finder
    order: int


_kinds: dict[str, SearchKind] = {}


def register_search_kind(name: str, label, find: Finder, *, order: int) -> None:
    """Registering the same name again replaces the earlier kind (ready() may run twice in tests)."""
    _kinds[name] = SearchKind(name=name, label=label, find=find, order=order)


def search_kinds() -> list[SearchKind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.name))


def search_kind(name: str) -> SearchKind | None:
    return _kinds.get(name)
