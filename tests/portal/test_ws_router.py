"""The websocket router (portal.ws.router): routes by path as Channels' URLRouter does, without
copying the scope for each connection."""

import pytest
from django.urls import path, re_path

from portal.ws.router import InPlaceURLRouter


def _app(name, seen):
    async def app(scope, receive, send):
        seen.append((name, scope))

    return app


async def _receive():
    return {"type": "websocket.connect"}


async def _send(message):
    pass


async def test_the_matching_route_gets_the_servers_scope_with_its_arguments():
    seen = []
    router = InPlaceURLRouter(
        [path("ws/incidents/<int:incident_id>/", _app("room", seen)), re_path(r"^ws/notifications/$", _app("n", seen))]
    )
    scope = {"type": "websocket", "path": "/ws/incidents/42/"}
    await router(scope, _receive, _send)
    ((name, routed),) = seen
    assert name == "room"
    assert routed is scope  # no copy kept beside the server's scope for the connection's life
    assert routed["url_route"] == {"args": (), "kwargs": {"incident_id": 42}}
    await router({"type": "websocket", "path": "/ws/notifications/"}, _receive, _send)
    assert seen[-1][0] == "n"


async def test_a_root_path_is_taken_off_before_matching():
    seen = []
    router = InPlaceURLRouter([path("ws/incidents/<int:incident_id>/", _app("room", seen))])
    await router({"type": "websocket", "path": "/portal/ws/incidents/7/", "root_path": "/portal"}, _receive, _send)
    assert seen[0][1]["url_route"]["kwargs"] == {"incident_id": 7}


@pytest.mark.parametrize("where", ["/ws/incidents/x/", "/ws/other/", "/elsewhere/ws/incidents/1/"])
async def test_an_unknown_path_is_refused_as_channels_refuses_it(where):
    router = InPlaceURLRouter([path("ws/incidents/<int:incident_id>/", _app("room", []))])
    with pytest.raises(ValueError, match="No route found"):
        await router({"type": "websocket", "path": where, "root_path": ""}, _receive, _send)


def test_nested_routes_are_refused_at_start_up():
    from django.urls import include

    with pytest.raises(TypeError):
        InPlaceURLRouter([path("ws/", include([]))])
