"""Whether the people in a room may stay: checked for a whole room at once.

A connection is checked when it opens (consumers: 4404 or 4403, as the contract says),
again when a signal says its user's access or credentials changed, and on every
heartbeat. The heartbeat's check runs once per room per process for all of the room's
connections there (the room's hub calls `beat`): checked one connection at a time, 500
connections spent most of a core building the same queries (docs/performance.md).

A connection is identified here by its member: (user id, credential), where the
credential is what authenticated it and must still be valid:
("token", key hash) for an API token, ("session", session key) for a browser session.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from portal.models import ApiToken, User
from portal.permissions import must_use_two_factor
from portal.second_factor import session_passed
from portal.session_policy import note_live_activities, past_absolute_limit

from . import services
from .permissions import room_audience

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403

Credential = tuple[str, str]
Member = tuple[int, Credential | None]


def connection_credential(scope) -> Credential | None:
    """What authenticated this connection: ("token", key hash) when an API token did (the
    handshake's auth middleware, portal.ws.auth, notes its hash), else ("session", session
    key). None for a scope built without either (an in-process test): nothing to re-check."""
    if scope.get("api_token_key_hash"):
        return ("token", scope["api_token_key_hash"])
    session = scope.get("session")
    session_key = getattr(session, "session_key", None) if session is not None else None
    return ("session", session_key) if session_key else None


def _load_sessions(keys: set[str]) -> dict[str, dict]:
    """Each session's stored data; missing or expired sessions are absent. One query with the
    database backend, else one load per session."""
    if not keys:
        return {}
    engine = import_module(settings.SESSION_ENGINE)
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        from django.contrib.sessions.models import Session

        store = engine.SessionStore()
        rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        return {row.session_key: store.decode(row.session_data) for row in rows}
    loaded = {key: engine.SessionStore(key).load() for key in keys}
    return {key: data for key, data in loaded.items() if data}


def _session_valid(user: User, data: dict | None) -> bool:
    """The session still signs this user in with their current password (as
    django.contrib.auth.get_user checks), passed the second factor (everyone in a room
    must have: portal.second_factor) and, for a user held to the strict session policy,
    has not outlived its absolute limit."""
    if not data or str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    stored = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not any(constant_time_compare(stored, h) for h in hashes):
        return False
    if not session_passed(data, user):
        return False
    return not (past_absolute_limit(data) and must_use_two_factor(user))


def verdicts(incident_id: int, members) -> dict[Member, int]:
    """Close codes for the members who must leave: 4401 once their credential has ended, 4403
    once they may no longer be in the room. Members who may stay are absent."""
    members = set(members)
    user_ids = {user_id for user_id, _credential in members}
    users = User.objects.in_bulk(user_ids)
    allowed = room_audience(incident_id, user_ids)
    token_hashes = {credential[1] for _user, credential in members if credential and credential[0] == "token"}
    live_tokens = set(
        ApiToken.objects.filter(key_hash__in=token_hashes, revoked_at__isnull=True).values_list("key_hash", "user_id")
    )
    sessions = _load_sessions({c[1] for _user, c in members if c and c[0] == "session"})

    def credential_ended(user, credential) -> bool:
        if credential is None:
            return False
        kind, value = credential
        if kind == "token":
            return (value, user.pk) not in live_tokens
        return not _session_valid(user, sessions.get(value))

    result = {}
    for member in members:
        user_id, credential = member
        user = users.get(user_id)
        if user is None or not user.is_active:
            result[member] = CLOSE_FORBIDDEN
        elif credential_ended(user, credential):
            result[member] = CLOSE_UNAUTHENTICATED
        elif user_id not in allowed:
            result[member] = CLOSE_FORBIDDEN
    return result


def beat(incident_id: int, connections: list[tuple[str, Member]]) -> dict[str, int]:
    """A room's heartbeat in one process, for its connections as (channel name, member): close
    codes by channel name for those who must leave; for the others, presence renewed and their
    sessions noted as in use (being in the room is not being idle)."""
    leaving = verdicts(incident_id, (member for _name, member in connections))
    staying = [(name, member) for name, member in connections if member not in leaving]
    services.touch_presence(channel_names=[name for name, _member in staying])
    note_live_activities({c[1] for _name, (_user, c) in staying if c and c[0] == "session"})
    return {name: leaving[member] for name, member in connections if member in leaving}
