"""Websocket authentication: the session cookie for browsers, or
`Authorization: Token <key>` on the handshake for API clients.

A handshake that carries an Authorization header is decided by it alone: a token that does
not authenticate is no sign-in, never a fall back to the cookie beside it. A session counts
only within its idle and absolute limits (portal.session_policy) and, for a user who owns a
second factor, once it passed it (portal.second_factor)."""

from channels.auth import AuthMiddlewareStack
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from .. import second_factor
from ..services.tokens import authenticate_api_keys, hash_token_key
from ..session_policy import session_expired
from . import pooled
from .batch import Batched


def _token_key(raw: str) -> str | None:
    scheme, _, key = raw.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "token" or not key or " " in key:
        return None
    return key


# The handshakes that arrive while one batch of keys is looked up are looked up together.
_token_users = Batched(lambda _key, keys: authenticate_api_keys(keys))


def _session_user(session, user):
    """The session's user if the session still signs them in fully, else None."""
    if session is None or not (user and user.is_authenticated):
        return None
    if session_expired(session, user) or not second_factor.admit(session, user):
        return None
    return user


class SessionUserMiddleware(BaseMiddleware):
    """After Channels' session stack: the session's user only if the session still signs them in."""

    async def __call__(self, scope, receive, send):
        user = await pooled(_session_user)(scope.get("session"), scope.get("user"))
        return await super().__call__(dict(scope, user=user or AnonymousUser()), receive, send)


class TokenOrSessionMiddleware:
    """A handshake with an Authorization header goes to the token check alone, past the session
    stack: it is decided by the token, and the session's cookie parsing, session object, lazy
    user and scope copies would stay in memory for as long as the connection lasts."""

    def __init__(self, inner):
        self.inner = inner
        self.session_stack = AuthMiddlewareStack(SessionUserMiddleware(inner))

    async def __call__(self, scope, receive, send):
        raw = dict(scope.get("headers") or ()).get(b"authorization")
        if raw is None:
            return await self.session_stack(scope, receive, send)
        key = _token_key(raw.decode("latin-1"))
        user = await _token_users(None, key) if key else None
        # Written into the scope itself, not a copy that would stay beside it for the connection's life.
        if user is None:
            scope["user"] = AnonymousUser()
            return await self.inner(scope, receive, send)
        # A token passed the second factor when it was created (portal.second_factor); its hash
        # names the credential a long-lived connection must keep re-checking.
        second_factor.note(user, passed=True)
        scope["user"], scope["api_token_key_hash"] = user, hash_token_key(key)
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' own stacks
    return TokenOrSessionMiddleware(inner)
