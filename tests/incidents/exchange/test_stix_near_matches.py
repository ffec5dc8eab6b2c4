"""PDQ near-matches as STIX relationships, in the bundle export and the TAXII collection: only
with the incidents the viewer's room audience covers, marked with the stricter of the two TLP
levels, valid under the OASIS validator."""

import json

import pytest
from stix2validator import ValidationOptions, validate_string

from incidents import services
from incidents.exchange import stix
from incidents.models import Tier, Tlp
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory

from .test_stix_export import by_type, export
from .test_taxii import Taxii, collection_url

pytestmark = pytest.mark.django_db

BASE = "0" * 64


def flipped(bits: int) -> str:
    """BASE with its lowest `bits` bits set: at Hamming distance `bits` from it."""
    return f"{(1 << bits) - 1:064x}"


@pytest.fixture
def rooms(secretariat, provider_a, responder_a):
    """`mine` (GREEN, provider A) holds BASE; `shared` (AMBER, A and Streamwave) a hash 12 bits
    away and one 100 bits away; `red` (RED, Streamwave only) a hash 5 bits away."""
    streamwave = OrganizationFactory(name="Streamwave")
    streamwave_responder = responder_of(streamwave)

    def declare(title, tlp, organizations):
        return services.declare_incident(
            actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=tlp, organizations=organizations
        )

    mine = declare("Mine", Tlp.GREEN, [provider_a])
    shared = declare("Shared", Tlp.AMBER, [provider_a, streamwave])
    red = declare("Red", Tlp.RED, [streamwave])
    base, _ = services.add_indicator(actor=responder_a, incident=mine, kind="pdq", value=BASE)
    near, _ = services.add_indicator(actor=streamwave_responder, incident=shared, kind="pdq", value=flipped(12))
    services.add_indicator(actor=streamwave_responder, incident=shared, kind="pdq", value=flipped(100))
    secret, _ = services.add_indicator(actor=secretariat, incident=red, kind="pdq", value=flipped(5))
    return {"mine": mine, "shared": shared, "red": red, "base": base, "near": near, "secret": secret}


def _validate(bundle):
    results = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(e) for e in results.errors]
    assert {str(w).split(": ", 1)[1][:5] for w in results.warnings} <= {"{103}"}


def test_a_near_match_is_a_related_to_relationship_between_the_two_indicators(rooms, responder_a):
    bundle = export(responder_a, rooms["mine"])
    (relationship,) = by_type(bundle, "relationship")
    assert relationship["relationship_type"] == "related-to"
    assert relationship["source_ref"] == stix.indicator_id(rooms["mine"].pk, rooms["base"].pk)
    assert relationship["target_ref"] == stix.indicator_id(rooms["shared"].pk, rooms["near"].pk)
    assert relationship["description"] == "PDQ near-match: Hamming distance 12 of 256 bits (a match is at most 31)."
    assert relationship["created_by_ref"] == stix.identity_id(rooms["mine"].pk, None)
    # It tells of an AMBER incident: AMBER, not the GREEN of the incident exported, and the
    # AMBER marking is in the bundle.
    assert relationship["object_marking_refs"] == [stix.TLP_MARKING_IDS[Tlp.AMBER]]
    markings = {m["id"] for m in by_type(bundle, "marking-definition")}
    assert markings == {stix.TLP_MARKING_IDS[Tlp.GREEN], stix.TLP_MARKING_IDS[Tlp.AMBER]}
    _validate(bundle)


def test_an_incident_the_viewer_cannot_enter_is_never_named(rooms, responder_a):
    text = json.dumps(export(responder_a, rooms["mine"]))
    assert stix.indicator_id(rooms["red"].pk, rooms["secret"].pk) not in text
    assert stix.TLP_MARKING_IDS[Tlp.RED] not in text
    # From the other end, the same pair, once per side.
    (back,) = by_type(export(responder_a, rooms["shared"]), "relationship")
    assert back["target_ref"] == stix.indicator_id(rooms["mine"].pk, rooms["base"].pk)
    assert back["object_marking_refs"] == [stix.TLP_MARKING_IDS[Tlp.AMBER]]


