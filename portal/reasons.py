"""Reasons the portal itself gives for a change (a standing change, an audit event), as opposed to
reasons people type. They are stored as their English source text and said in the reader's
language when shown, so an Arabic reader of a change a French secretariat made reads Arabic."""

from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

APPLICATION_APPROVED = gettext_noop("Application approved")

SYSTEM_REASONS = (APPLICATION_APPROVED,)


@cache
def _sources() -> dict[str, str]:
    """Each system reason's source and every shipped translation of it (rows written before
    reasons were stored in English hold the approver's language), mapped to the source."""
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.update({gettext(source): source for source in SYSTEM_REASONS})
    found.update({source: source for source in SYSTEM_REASONS})
    return found


def say_reason(reason: str) -> str:
    """A stored reason in the active language: a system reason translated, anything a person
    typed as it was typed."""
    source = _sources().get(reason) if isinstance(reason, str) else None
    return gettext(source) if source else reason
