"""What the reader typed, checked before any query: bad input gets a message, never a 500.
The words go to PostgreSQL as websearch_to_tsquery's input, which accepts any text (quotes,
"or", a leading "-"), so tsquery syntax typed by the reader cannot fail the query."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_LENGTH = 200
MAX_WORDS = 12
_WORD = re.compile(r"\w+")


class SearchInputError(ValueError):
    """The message says, in the reader's language, what to change."""


@dataclass(frozen=True)
class SearchTerms:
    text: str  # what the reader typed, without control characters
    words: tuple[str, ...]  # at most MAX_WORDS, for the LIKE fallback and the snippets


def parse_terms(raw) -> SearchTerms:
    text = "" if raw is None else str(raw)
    if len(text) > MAX_LENGTH:
        raise SearchInputError(_("Search for at most %(max)d characters.") % {"max": MAX_LENGTH})
    # Control characters (NUL among them, which PostgreSQL refuses in text) are dropped.
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text).strip()
    if not text:
        raise SearchInputError(_("Enter a word to search for."))
    words = tuple(dict.fromkeys(word.casefold() for word in _WORD.findall(text)))[:MAX_WORDS]
    if not words:
        raise SearchInputError(_("Search needs at least one letter or digit."))
    return SearchTerms(text=" ".join(text.split()), words=words)
