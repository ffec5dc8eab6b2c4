"""Where a websocket handshake may come from.

Browsers always send `Origin`, and a cookie-authenticated handshake from another site is
cross-site websocket hijacking: Channels' AllowedHostsOriginValidator refuses it. An API
client that authenticates with `Authorization: Token` carries a credential no other site
can make a browser send, and often sends no `Origin` at all: it may connect without one.
A foreign `Origin` is refused either way.
"""

from channels.security.websocket import AllowedHostsOriginValidator


class OriginValidator:
    def __init__(self, app):
        self.app = app
        self.checked = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        if b"origin" not in headers and headers.get(b"authorization", b"").lower().startswith(b"token "):
            return await self.app(scope, receive, send)
        return await self.checked(scope, receive, send)
