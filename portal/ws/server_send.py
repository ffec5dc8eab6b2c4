"""The ASGI server's own `send`, kept in the websocket scope as "server_send".

A room broadcasts each item to every connection; between a consumer and the server,
Channels' session middleware wraps `send` and reads the lazy session on every message,
though it acts only on HTTP responses. At 500 connections that wrapper was a sixth of
the event loop's time (docs/performance.md), so the room sends its broadcast frames
straight to the server; everything else still goes through the middleware.
"""


class ServerSendMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        # Written into the scope itself: a copy would live, beside the original, as long as the
        # connection (one per connection, docs/performance.md); nothing upstream reads it again.
        scope["server_send"] = send
        return await self.app(scope, receive, send)
