"""Shorter sessions for the people who can do the most harm with a stolen one.

The secretariat and incident responders (the users who must use two-factor
authentication) are signed out after 30 minutes without a request and 12 hours
after signing in, whatever they do. Everyone else keeps Django's default session
lifetime. An API token is not a session and is not affected; a session cookie sent
beside one is held to the policy like any other.

The session stores when it started and when it was last seen, as epoch seconds.
Last-seen is written at most once a minute, so an active user does not cause a
session write on every request; the idle limit is exact to within that minute.

A live connection counts as activity too: a responder watching an incident room for an
hour is not idle, and must not lose a form post to a sign-in page when they finally act.
The room notes it in the cache (note_live_activity), not in the session, so a heartbeat
never races an HTTP request's write of the same session.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from .middleware import is_api_path, page_redirect
from .permissions import must_use_two_factor

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
SEEN_RESOLUTION = timedelta(minutes=1)

STARTED_KEY = "portal_session_started"
SEEN_KEY = "portal_session_seen"
LIVE_KEY_PREFIX = "portal:session-live:"


def _epoch(moment) -> int:
    return int(moment.timestamp())


def _read(session, key) -> int | None:
    value = session.get(key)
    return value if isinstance(value, int) else None


def within_limits(*, started: int | None, seen: int | None, now) -> bool:
    """Whether a strict session started at `started` and last seen at `seen` (epoch seconds) is
    still within the idle and absolute limits at `now`. Unknown times count as now: the middleware
    records them on the next request."""
    current = _epoch(now)
    started = current if started is None else started
    seen = current if seen is None else seen
    return current - seen < IDLE_LIMIT.total_seconds() and current - started < ABSOLUTE_LIMIT.total_seconds()


def session_expired(session, user, *, now=None) -> bool:
    """Whether this signed-in user's session has ended under the policy. The role check
    (a query for non-secretariat users) runs only once a session is past a limit."""
    if not (user and user.is_authenticated):
        return False
    now = now or timezone.now()
    started, seen = _read(session, STARTED_KEY), _read(session, SEEN_KEY)
    if within_limits(started=started, seen=seen, now=now):
        return False
    live = _live_seen(getattr(session, "session_key", None))
    if live is not None and within_limits(started=started, seen=max(seen or 0, live), now=now):
        return False
    return must_use_two_factor(user)


def note_live_activity(session_key: str | None, *, now=None) -> None:
    """Records that this session is in use over a live connection (e.g. the incident room)."""
    note_live_activities([session_key] if session_key else [], now=now)


def note_live_activities(session_keys, *, now=None) -> None:
    """note_live_activity for many sessions in one cache round trip (a room's heartbeat)."""
    current = _epoch(now or timezone.now())
    values = {LIVE_KEY_PREFIX + key: current for key in session_keys if key}
    if values:
        cache.set_many(values, timeout=int(IDLE_LIMIT.total_seconds()))


def past_absolute_limit(session_data: dict, *, now=None) -> bool:
    """Whether a strict session (stored data) started longer ago than the absolute limit.
    Live activity never extends it: a room connection re-checks this on every heartbeat."""
    started = _read(session_data, STARTED_KEY)
    return started is not None and _epoch(now or timezone.now()) - started >= ABSOLUTE_LIMIT.total_seconds()


def _live_seen(session_key: str | None) -> int | None:
    value = cache.get(LIVE_KEY_PREFIX + session_key) if session_key else None
    return value if isinstance(value, int) else None


def record_activity(session, *, now=None) -> None:
    """Stores the start (once) and last-seen time, writing last-seen at most once a minute."""
    current = _epoch(now or timezone.now())
    if _read(session, STARTED_KEY) is None:
        session[STARTED_KEY] = current
    seen = _read(session, SEEN_KEY)
    if seen is None or current - seen >= SEEN_RESOLUTION.total_seconds():
        session[SEEN_KEY] = current


@receiver(user_logged_in, dispatch_uid="portal.session_policy.start")
def _start_on_login(sender, request, user, **kwargs):
    # Signing in (again) starts the clock afresh, whatever the session held before.
    if request is not None and hasattr(request, "session"):
        current = _epoch(timezone.now())
        request.session[STARTED_KEY] = current
        request.session[SEEN_KEY] = current


class SessionPolicyMiddleware:
    """Ends expired strict sessions; runs after authentication and messages. It asks how the
    request was authenticated, never what its headers look like: request.user here is always
    the session's (an API token authenticates later, in DRF, and is not affected)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            if session_expired(request.session, user, now=now):
                logout(request)
                if is_api_path(request.path):
                    return self.get_response(request)  # answered as anonymous, not redirected
                messages.info(request, _("Your session has expired. Please sign in again."))
                return page_redirect(request, redirect_to_login(request.get_full_path())["Location"])
            record_activity(request.session, now=now)
        return self.get_response(request)
