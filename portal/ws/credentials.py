"""Whether the credential that opened a long-lived websocket still signs its user in.

A connection is opened by a session (browsers) or an API token (scripts); either may end
while the connection stays open: logout, a password change, a revoked token, a strict
session's absolute limit. A connection re-checks its credential on its heartbeat and when
a signal says it may have ended. (The incident room's checks, incidents/room_checks.py,
do the same for a whole room at once.)"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from .. import second_factor
from ..models import ApiToken, User
from ..permissions import must_use_two_factor
from ..session_policy import past_absolute_limit

Credential = tuple[str, str]


def connection_credential(scope) -> Credential | None:
    """("token", key hash) when an API token opened the connection (portal.ws.auth notes its
    hash), else ("session", session key); None for a scope built without either (a test)."""
    if scope.get("api_token_key_hash"):
        return ("token", scope["api_token_key_hash"])
    session = scope.get("session")
    session_key = getattr(session, "session_key", None) if session is not None else None
    return ("session", session_key) if session_key else None


def _session_data(key: str) -> dict:
    return import_module(settings.SESSION_ENGINE).SessionStore(key).load()


def _session_signs_in(user: User, data: dict) -> bool:
    """As django.contrib.auth.get_user checks, plus the second factor and the strict policy's limit."""
    if not data or str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    stored = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not any(constant_time_compare(stored, h) for h in hashes):
        return False
    if not second_factor.session_passed(data, user) and second_factor.owns_second_factor(user):
        return False
    return not (past_absolute_limit(data) and must_use_two_factor(user))


def still_signed_in(user_id: int, credential: Credential | None, *, ended_session: str = "") -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if credential is None:
        return True
    kind, value = credential
    if kind == "token":
        return ApiToken.objects.filter(key_hash=value, user_id=user_id, revoked_at__isnull=True).exists()
    if ended_session and value == ended_session:
        return False
    return _session_signs_in(user, _session_data(value))
