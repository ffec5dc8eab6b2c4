"""The TAXII 2.1 server through HTTP with real API tokens: the spec's media types, status codes
and error bodies, one collection per room the caller enters, paging, filters and manifest."""

import json

import pytest
from django.test import Client

from incidents import services
from incidents.exchange import stix
from incidents.models import Incident, Tlp
from incidents.permissions import can_enter_room, entered_rooms
from tests.incidents.factories import responder_of
from tests.portal.factories import MembershipFactory, OrganizationFactory

from .conftest import token_of

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/api/"


class Taxii:
    def __init__(self, user=None, *, token=None):
        self.client = Client()
        self.key = token or (token_of(user) if user is not None else None)

    def headers(self, accept):
        headers = {"Accept": accept} if accept else {}
        if self.key:
            headers["Authorization"] = f"Token {self.key}"
        return headers

    def get(self, path, accept=TAXII, **params):
        return self.client.get(path, params, headers=self.headers(accept))

    def post(self, path, body, content_type=TAXII, accept=TAXII):
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(path, data, content_type=content_type, headers=self.headers(accept))


def collection_url(incident, tail=""):
    return f"{ROOT}collections/{stix.collection_id(incident.pk)}/{tail}"


def assert_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == TAXII
    body = response.json()
    assert body["http_status"] == str(status) and body["title"] and "description" in body


