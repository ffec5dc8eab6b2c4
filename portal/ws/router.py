"""Routes a websocket handshake to its consumer by path, writing `url_route` into the scope itself.

Channels' URLRouter passes the consumer a copy of the scope with `url_route` and
`path_remaining` added, and the router's frame keeps the original alive beside it for as long
as the connection lasts: one more dict of the handshake per connection, for nothing, since no
one upstream reads the scope again. Only Django `path()` / `re_path()` endpoints, no nesting
(which is all the portal's websocket routes are)."""

from django.urls import URLPattern


class InPlaceURLRouter:
    def __init__(self, routes: list[URLPattern]):
        for route in routes:
            if not isinstance(route, URLPattern):
                raise TypeError(f"{route!r}: only path() and re_path() routes, not include() or nested routers")
        self.routes = routes

    async def __call__(self, scope, receive, send):
        path = scope["path"]
        root_path = scope.get("root_path", "")
        if root_path:
            if not path.startswith(root_path):
                raise ValueError(f"No route found for path {path!r}.")
            path = path[len(root_path) :]
        path = path.lstrip("/")  # as Django matches
        for route in self.routes:
            match = route.pattern.match(path)
            if match:
                _rest, args, kwargs = match
                scope["url_route"] = {"args": tuple(args), "kwargs": {**kwargs, **route.default_args}}
                return await route.callback(scope, receive, send)
        raise ValueError(f"No route found for path {path!r}.")  # as Channels' URLRouter: the server refuses
