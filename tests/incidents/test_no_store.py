"""No incident page or API answer may be kept by a browser or a shared cache.

The routes are read from the URL conf (as the permission matrix reads them), so a new
incident route fails here until it carries incidents.caching's header. The world is the
permission matrix's: a TLP:AMBER incident with an indicator, an action, an activation
request and a debrief; each request runs in its own savepoint."""

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from incidents import services as incident_services
from incidents.models import Incident, Tlp
from tests.permissions.matrix import ROUTE_KWARGS
from tests.permissions.test_matrix import collect_routes, sign_in
from tests.permissions.world import build_world

NAMESPACES = ("incidents:", "incidents-api:")
INCIDENT_ROUTES = {name: route for name, route in collect_routes().items() if name.startswith(NAMESPACES)}
# A plain Django view is asked both ways: its page, and its form's post (or its 405).
CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, route in sorted(INCIDENT_ROUTES.items())
    for method in sorted(route.api_methods or ("get", "post"))
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    test_settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.mktemp("no-store-media")),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        WEBHOOKS_ALLOW_PRIVATE=True,
    )
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def handlers():
    return {False: Client().handler, True: APIClient().handler}


def url_of(world, name):
    return reverse(name, kwargs={kw: world.values[key] for kw, key in ROUTE_KWARGS.get(name, {}).items()})


def secretariat_client(world, handlers, url):
    is_api = url.startswith("/api/")
    client = APIClient() if is_api else Client()
    client.handler = handlers[is_api]
    sign_in(client, world.users["secretariat"])  # with the second factor (tests/conftest.py)
    return client, is_api


def assert_not_cached(response):
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.headers.get("Cache-Control")


def test_the_walk_finds_the_incident_routes_of_each_kind():
    assert {
        "incidents:list",
        "incidents:detail",
        "incidents:report",
        "incidents:report_markdown",
        "incidents:timeline",
        "incidents:indicators_csv",
        "incidents:request_detail",
        "incidents:acknowledge",
        "incidents-api:incident-list",
        "incidents-api:incident-detail",
        "incidents-api:incident-items",
        "incidents-api:incident-indicators",
        "incidents-api:incident-indicators-csv",
        "incidents-api:activation-request",
    } <= set(INCIDENT_ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES)
def test_every_incident_route_answers_with_no_store(world, handlers, name, method):
    url = url_of(world, name)
    client, is_api = secretariat_client(world, handlers, url)
    if method == "get":
        response = client.get(url)
    elif is_api:
        response = getattr(client, method)(url, {}, format="json")
    else:
        response = getattr(client, method)(url, {})
    assert response.status_code < 500
    assert_not_cached(response)


# The routes that show an incident's content, and what of it each shows.
CONTENT = [
    ("incidents:list", "Matrix incident"),
    ("incidents:detail", "Matrix incident"),
    ("incidents:timeline", "Matrix incident"),
    ("incidents:report", "Matrix incident"),
    ("incidents:report_markdown", "Matrix incident"),
    ("incidents:indicators_csv", "bad[.]example"),
    ("incidents:request_detail", "Please activate"),
    ("incidents-api:incident-list", "Matrix incident"),
    ("incidents-api:incident-detail", "Matrix incident"),
    ("incidents-api:incident-items", "Remove"),
    ("incidents-api:incident-indicators", "bad[.]example"),
    ("incidents-api:incident-indicators-csv", "bad[.]example"),
    ("incidents-api:incident-actions", "Remove"),
    ("incidents-api:activation-request", "Please activate"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("tlp", [Tlp.AMBER, Tlp.RED])
@pytest.mark.parametrize(("name", "shown"), CONTENT)
def test_amber_and_red_incident_content_is_never_stored(world, handlers, tlp, name, shown):
    incident = Incident.objects.get(pk=world.values["incident"])
    incident_services.change_tlp(actor=world.users["secretariat"], incident=incident, tlp=tlp)
    url = url_of(world, name)
    client, _is_api = secretariat_client(world, handlers, url)
    response = client.get(url)
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert_not_cached(response)
