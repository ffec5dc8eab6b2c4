"""The fixed lists a contact is validated against: IANA time zones (the system's tz database,
through zoneinfo) and languages (Django's own list, named in the active language from Django's own catalogue)."""

from functools import cache
from zoneinfo import available_timezones

from django.conf import global_settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_NUMBERS = 5
MAX_LANGUAGES = 10
MAX_CHAIN_STEPS = 20
MIN_WAIT_MINUTES = 1
MAX_WAIT_MINUTES = 240


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    DESK = "desk", _("Desk")
    SATELLITE = "satellite", _("Satellite")
    OTHER = "other", _("Other")


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


LANGUAGE_NAMES = dict(global_settings.LANGUAGES)


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in LANGUAGE_NAMES]


def language_name(code: str) -> str:
    """In the active language: Django lists the names untranslated (gettext_noop) and ships
    their translations in its own catalogue."""
    return gettext(LANGUAGE_NAMES[code])
