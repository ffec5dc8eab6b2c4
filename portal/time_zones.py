"""The clock every page is shown in (#12 "one clock"): the zone the user chose, else their
browser's (the `tz` cookie site.js keeps), else that of their organisation's country (read once,
at sign-in, into the session), else UTC. The API is left in UTC: its times are ISO 8601 with
their offset, the same whoever asks."""

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path

from django.contrib.auth import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from .contacts.choices import is_time_zone
from .middleware import is_api_path
from .models import Membership

COOKIE = "tz"
SESSION_KEY = "country_time_zone"


@cache
def country_zones() -> dict[str, str]:
    """Each country's principal zone (the first zone.tab lists for it: its most populous region)."""
    zones: dict[str, str] = {}
    for line in _zone_tab().splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_ = line.split("\t")
            zones.setdefault(code, zone)
    return zones


def _zone_tab() -> str:
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:  # the tzdata package, where the system has no tz database
        return resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


def country_time_zone(user) -> str:
    """The principal zone of the country of the user's first organisation that has one, or ""."""
    countries = (
        Membership.objects.filter(user=user)
        .exclude(organization__country="")
        .order_by("organization__name")
        .values_list("organization__country", flat=True)
    )
    for country in countries[:1]:
        return country_zones().get(str(country), "")
    return ""


def zone_for(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and is_time_zone(user.time_zone):
        return user.time_zone
    browser = request.COOKIES.get(COOKIE, "")
    if is_time_zone(browser):
        return browser
    session = getattr(request, "session", None)
    fallback = session.get(SESSION_KEY, "") if session is not None else ""
    return fallback if is_time_zone(fallback) else "UTC"


class UserTimeZoneMiddleware:
    """Activates the request's zone for templates and forms (timezone.localtime, |date); runs
    after AuthenticationMiddleware so that it can read the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path):
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(zone_for(request)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


@receiver(user_logged_in, dispatch_uid="portal.time_zones.country")
def _remember_country_zone(sender, request, user, **kwargs):
    # Read once per sign-in, not on every page: the fallback for a browser that sent no zone.
    if request is not None and hasattr(request, "session") and not user.time_zone:
        request.session[SESSION_KEY] = country_time_zone(user)
