"""Word diffs for the history pages: what a revision or an edit removed and added, as HTML
(<del>, <ins>) built from escaped text only, so what people wrote is never read as markup."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words with the spaces after them, so a diff keeps the text's own spacing and line breaks.
TOKEN = re.compile(r"\S+\s*|\s+")


def word_diff_html(old: str, new: str) -> SafeString:
    """`new` with the words `old` had and it lacks struck through (<del>) and its own new
    words marked (<ins>); identical texts come back escaped and unmarked."""
    before, after = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(after[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(before[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(after[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
