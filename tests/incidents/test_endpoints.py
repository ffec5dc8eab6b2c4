"""Every incident route resolves and authorises its incident before the view runs: the API's
views are IncidentEndpoints (incidents/api/base.py), the pages are wrapped in incident_page
(incidents/views/base.py). The routes are read from the URL conf, so a new route that names
an incident fails here until it is one of them; the behaviour tests show that a view which
does no check of its own still never runs for someone who may not see the incident."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from incidents.api.base import ROOM, IncidentEndpoint
from incidents.views.base import INCIDENT, incident_page
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import responder_of


def incident_routes(resolver=None, namespace=()):
    """(name, URL kwargs, callback) of every route in the incidents' two namespaces."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from incident_routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and namespace and namespace[-1] in ("incidents", "incidents-api"):
            name = ":".join((*namespace, pattern.name or "?"))
            yield name, set(pattern.pattern.regex.groupindex), pattern.callback


ROUTES = list(incident_routes())
API = [
    (name, kwargs, getattr(callback, "cls", None))
    for name, kwargs, callback in ROUTES
    if name.startswith("incidents-api:")
]
PAGES = [(name, kwargs, callback) for name, kwargs, callback in ROUTES if name.startswith("incidents:")]


def test_the_walk_finds_both_kinds_of_incident_route():
    names = {name for name, _kwargs, _callback in ROUTES}
    assert {"incidents-api:incident-detail", "incidents-api:incident-items", "incidents-api:incident-tier"} <= names
    assert {"incidents:detail", "incidents:change_tier", "incidents:timeline", "incidents:save_debrief"} <= names
    assert sum("incident_id" in kwargs for _name, kwargs, _callback in ROUTES) >= 30


@pytest.mark.parametrize(("name", "kwargs", "cls"), API, ids=[name for name, _k, _c in API])
def test_every_incident_api_view_is_an_incident_endpoint(name, kwargs, cls):
    assert cls is not None, f"{name} is not a DRF view"
    if "incident_id" in kwargs:
        assert issubclass(cls, IncidentEndpoint), f"{name}: {cls.__name__} must be an IncidentEndpoint"
    else:  # initial() would look for the kwarg
        assert not issubclass(cls, IncidentEndpoint), name


@pytest.mark.parametrize(("name", "kwargs", "view"), PAGES, ids=[name for name, _k, _v in PAGES])
def test_every_incident_page_is_wrapped_in_incident_page(name, kwargs, view):
    access = getattr(view, "incident_access", None)
    if "incident_id" in kwargs:
        assert access is not None, f"{name} must be wrapped in incidents.views.base.incident_page"
    else:
        assert access is None, name


def test_the_room_and_secretariat_pages_keep_their_access():
    by_name = {name: view.incident_access for name, _kwargs, view in PAGES if hasattr(view, "incident_access")}
    assert by_name["incidents:detail"] == ("incident", False)
    assert by_name["incidents:timeline"] == by_name["incidents:add_indicator"] == ("room", False)
    for name in ("change_status", "change_tier", "change_tlp", "set_commander", "save_debrief", "publish_debrief"):
        assert by_name[f"incidents:{name}"] == ("incident", True), name


# --- The API: the handler never runs for a refused caller ------------------------------


class Forgetful(IncidentEndpoint):
    """Handlers that check nothing themselves."""

    calls: list

    def get(self, request, incident_id):
        self.calls.append(("get", self.incident.pk))
        return Response({"title": self.incident.title})

    def post(self, request, incident_id):
        self.calls.append(("post", self.incident.pk))
        return Response({"title": self.incident.title})


class ForgetfulRoom(Forgetful):
    access = ROOM


@pytest.fixture
def calls():
    Forgetful.calls = []
    return Forgetful.calls


