"""Refusals that list the allowed choices as people see them (their translated labels),
never as stored values such as "not_present"."""

from django.utils.text import get_text_list
from django.utils.translation import gettext as _


def choose_one_of(choices) -> str:
    """ "Choose Reported, Found, Removed or Not present." for a TextChoices class; the "or"
    and the separators come translated from get_text_list."""
    return _("Choose %(choices)s.") % {"choices": get_text_list([str(label) for label in choices.labels])}
