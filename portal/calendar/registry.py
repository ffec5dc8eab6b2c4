"""Calendar events contributed by other apps, as the digest's sections are
(portal.notifications.registry). Each app registers a source in its AppConfig.ready():

    register_calendar_source("commitments.deadlines", deadline_entries)

A source is a function of the feed's user returning CalendarEntry rows that this user may
read now, in a fixed number of queries; it decides what a calendar (a third party's server,
often) may hold, withholding content as the app's webhooks do."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CalendarEntry:
    uid: str  # stable across fetches, unique within the feed
    summary: str
    day: datetime.date  # an all-day event on this date (UTC)
    description: str = ""
    url: str = ""  # absolute
    categories: tuple[str, ...] = ()
    at: datetime.datetime | None = None  # a moment (an action's due time) rather than the whole day


CalendarSource = Callable[[object], list[CalendarEntry]]

_sources: dict[str, CalendarSource] = {}


def register_calendar_source(name: str, source: CalendarSource) -> None:
    """Registering the same name again replaces the earlier source (ready() may run twice in tests)."""
    _sources[name] = source


def entries_for(user) -> list[CalendarEntry]:
    entries = [entry for source in _sources.values() for entry in source(user)]
    return sorted(entries, key=lambda entry: (entry.day, entry.uid))
