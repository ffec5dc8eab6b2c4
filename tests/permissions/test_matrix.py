"""The permission matrix, checked against the URL conf and then request by request.

The world is built once for the module inside a transaction that is rolled back at its
end; each request runs in its own savepoint (the `db` fixture), so a write that gets
through changes nothing the next request sees."""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, re_path, reverse
from django.urls.resolvers import RegexPattern
from rest_framework.test import APIClient

from tests.helpers.db_writes import table_writes, written_between
from tests.helpers.two_factor import password_only_login

from .matrix import EXEMPT, LOGIN, MATRIX, ROLES, ROUTE_KWARGS, TWO_FACTOR_ROLES
from .world import build_world

WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: frozenset
    api_methods: frozenset | None  # the methods a DRF view answers; None for a plain Django view


def _pattern_kwargs(pattern) -> set:
    # path() compiles its converters to named groups too, so one rule covers path() and re_path().
    return set(pattern.pattern.regex.groupindex)


def _api_methods(callback) -> frozenset | None:
    actions = getattr(callback, "actions", None)  # a ViewSet through a router
    if actions:
        return frozenset(actions)
    cls = getattr(callback, "cls", None)  # an APIView
    if cls is None:
        return None
    return frozenset(m for m in ("get", *WRITE_METHODS) if hasattr(cls, m))


def collect_routes(resolver=None, namespace=(), kwargs=frozenset()) -> dict[str, Route]:
    """Every named route of the URL conf, walked recursively, by its namespaced name."""
    routes = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        own = kwargs | _pattern_kwargs(pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            routes.update(collect_routes(pattern, inner, own))
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = ":".join((*namespace, pattern.name))
            routes[name] = Route(name, frozenset(own), _api_methods(pattern.callback))
    return routes


def exemption(name: str) -> str | None:
    for entry, reason in EXEMPT.items():
        if name == entry or (entry.endswith("*") and name.startswith(entry[:-1])):
            return reason
    return None


ROUTES = collect_routes()
ENTRIES = {(route, method): outcomes for route, method, outcomes in MATRIX}


# --- The matrix against the URL conf ---------------------------------------------------


def test_the_walk_finds_nested_namespaced_routes_with_all_their_kwargs():
    def view(request, **kwargs):
        return None

    inner = ([path("<int:item_id>/", view, name="item"), re_path(r"^(?P<pk>[0-9]+)/raw$", view, name="raw")], "inner")
    urlconf = [
        path("<slug:slug>/", include(inner)),
        path("plain/", view),  # unnamed: nothing to enter in the matrix
        path("top/", view, name="top"),
    ]
    routes = collect_routes(URLResolver(RegexPattern(r"^/"), urlconf))
    assert {name: set(route.kwargs) for name, route in routes.items()} == {
        "inner:item": {"slug", "item_id"},
        "inner:raw": {"slug", "pk"},
        "top": set(),
    }
    assert ROUTES["incidents-api:action-complete"].kwargs == {"incident_id", "action_id"}
    assert ROUTES["progress-update-detail"].api_methods == {"get", "patch"}


def test_every_route_has_a_matrix_entry_or_an_exemption():
    covered = {route for route, _method in ENTRIES}
    missing = sorted(name for name in ROUTES if name not in covered and exemption(name) is None)
    assert not missing, f"Routes without a permission matrix entry in tests/permissions/matrix.py: {missing}"


def test_no_entry_for_a_route_that_no_longer_exists():
    gone = sorted({route for route, _method in ENTRIES if route not in ROUTES} | set(ROUTE_KWARGS) - set(ROUTES))
    assert not gone, f"Matrix entries for routes that no longer exist: {gone}"
    unused = sorted(entry for entry in EXEMPT if not any(exemption(name) == EXEMPT[entry] for name in ROUTES))
    assert not unused, f"Exemptions that no route matches any more: {unused}"


def test_exempt_routes_have_no_entry():
    both = sorted({route for route, _method in ENTRIES if exemption(route) is not None})
    assert not both, f"Routes both exempt and in the matrix: {both}"


def test_entries_are_well_formed():
    seen = set()
    for route, method, outcomes in MATRIX:
        assert (route, method) not in seen, f"{route} {method} is listed twice"
        seen.add((route, method))
        assert len(outcomes) == len(ROLES), f"{route} {method}: one outcome per role"
        kwargs = set(ROUTE_KWARGS.get(route, {}))
        if route in ROUTES:
            assert kwargs == ROUTES[route].kwargs, f"{route}: ROUTE_KWARGS must name {sorted(ROUTES[route].kwargs)}"


def test_every_method_of_an_api_view_is_in_the_matrix():
    """A write method added to an API view must be decided too, not only its GET."""
    wrong = {}
    for name, route in ROUTES.items():
        if route.api_methods is None or exemption(name) is not None:
            continue
        listed = {method for route_name, method in ENTRIES if route_name == name}
        if listed != route.api_methods:
            wrong[name] = (sorted(listed), sorted(route.api_methods))
    assert not wrong, f"API routes whose matrix methods differ from the view's (listed, answered): {wrong}"


# --- The matrix against the running site -----------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    test_settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media")),  # the attachment's file
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        WEBHOOKS_ALLOW_PRIVATE=True,  # the endpoint is never called: no commit, no send task
    )
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def sign_in(client, user, *, skipped_second_factor: bool = False):
    """A session as after a sign-in: the roles with TOTP passed it (tests/conftest.py); with
    `skipped_second_factor`, one that never asked for it (the admin's old password-only form)."""
    if skipped_second_factor:
        password_only_login(client, user)
    else:
        client.force_login(user)


