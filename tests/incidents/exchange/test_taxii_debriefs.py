"""The TAXII collection "Published debriefs (TLP:CLEAR)": the OASIS client (taxii2-client) against
the served app with the token of someone in no organisation, every object marked TLP:CLEAR and
valid under the OASIS STIX validator; what is not published stays out."""

import json
import uuid

import pytest
import requests
from stix2validator import ValidationOptions, validate_string
from taxii2client.common import TokenAuth
from taxii2client.exceptions import AccessError
from taxii2client.v21 import Server, as_pages

from incidents import services
from incidents.exchange import stix
from incidents.models import Status, Tier, Tlp
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory, UserFactory, make_totp

from .conftest import token_of

CLEAR = stix.TLP_MARKING_IDS[Tlp.CLEAR]
TAXII = "application/taxii+json;version=2.1"


def _closed_incident(secretariat, responder, organization, title, values):
    incident = services.declare_incident(
        actor=secretariat, title=title, tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[organization]
    )
    rows = [services.add_indicator(actor=responder, incident=incident, kind=k, value=v)[0] for k, v in values]
    services.change_status(actor=secretariat, incident=incident, status=Status.CLOSED)
    return incident, rows


@pytest.fixture
def world(transactional_db):
    secretariat = UserFactory(is_secretariat=True)
    make_totp(secretariat)
    organization = OrganizationFactory(name="Streamwave")
    responder = responder_of(organization)
    published, rows = _closed_incident(
        secretariat,
        responder,
        organization,
        "Attack",
        [("url", "https://bad.example/v/1"), ("sha256", "a" * 64), ("pdq", "b" * 64), ("md5", "c" * 32)],
    )
    debrief = services.save_debrief(actor=secretariat, incident=published, title="What we did", summary="Clean.")
    # The MD5 stays unpublished.
    services.publish_debrief(actor=secretariat, debrief=debrief, indicator_ids=[row.pk for row in rows[:3]])
    draft, _rows = _closed_incident(secretariat, responder, organization, "Draft", [("md5", "d" * 32)])
    services.save_debrief(actor=secretariat, incident=draft, title="Not yet", summary="Clean.")
    return {"debrief": debrief, "nobody": token_of(UserFactory()), "secretariat": secretariat}


def server(live_server, key):
    return Server(f"{live_server.url}/taxii2/", auth=TokenAuth(key))


def _debrief_collection(discovery):
    (collection,) = [c for c in discovery.default.collections if c.id == stix.debrief_collection_id()]
    return collection


def test_anyone_with_a_token_reads_the_published_indicators(live_server, world):
    with server(live_server, world["nobody"]) as discovery:
        assert [c.id for c in discovery.default.collections] == [stix.debrief_collection_id()]
        collection = _debrief_collection(discovery)
        assert collection.title == "Published debriefs (TLP:CLEAR)"
        assert collection.can_read and not collection.can_write

        pages = list(as_pages(collection.get_objects, per_request=2))
        objects = [obj for page in pages for obj in page.get("objects", [])]
        assert len(pages) == 3
        assert [obj["type"] for obj in objects] == ["marking-definition", "identity", *["indicator"] * 3]
        assert all(obj["object_marking_refs"] == [CLEAR] for obj in objects if obj["type"] != "marking-definition")
        assert objects[0]["id"] == CLEAR and objects[0]["extensions"][stix.TLP_EXTENSION]["tlp_2_0"] == "clear"
        assert sorted(obj["pattern"] for obj in objects if obj["type"] == "indicator") == [
            f"[file:hashes.'PDQ' = '{'b' * 64}']",
            f"[file:hashes.'SHA-256' = '{'a' * 64}']",
            "[url:value = 'https://bad.example/v/1']",
        ]
        assert "c" * 32 not in json.dumps(objects) and "d" * 32 not in json.dumps(objects)

        manifest = collection.get_manifest()["objects"]
        assert [record["id"] for record in manifest] == [obj["id"] for obj in objects]
        one = collection.get_object(objects[3]["id"])["objects"]
        assert one == [objects[3]]
        assert len(collection.get_objects(type="indicator")["objects"]) == 3

        # Valid STIX 2.1 as a bundle; the only warning is the SHOULD of UUIDv4 ids (uuid5 here).
        bundle = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects})
        results = validate_string(bundle, ValidationOptions(version="2.1"))
        assert results.is_valid, [str(e) for e in results.errors]
        assert {str(w).split(": ", 1)[1][:5] for w in results.warnings} <= {"{103}"}


def test_the_collection_is_read_only_and_a_withdrawn_debrief_leaves_it(live_server, world):
    with server(live_server, world["nobody"]) as discovery:
        collection = _debrief_collection(discovery)
        with pytest.raises(AccessError):  # the client reads can_write: false
            collection.add_objects({"objects": []})
        refused = requests.post(
            f"{collection.url}objects/",
            json={"objects": []},
            headers={"Accept": TAXII, "Content-Type": TAXII, "Authorization": f"Token {world['nobody']}"},
            timeout=10,
        )
        assert refused.status_code == 403 and refused.json()["http_status"] == "403"
        services.unpublish_debrief(actor=world["secretariat"], debrief=world["debrief"])
        objects = collection.get_objects()["objects"]
        assert [obj["type"] for obj in objects] == ["marking-definition", "identity"]


def test_no_token_no_collection(live_server, world):
    url = f"{live_server.url}/taxii2/api/collections/{stix.debrief_collection_id()}/objects/"
    assert requests.get(url, headers={"Accept": TAXII}, timeout=10).status_code == 401
