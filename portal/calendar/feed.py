"""A list of CalendarEntry rows as an RFC 5545 calendar, with the `icalendar` library. Every
event is all-day (DTSTART as a DATE, DTEND the next day); every timestamp is UTC."""

import datetime

from django.utils import timezone
from icalendar import Calendar, Event

from .registry import CalendarEntry

PRODID = "-//Call Portal//Calendar feed//EN"


def render_calendar(entries: list[CalendarEntry], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "UTC")
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        if entry.at is not None:  # a due time: a short event at that moment, in UTC
            start = entry.at.astimezone(datetime.UTC).replace(microsecond=0)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(minutes=15))
        else:
            event.add("dtstart", entry.day)
            event.add("dtend", entry.day + datetime.timedelta(days=1))
        event.add("summary", entry.summary)
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        if entry.categories:
            event.add("categories", list(entry.categories))
        calendar.add_component(event)
    return calendar.to_ical()