@pytest.mark.django_db
def test_discovery_and_the_api_root(responder_a):
    client = Taxii(responder_a)
    discovery = client.get("/taxii2/")
    assert discovery.status_code == 200 and discovery["Content-Type"] == TAXII
    assert discovery.json()["api_roots"] == ["http://testserver/taxii2/api/"]
    assert discovery.json()["default"] == "http://testserver/taxii2/api/"
    root = client.get(ROOT).json()
    assert root["versions"] == [TAXII] and root["max_content_length"] > 0
    assert discovery["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_credentials_then_media_types(responder_a):
    assert_error(Taxii().get("/taxii2/"), 401)
    assert Taxii().get("/taxii2/")["WWW-Authenticate"] == "Token"
    assert_error(Taxii(token="cp_not-a-token").get("/taxii2/"), 401)
    assert_error(Taxii().get("/taxii2/", accept="text/html"), 401)  # who asks, before what they accept
    client = Taxii(responder_a)
    assert_error(client.get("/taxii2/", accept="application/json"), 406)
    assert_error(client.get("/taxii2/", accept=None), 406)
    assert_error(client.get("/taxii2/", accept="application/taxii+json;version=2.0"), 406)
    assert client.get("/taxii2/", accept="application/taxii+json").status_code == 200
    assert client.get("/taxii2/", accept="text/html, application/taxii+json;version=2.1").status_code == 200
    session = Client()
    session.force_login(responder_a)  # a browser's session is no TAXII credential
    assert_error(session.get("/taxii2/", headers={"Accept": TAXII}), 401)


@pytest.mark.django_db
def test_one_collection_per_room_the_caller_enters(shared_incident, secretariat, provider_a, responder_a):
    green = services.declare_incident(actor=secretariat, title="Green one", tlp=Tlp.GREEN, organizations=[provider_a])
    uninvited = responder_of(OrganizationFactory(name="Uninvited"))

    def ids(user):
        body = Taxii(user).get(f"{ROOT}collections/").json()
        return {c["id"] for c in body["collections"]} - {stix.debrief_collection_id()}

    assert ids(responder_a) == {stix.collection_id(shared_incident.pk), stix.collection_id(green.pk)}
    assert ids(uninvited) == {stix.collection_id(green.pk)}  # AMBER is for the invited
    assert ids(secretariat) == {stix.collection_id(shared_incident.pk), stix.collection_id(green.pk)}
    outsider = Taxii(uninvited)
    for tail in ("", "objects/", "manifest/", f"objects/{stix.report_id(shared_incident.pk)}/"):
        assert_error(outsider.get(collection_url(shared_incident, tail)), 404)
    assert_error(outsider.get(f"{ROOT}collections/not-a-collection/objects/"), 404)
    (collection,) = [
        c
        for c in Taxii(responder_a).get(f"{ROOT}collections/").json()["collections"]
        if c["title"].endswith("Green one")
    ]
    assert collection == {
        "id": stix.collection_id(green.pk),
        "title": f"Incident #{green.pk}: Green one",
        "description": collection["description"],
        "can_read": True,
        "can_write": True,
        "media_types": ["application/stix+json;version=2.1"],
    }
    assert Taxii(responder_a).get(collection_url(green)).json() == collection
    read_only, _debriefs = Taxii(uninvited).get(f"{ROOT}collections/").json()["collections"]
    assert read_only["can_write"] is False  # at GREEN the uninvited read the room, and do not post


@pytest.mark.django_db
def test_entered_rooms_is_can_enter_room_for_every_incident(secretariat, provider_a, provider_b):
    for tlp in Tlp:
        services.declare_incident(actor=secretariat, title=tlp, tlp=tlp, organizations=[provider_a])
    users = [
        responder_of(provider_a),
        responder_of(provider_a, two_factor=False),
        responder_of(provider_b),
        MembershipFactory(organization=provider_a, role="member").user,
        secretariat,
    ]
    for user in users:
        entered = set(entered_rooms(user).values_list("pk", flat=True))
        assert entered == {i.pk for i in Incident.objects.all() if can_enter_room(user, i)}, user


@pytest.mark.django_db
def test_objects_in_pages_with_the_date_added_headers(shared_incident, responder_a):
    client = Taxii(responder_a)
    whole = client.get(collection_url(shared_incident, "objects/"))
    assert whole.status_code == 200 and whole["Content-Type"] == TAXII
    objects = whole.json()["objects"]
    assert whole.json()["more"] is False and "next" not in whole.json()
    assert [o["type"] for o in objects].count("indicator") == 4
    assert objects[0]["type"] == "marking-definition" and objects[-1]["type"] == "report"
    bundle = client.client.get(
        f"/api/v1/incidents/{shared_incident.pk}/stix/", headers={"Authorization": f"Token {client.key}"}
    ).json()
    assert sorted(o["id"] for o in objects) == sorted(o["id"] for o in bundle["objects"])

    seen, params, pages = [], {"limit": 3}, 0
    while True:
        page = client.get(collection_url(shared_incident, "objects/"), **params)
        body = page.json()
        seen += body["objects"]
        pages += 1
        assert page["X-TAXII-Date-Added-First"] <= page["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            break
        params = {"limit": 3, "next": body["next"]}
    assert pages == 3 and seen == objects

    manifest = client.get(collection_url(shared_incident, "manifest/")).json()["objects"]
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]
    for record, obj in zip(manifest, objects, strict=True):
        assert record["version"] == obj.get("modified", obj["created"])
        assert record["media_type"] == "application/stix+json;version=2.1"


@pytest.mark.django_db
def test_filters(shared_incident, responder_a, responder_b):
    client = Taxii(responder_a)
    url = collection_url(shared_incident, "objects/")
    indicators = client.get(url, **{"match[type]": "indicator"}).json()["objects"]
    assert {o["type"] for o in indicators} == {"indicator"} and len(indicators) == 4
    two = client.get(url, **{"match[id]": f"{indicators[0]['id']},{stix.report_id(shared_incident.pk)}"})
    assert [o["id"] for o in two.json()["objects"]] == [indicators[0]["id"], stix.report_id(shared_incident.pk)]
    last_added = client.get(url)["X-TAXII-Date-Added-Last"]
    assert client.get(url, added_after=last_added).json() == {}
    services.add_indicator(actor=responder_b, incident=shared_incident, kind="url", value="https://late.example/v")
    late = client.get(url, added_after=last_added).json()["objects"]
    assert [o["type"] for o in late] == ["indicator", "report"]  # the report's new version too
    assert "late.example" in late[0]["pattern"]
    assert client.get(url, **{"match[spec_version]": "2.0"}).json() == {}
    version = indicators[0]["modified"]
    assert [
        o["id"] for o in client.get(url, **{"match[version]": version, "match[type]": "indicator"}).json()["objects"]
    ] == [indicators[0]["id"]]
    for bad in ({"limit": "0"}, {"limit": "x"}, {"added_after": "yesterday"}, {"next": "@@"}):
        assert_error(client.get(url, **bad), 400)


@pytest.mark.django_db
def test_one_object_and_its_versions(shared_incident, responder_a):
    client = Taxii(responder_a)
    report = stix.report_id(shared_incident.pk)
    one = client.get(collection_url(shared_incident, f"objects/{report}/")).json()
    assert [o["id"] for o in one["objects"]] == [report]
    versions = client.get(collection_url(shared_incident, f"objects/{report}/versions/")).json()
    assert versions == {"more": False, "versions": [one["objects"][0]["modified"]]}
    missing = "indicator--00000000-0000-4000-8000-000000000000"
    assert_error(client.get(collection_url(shared_incident, f"objects/{missing}/")), 404)
    assert_error(client.get(collection_url(shared_incident, f"objects/{missing}/versions/")), 404)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_an_objects_page_runs_a_fixed_number_of_queries(
    secretariat, provider_a, responder_a, django_assert_max_num_queries, size
):
    incident = services.declare_incident(actor=secretariat, title="Big", organizations=[provider_a])
    for n in range(size):
        services.add_indicator(actor=responder_a, incident=incident, kind="md5", value=f"{n:032x}")
    client = Taxii(responder_a)
    with django_assert_max_num_queries(12):
        objects = client.get(collection_url(incident, "objects/"), limit=1000).json()["objects"]
    assert len(objects) == size + 4
    with django_assert_max_num_queries(12):
        client.get(collection_url(incident, "manifest/"), limit=10)


def envelope(*patterns):
    return {
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{n:08d}-0000-4000-8000-000000000000",
                "created": "2026-01-01T00:00:00.000Z",
                "modified": "2026-01-02T00:00:00.000Z",
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": "2026-01-01T00:00:00Z",
            }
            for n, pattern in enumerate(patterns)
        ]
    }