def _outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return LOGIN
    if response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate")):
        return VERIFY
    return response.status_code


@pytest.fixture(scope="module")
def handlers():
    """A test client loads the middleware once per handler, and WhiteNoise's scan of the static
    files then costs more than most requests: the module's clients share one handler per kind."""
    return {False: Client().handler, True: APIClient().handler}


def request_as(world, handlers, role, route, method, *, skipped_second_factor=False, refused_writes=None):
    """The response to one request; with `refused_writes` (a list), the tables the request
    wrote after signing in are appended to it."""
    kwargs = ROUTE_KWARGS.get(route, {})
    url = reverse(route, kwargs={name: world.values[key] for name, key in kwargs.items()})
    is_api = url.startswith("/api/")
    client = APIClient() if is_api else Client()
    client.handler = handlers[is_api]
    user = world.users[role]
    if user is not None:
        sign_in(client, user, skipped_second_factor=skipped_second_factor)
    before = table_writes()
    if method == "get":
        response = client.get(url)
    elif is_api:
        response = getattr(client, method)(url, {}, format="json")
    else:
        response = getattr(client, method)(url, {})
    if refused_writes is not None:
        refused_writes.extend(written_between(before, table_writes()))
    return response


REFUSED = (401, 403, 404, 405, LOGIN, "verify")  # "verify": VERIFY, below


CASES = [
    pytest.param(route, method, role, outcomes[i], id=f"{route}-{method}-{role}")
    for route, method, outcomes in MATRIX
    for i, role in enumerate(ROLES)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "role", "expected"), CASES)
def test_permission_matrix(world, handlers, route, method, role, expected):
    written = []
    response = request_as(world, handlers, role, route, method, refused_writes=written)
    assert _outcome(response) == expected, f"{method.upper()} {route} as {role}"
    if method in WRITE_METHODS and expected in REFUSED:
        assert not written, f"{method.upper()} {route} as {role} was refused but wrote to {written}"


# --- Sessions that skipped the second factor ------------------------------------------

VERIFY = "verify"  # a redirect to the prompt for the authenticator code
OPEN_ROUTES = ("healthz",)  # answered before any sign-in matters


def skipped_expectation(route: str, method: str, anonymous) -> object:
    """A session of a user with TOTP that never passed it is no sign-in: the API answers it as
    it answers anonymous callers, every page asks for the code first (portal.second_factor)."""
    kwargs = {name: 1 for name in ROUTE_KWARGS.get(route, {})}
    if route in OPEN_ROUTES or reverse(route, kwargs=kwargs).startswith("/api/"):
        return anonymous
    return VERIFY


SKIPPED_CASES = [
    pytest.param(route, method, role, skipped_expectation(route, method, outcomes[0]), id=f"{route}-{method}-{role}")
    for route, method, outcomes in MATRIX
    for role in TWO_FACTOR_ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "role", "expected"), SKIPPED_CASES)
def test_a_session_that_skipped_the_second_factor_opens_no_route(world, handlers, route, method, role, expected):
    """Generated from the matrix, which test_every_route_has_a_matrix_entry_or_an_exemption holds
    to the URL conf: a new route is covered as soon as it is decided."""
    written = []
    response = request_as(world, handlers, role, route, method, skipped_second_factor=True, refused_writes=written)
    assert _outcome(response) == expected, f"{method.upper()} {route} as {role} without the second factor"
    if method in WRITE_METHODS and expected in REFUSED:
        assert not written, f"{method.upper()} {route} as {role} was refused but wrote to {written}"


@pytest.mark.django_db
def test_the_write_probe_sees_any_write():
    """The refused-write check above is only as good as table_writes: it must see a row written."""
    from django.db import connection

    from tests.portal.factories import OrganizationFactory

    before = table_writes()
    OrganizationFactory()
    if connection.vendor == "postgresql":
        assert "portal_organization" in written_between(before, table_writes())
    else:  # the embedded default does not count writes; the matrix then checks outcomes only
        assert before is None
