"""The websocket stack hands consumers the ASGI server's own send (portal.ws.server_send)."""

from portal.ws.server_send import ServerSendMiddleware


async def test_the_server_send_reaches_the_app_in_the_scope_and_the_scope_is_not_shared():
    seen = {}

    async def app(scope, receive, send):
        seen["scope"], seen["send"] = scope, send

    async def server_send(message):
        pass

    async def receive():
        return {"type": "websocket.connect"}

    original = {"type": "websocket", "path": "/ws/incidents/1/"}
    await ServerSendMiddleware(app)(original, receive, server_send)
    assert seen["scope"]["server_send"] is server_send
    assert seen["send"] is server_send
    assert "server_send" not in original  # each connection gets its own scope