@pytest.mark.django_db
def test_adding_objects_answers_a_complete_status(shared_incident, responder_b, responder_a):
    client = Taxii(responder_b)
    url = collection_url(shared_incident, "objects/")
    posted = client.post(url, envelope(f"[file:hashes.MD5 = '{'f' * 32}']", "[file:hashes.MD5 = 'zz']"))
    assert posted.status_code == 202 and posted["Content-Type"] == TAXII
    status = posted.json()
    assert status["status"] == "complete" and status["total_count"] == 2
    assert status["success_count"] == 1 and status["failure_count"] == 1 and status["pending_count"] == 0
    assert status["successes"][0] == {
        "id": "indicator--00000000-0000-4000-8000-000000000000",
        "version": "2026-01-02T00:00:00.000Z",
        "message": "added",
    }
    assert "32 hexadecimal digits" in status["failures"][0]["message"]
    assert shared_incident.indicators.filter(value="f" * 32, organization__isnull=False).exists()
    assert client.get(f"{ROOT}status/{status['id']}/").json() == status
    assert_error(Taxii(responder_a).get(f"{ROOT}status/{status['id']}/"), 404)  # another user's
    assert_error(client.get(f"{ROOT}status/00000000-0000-4000-8000-000000000000/"), 404)


@pytest.mark.django_db
def test_adding_objects_refusals(shared_incident, secretariat, provider_a, responder_a):
    green = services.declare_incident(actor=secretariat, title="Green", tlp=Tlp.GREEN, organizations=[provider_a])
    reader = Taxii(responder_of(OrganizationFactory(name="Reader")))
    body = envelope(f"[file:hashes.MD5 = '{'f' * 32}']")
    assert_error(reader.post(collection_url(green, "objects/"), body), 403)  # reads, may not write
    assert_error(reader.post(collection_url(shared_incident, "objects/"), body), 404)  # AMBER, not invited
    client = Taxii(responder_a)
    url = collection_url(shared_incident, "objects/")
    assert_error(client.post(url, body, content_type="application/json"), 415)
    assert_error(client.post(url, body, accept="application/json"), 406)
    assert_error(client.post(url, "{not json"), 400)
    assert_error(client.post(url, []), 400)
    assert_error(Taxii().post(url, body), 401)
    assert not green.indicators.exists() and not shared_incident.indicators.filter(value="f" * 32).exists()