def call(view_class, method, user, incident_id):
    request = getattr(APIRequestFactory(), method)(f"/x/{incident_id}/", {}, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    return view_class.as_view()(request, incident_id=incident_id)


@pytest.mark.django_db
def test_an_api_handler_that_checks_nothing_never_runs_for_a_refused_caller(
    calls, incident_with_two_orgs, secretariat, responder_a
):
    incident = incident_with_two_orgs
    outsider = responder_of(OrganizationFactory(name="Uninvited"))
    without_two_factor = responder_of(incident.invited_organizations.first(), two_factor=False)

    assert call(Forgetful, "get", outsider, incident.pk).status_code == 404
    assert call(Forgetful, "get", None, incident.pk).status_code == 404
    assert call(Forgetful, "get", responder_a, 999999).status_code == 404
    assert call(Forgetful, "post", responder_a, incident.pk).status_code == 403  # writing is the secretariat's
    assert call(ForgetfulRoom, "get", outsider, incident.pk).status_code == 404
    assert call(ForgetfulRoom, "get", without_two_factor, incident.pk).status_code == 403
    assert calls == []

    assert call(Forgetful, "get", responder_a, incident.pk).data == {"title": incident.title}
    assert call(Forgetful, "post", secretariat, incident.pk).status_code == 200
    assert call(ForgetfulRoom, "post", responder_a, incident.pk).status_code == 200
    assert calls == [("get", incident.pk), ("post", incident.pk), ("post", incident.pk)]


@pytest.mark.django_db
def test_a_method_the_view_does_not_answer_stays_a_405_for_anyone(incident_with_two_orgs):
    outsider = responder_of(OrganizationFactory(name="Uninvited"))
    for path in ("status/", "items/", ""):
        response = api(outsider).put(f"/api/v1/incidents/{incident_with_two_orgs.pk}/{path}", {}, format="json")
        assert response.status_code == 405, path
    response = api(outsider).options(f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/")
    assert response.status_code == 200
    assert incident_with_two_orgs.title not in response.content.decode()


def test_an_endpoint_names_its_access():
    with pytest.raises(TypeError):
        type("Typo", (IncidentEndpoint,), {"access": "rooms"})


# --- The pages -------------------------------------------------------------------------


def page_request(user, method="post"):
    request = getattr(RequestFactory(), method)("/x/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
def test_a_page_that_checks_nothing_never_runs_for_a_refused_user(incident_with_two_orgs, secretariat, responder_a):
    incident = incident_with_two_orgs
    outsider = responder_of(OrganizationFactory(name="Uninvited"))
    seen = []

    def view(request, incident, action_id):
        seen.append((incident.pk, action_id))
        return HttpResponse("ran")

    read = incident_page(access=INCIDENT)(view)
    write = incident_page(access=INCIDENT, write=True)(view)
    room = incident_page(access="room")(view)

    with pytest.raises(Http404):
        read(page_request(outsider), incident_id=incident.pk, action_id=1)
    with pytest.raises(PermissionDenied):
        write(page_request(responder_a), incident_id=incident.pk, action_id=1)
    with pytest.raises(Http404):
        room(page_request(outsider), incident_id=incident.pk, action_id=1)
    assert seen == []

    assert read(page_request(responder_a, "get"), incident_id=incident.pk, action_id=1).content == b"ran"
    assert write(page_request(secretariat), incident_id=incident.pk, action_id=2).content == b"ran"
    assert seen == [(incident.pk, 1), (incident.pk, 2)]


@pytest.mark.django_db
def test_a_write_page_sends_the_secretariat_without_two_factor_to_set_it_up(
    incident_with_two_orgs, secretary_without_totp
):
    seen = []
    write = incident_page(access=INCIDENT, write=True)(lambda request, incident: seen.append(incident))
    response = write(page_request(secretary_without_totp), incident_id=incident_with_two_orgs.pk)
    assert response.status_code == 302 and seen == []


def test_a_page_names_a_known_access():
    with pytest.raises(ValueError):
        incident_page(access="rooms")
    with pytest.raises(ValueError):
        incident_page(access="room", write=True)  # the room's writes are the room's audience's
