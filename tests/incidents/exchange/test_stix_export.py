"""The STIX 2.1 export: a bundle the OASIS validator accepts, TLP 2.0 on every object, the same
ids every time, one pattern table both ways."""

import json

import pytest
from stix2patterns.validator import run_validator
from stix2validator import ValidationOptions, validate_string

from incidents import services
from incidents.exchange import stix
from incidents.models import Tlp
from tests.helpers.api_client import api
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory

from .conftest import MD5, PDQ, SHA256

# Published by OASIS (cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
OFFICIAL_TLP_2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def export(user, incident):
    response = api(user).get(f"/api/v1/incidents/{incident.pk}/stix/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    return json.loads(response.content)


def by_type(bundle, kind):
    return [obj for obj in bundle["objects"] if obj["type"] == kind]


@pytest.mark.django_db
def test_the_bundle_passes_the_oasis_validator(shared_incident, responder_a):
    """No error; the one warning is the SHOULD of UUIDv4 ids (code 103): the ids are uuid5 under a
    namespace of the site, which the spec allows so that exporting again gives the same ids."""
    text = json.dumps(export(responder_a, shared_incident))
    results = validate_string(text, ValidationOptions(version="2.1"))
    assert results.is_valid, [str(e) for e in results.errors]
    assert not results.errors
    assert {str(w).split(": ", 1)[1][:5] for w in results.warnings} == {"{103}"}
    strict = validate_string(text, ValidationOptions(strict=True, version="2.1", disabled=["103"]))
    assert strict.is_valid, [str(e) for e in strict.errors]


@pytest.mark.django_db
def test_each_indicator_with_its_pattern_its_sharer_and_the_report(shared_incident, responder_a, provider_a):
    bundle = export(responder_a, shared_incident)
    patterns = sorted(obj["pattern"] for obj in by_type(bundle, "indicator"))
    assert patterns == sorted(
        [
            "[url:value = 'https://bad.example/it\\'s?a=1']",
            f"[file:hashes.'SHA-256' = '{SHA256}']",
            f"[file:hashes.MD5 = '{MD5}']",
            f"[file:hashes.'PDQ' = '{PDQ}']",
        ]
    )
    identities = {obj["id"]: obj["name"] for obj in by_type(bundle, "identity")}
    assert sorted(identities.values()) == ["Call Portal", "Provider A", "Provider B"]
    sha = next(obj for obj in by_type(bundle, "indicator") if "SHA-256" in obj["pattern"])
    assert identities[sha["created_by_ref"]] == provider_a.name
    pdq = next(obj for obj in by_type(bundle, "indicator") if "PDQ" in obj["pattern"])
    assert identities[pdq["created_by_ref"]] == "Call Portal"  # the secretariat speaks for no organisation
    (report,) = by_type(bundle, "report")
    assert set(report["object_refs"]) == set(identities) | {obj["id"] for obj in by_type(bundle, "indicator")}
    assert report["name"] == f"Incident #{shared_incident.pk}: Livestreamed attack"
    first = min(shared_incident.indicators.all(), key=lambda i: i.created_at)
    assert sha["created"] <= report["modified"] and report["created"] <= sha["created"]
    assert first.created_at.year == int(report["published"][:4])


@pytest.mark.django_db
@pytest.mark.parametrize("tlp", Tlp.values)
def test_every_object_carries_the_official_tlp_2_marking(secretariat, provider_a, tlp):
    incident = services.declare_incident(actor=secretariat, title="Marked", tlp=tlp, organizations=[provider_a])
    services.add_indicator(actor=secretariat, incident=incident, kind="md5", value=MD5)
    bundle = export(secretariat, incident)
    (marking,) = by_type(bundle, "marking-definition")
    assert marking == {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": OFFICIAL_TLP_2[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": Tlp(tlp).label,
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": tlp,
            }
        },
    }
    others = [obj for obj in bundle["objects"] if obj["type"] != "marking-definition"]
    assert {obj["type"] for obj in others} == {"identity", "indicator", "report"}
    assert all(obj["object_marking_refs"] == [OFFICIAL_TLP_2[tlp]] for obj in others)


@pytest.mark.django_db
def test_exporting_again_gives_the_same_ids_and_content(shared_incident, responder_a, responder_b):
    first, second = export(responder_a, shared_incident), export(responder_b, shared_incident)
    assert first["objects"] == second["objects"]
    ids = [obj["id"] for obj in first["objects"]]
    assert len(ids) == len(set(ids))
    indicator = shared_incident.indicators.order_by("pk").first()
    assert stix.indicator_id(shared_incident.pk, indicator.pk) in ids


@pytest.mark.django_db
def test_a_tlp_change_gives_every_object_a_new_version(shared_incident, secretariat, responder_a):
    before = {obj["id"]: obj for obj in export(responder_a, shared_incident)["objects"]}
    services.change_tlp(actor=secretariat, incident=shared_incident, tlp=Tlp.GREEN)
    after = {obj["id"]: obj for obj in export(responder_a, shared_incident)["objects"]}
    assert OFFICIAL_TLP_2["green"] in after and OFFICIAL_TLP_2["amber"] not in after
    for object_id, obj in after.items():
        if obj["type"] != "marking-definition":
            assert obj["modified"] > before[object_id]["modified"], obj["type"]
            assert obj["created"] == before[object_id]["created"]


def test_the_pattern_table_reads_back_what_it_writes():
    """Every kind STIX carries, both ways, and what pattern_for writes is a valid STIX 2.1 pattern
    (BuiltIndicator leaves this check to here)."""
    samples = {  # by value, so that a sample can wait here for its kind
        "url": "https://x.example/a'b\\c",
        "md5": MD5,
        "sha1": "d" * 40,
        "sha256": SHA256,
        "pdq": PDQ,
        "vpdq": f"{PDQ},{SHA256}",
        "tmk": "0" * 2048,
    }
    for kind in stix.PATTERN_PATHS:
        value = samples[kind]
        pattern = stix.pattern_for(kind, value)
        assert run_validator(pattern, "2.1") == [], pattern
        found = stix.candidate(pattern)
        assert (found.kind, found.value) == (kind, value)


@pytest.mark.django_db
def test_the_export_is_for_the_room(shared_incident, responder_a, client):
    outsider = responder_of(OrganizationFactory(name="Uninvited"))
    without_two_factor = responder_of(shared_incident.invited_organizations.first(), two_factor=False)
    assert api(outsider).get(f"/api/v1/incidents/{shared_incident.pk}/stix/").status_code == 404
    assert api(without_two_factor).get(f"/api/v1/incidents/{shared_incident.pk}/stix/").status_code == 403
    assert api().get(f"/api/v1/incidents/{shared_incident.pk}/stix/").status_code == 404
    client.force_login(responder_a)
    page = client.get(f"/incidents/{shared_incident.pk}/indicators.stix.json")
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert json.loads(page.content)["type"] == "bundle"
    assert (
        f"/incidents/{shared_incident.pk}/indicators.stix.json"
        in client.get(f"/incidents/{shared_incident.pk}/").content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_the_export_runs_a_fixed_number_of_queries(
    secretariat, provider_a, provider_b, responder_a, responder_b, django_assert_max_num_queries, size
):
    incident = services.declare_incident(actor=secretariat, title="Big", organizations=[provider_a, provider_b])
    for n in range(size):
        actor = responder_a if n % 2 else responder_b
        services.add_indicator(actor=actor, incident=incident, kind="md5", value=f"{n:032x}")
    with django_assert_max_num_queries(12):
        bundle = export(secretariat, incident)
    assert len(by_type(bundle, "indicator")) == size
