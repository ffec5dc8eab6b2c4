"""The websocket stack hands consumers the ASGI server's own send (portal.ws.server_send)."""

from portal.ws.server_send import ServerSendMiddleware


async def test_each_connection_finds_its_own_server_send_in_its_scope():
    seen = []

    async def app(scope, receive, send):
        seen.append((scope, send))

    async def receive():
        return {"type": "websocket.connect"}

    middleware = ServerSendMiddleware(app)
    sends, scopes = [], []
    for _ in range(2):  # the server builds a scope per connection

        async def server_send(message):
            pass

        scope = {"type": "websocket", "path": "/ws/incidents/1/"}
        await middleware(scope, receive, server_send)
        sends.append(server_send)
        scopes.append(scope)
    for (scope, send), server_send, original in zip(seen, sends, scopes, strict=True):
        assert scope["server_send"] is server_send
        assert send is server_send
        assert scope is original  # written in place: no copy kept alive beside it per connection
    assert seen[0][0]["server_send"] is not seen[1][0]["server_send"]
