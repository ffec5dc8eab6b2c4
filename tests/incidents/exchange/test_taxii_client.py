"""The OASIS TAXII 2.1 client (taxii2-client) against the served app (pytest-django's
live_server): what a platform's threat-intelligence tooling would do with a portal token."""

import pytest
import requests
from taxii2client.common import TokenAuth
from taxii2client.v21 import Server, as_pages

from incidents import services
from incidents.exchange import stix
from incidents.models import Tier, Tlp
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory, UserFactory, make_totp

from .conftest import token_of


@pytest.fixture
def world(transactional_db):
    secretariat = UserFactory(is_secretariat=True)
    make_totp(secretariat)
    invited, uninvited = OrganizationFactory(name="Streamwave"), OrganizationFactory(name="Elsewhere")
    responder = responder_of(invited)
    incident = services.declare_incident(
        actor=secretariat, title="Attack", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[invited]
    )
    for n in range(7):
        services.add_indicator(actor=responder, incident=incident, kind="sha256", value=f"{n:064x}")
    return {"incident": incident, "invited": token_of(responder), "uninvited": token_of(responder_of(uninvited))}


def server(live_server, key):
    return Server(f"{live_server.url}/taxii2/", auth=TokenAuth(key))


def test_a_taxii_client_reads_the_incident_s_collection_page_by_page(live_server, world):
    with server(live_server, world["invited"]) as discovery:
        (root,) = discovery.api_roots
        assert discovery.default.url == root.url
        assert root.versions == ["application/taxii+json;version=2.1"]
        collection, debriefs = root.collections
        assert collection.id == stix.collection_id(world["incident"].pk)
        assert debriefs.id == stix.debrief_collection_id() and not debriefs.can_write
        assert collection.can_read and collection.can_write

        pages = list(as_pages(collection.get_objects, per_request=4))
        objects = [obj for page in pages for obj in page.get("objects", [])]
        assert len(pages) == 3
        assert sum(obj["type"] == "indicator" for obj in objects) == 7
        assert {obj["type"] for obj in objects} == {"marking-definition", "identity", "indicator", "report"}

        manifest = collection.get_manifest()["objects"]
        assert [record["id"] for record in manifest] == [obj["id"] for obj in objects]
        indicators = collection.get_objects(type="indicator")["objects"]
        assert len(indicators) == 7
        one = collection.get_object(indicators[2]["id"])["objects"]
        assert one == [indicators[2]]


def test_an_uninvited_organisation_sees_no_amber_collection(live_server, world):
    with server(live_server, world["uninvited"]) as discovery:
        (root,) = discovery.api_roots
        assert [c.id for c in root.collections] == [stix.debrief_collection_id()]
        collection_url = f"{root.url}collections/{stix.collection_id(world['incident'].pk)}/objects/"
        response = requests.get(
            collection_url,
            headers={"Accept": "application/taxii+json;version=2.1", "Authorization": f"Token {world['uninvited']}"},
            timeout=10,
        )
        assert response.status_code == 404


def test_a_bad_token_is_refused(live_server, world):
    with server(live_server, "cp_revoked-or-made-up") as discovery, pytest.raises(requests.HTTPError) as refused:
        discovery.refresh()
    assert refused.value.response.status_code == 401


def test_a_taxii_client_adds_indicators(live_server, world):
    with server(live_server, world["invited"]) as discovery:
        collection = discovery.default.collections[0]
        indicator = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--6b0a8d35-5c4e-4b8f-9b0e-7f6c3f2a1d10",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[url:value = 'https://reupload.example/v/1']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        }
        status = collection.add_objects({"objects": [indicator]})
        assert status.status == "complete" and status.success_count == 1
        patterns = [o["pattern"] for o in collection.get_objects(type="indicator")["objects"]]
        assert "[url:value = 'https://reupload.example/v/1']" in patterns