def test_who_sees_the_red_incident_gets_its_match_marked_red(rooms, secretariat):
    bundle = export(secretariat, rooms["mine"])
    relationships = sorted(by_type(bundle, "relationship"), key=lambda r: r["description"])
    assert [(r["target_ref"], r["object_marking_refs"]) for r in relationships] == [
        (stix.indicator_id(rooms["shared"].pk, rooms["near"].pk), [stix.TLP_MARKING_IDS[Tlp.AMBER]]),
        (stix.indicator_id(rooms["red"].pk, rooms["secret"].pk), [stix.TLP_MARKING_IDS[Tlp.RED]]),
    ]
    assert "distance 5 of 256" in relationships[1]["description"]
    assert len(by_type(bundle, "marking-definition")) == 3
    _validate(bundle)


def test_two_near_hashes_of_one_incident_are_one_relationship(secretariat, provider_a, responder_a):
    incident = services.declare_incident(
        actor=secretariat, title="One", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider_a]
    )
    services.import_indicator_list(actor=responder_a, incident=incident, text=f"{BASE}\n{flipped(3)}", kind="pdq")
    (relationship,) = by_type(export(responder_a, incident), "relationship")
    assert relationship["object_marking_refs"] == [stix.TLP_MARKING_IDS[Tlp.AMBER]]


def test_the_taxii_collection_serves_the_same_relationships(rooms, responder_a, secretariat):
    client = Taxii(responder_a)
    url = collection_url(rooms["mine"], "objects/")
    body = client.get(url, **{"match[type]": "relationship"}).json()
    assert [obj["id"] for obj in body["objects"]] == [
        r["id"] for r in by_type(export(responder_a, rooms["mine"]), "relationship")
    ]
    # Paged one object at a time, the whole collection is the bundle's objects, each once.
    seen, params = [], {"limit": 1}
    while True:
        page = client.get(url, **params).json()
        seen += [obj["id"] for obj in page["objects"]]
        if not page.get("more"):
            break
        params = {"limit": 1, "next": page["next"]}
    assert sorted(seen) == sorted(obj["id"] for obj in export(responder_a, rooms["mine"])["objects"])
    assert stix.indicator_id(rooms["red"].pk, rooms["secret"].pk) not in json.dumps(seen)
    (relationship_id,) = [i for i in seen if i.startswith("relationship--")]
    one = client.get(collection_url(rooms["mine"], f"objects/{relationship_id}/"))
    assert one.status_code == 200 and one.json()["objects"][0]["relationship_type"] == "related-to"
    # The secretariat, who enters the RED room, is given its match, in the manifest too.
    manifest = Taxii(secretariat).get(collection_url(rooms["mine"], "manifest/")).json()["objects"]
    assert sum(record["id"].startswith("relationship--") for record in manifest) == 2


@pytest.mark.parametrize("size", [2, 20])
def test_the_export_with_near_matches_runs_a_fixed_number_of_queries(
    secretariat, provider_a, provider_b, responder_a, django_assert_max_num_queries, size
):
    def declare(title, organizations):
        return services.declare_incident(
            actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=organizations
        )

    incident, other = declare("Here", [provider_a]), declare("There", [provider_a, provider_b])
    here = "\n".join(f"{n << 128:064x}" for n in range(1, size + 1))
    there = "\n".join(f"{(n << 128) | 1:064x}" for n in range(1, size + 1))
    services.import_indicator_list(actor=responder_a, incident=incident, text=here, kind="pdq")
    services.import_indicator_list(actor=responder_a, incident=other, text=there, kind="pdq")
    with django_assert_max_num_queries(11):
        bundle = export(responder_a, incident)
    assert len(by_type(bundle, "relationship")) >= size
