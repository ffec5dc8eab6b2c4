"""Websocket authentication: the session cookie for browsers, or
`Authorization: Token <key>` on the handshake for API clients."""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from .services import authenticate_api_key, hash_token_key
from .session_policy import session_expired


def pooled(func):
    """Reads on the thread pool rather than the one thread Channels shares for writes: a room
    that reconnects is hundreds of handshakes at once, and they need not queue behind each other."""
    return database_sync_to_async(func, thread_sensitive=False)


class ApiTokenMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, key = raw.partition(" ")
        if scheme.lower() == "token" and key.strip():
            user = await pooled(authenticate_api_key)(key.strip())
            if user is not None:
                # The hash names the credential a long-lived connection must keep re-checking.
                scope = dict(scope, user=user, api_token_key_hash=hash_token_key(key.strip()))
                return await super().__call__(scope, receive, send)
        # A session past its idle or absolute limit is no sign-in (portal.session_policy).
        session, user = scope.get("session"), scope.get("user")
        if session is not None and await pooled(session_expired)(session, user):
            scope = dict(scope, user=AnonymousUser())
        return await super().__call__(scope, receive, send)


def TokenOrSessionAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' own stacks
    # The session stack sets scope["user"] first; a valid token then takes precedence.
    return AuthMiddlewareStack(ApiTokenMiddleware(inner))
