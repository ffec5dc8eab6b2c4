"""Importing a STIX bundle: each object's result, the good kept and the bad changing nothing,
under the room's rule for sharing an indicator."""

import json

import pytest

from incidents import services
from incidents.models import Indicator, RoomItem, Tlp
from portal.models import AuditEvent
from tests.helpers.api_client import api
from tests.incidents.factories import responder_of
from tests.portal.factories import OrganizationFactory

from .conftest import MD5, SHA256


def indicator(pattern, *, pattern_type="stix", object_id="indicator--5f2d6b6e-63ba-4b8e-9b2f-6c3f53a2f3a1"):
    return {"type": "indicator", "id": object_id, "pattern": pattern, "pattern_type": pattern_type}


def post(user, incident, body, **kwargs):
    return api(user).post(f"/api/v1/incidents/{incident.pk}/stix/", body, format="json", **kwargs)


def snapshot(incident):
    return (Indicator.objects.filter(incident=incident).count(), RoomItem.objects.filter(incident=incident).count())


@pytest.mark.django_db
def test_each_object_gets_its_result(shared_incident, responder_b):
    bundle = {
        "type": "bundle",
        "id": "bundle--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "objects": [
            {"type": "identity", "id": "identity--1b3c5a2e-6c2a-4f0b-8a54-0d4c6b5e2a11", "name": "Someone"},
            indicator(f"[file:hashes.'SHA-256' = '{'d' * 64}']"),
            indicator(f"[file:hashes.MD5 = '{MD5}']"),  # shared already
            indicator("[file:hashes.MD5 = 'zz']"),
            indicator("[url:value = 'ftp://files.example/x']"),
            indicator("[file:hashes.MD5 = "),
            indicator("[ipv4-addr:value = '198.51.100.7']"),
            indicator("[file:hashes.MD5 = 'a' OR url:value = 'https://x.example/']"),
            indicator("[url:value = 'https://new.example/v']"),
            indicator("alert tcp any any -> any any", pattern_type="snort"),
            "not an object",
        ],
    }
    before = snapshot(shared_incident)
    response = post(responder_b, shared_incident, bundle)
    assert response.status_code == 200, response.content
    results = [(r["type"], r["result"], r["kind"]) for r in response.json()["results"]]
    assert results == [
        ("identity", "ignored", None),
        ("indicator", "added", "sha256"),
        ("indicator", "already_present", "md5"),
        ("indicator", "invalid", "md5"),
        ("indicator", "invalid", "url"),
        ("indicator", "invalid", None),
        ("indicator", "unsupported", None),
        ("indicator", "unsupported", None),
        ("indicator", "added", "url"),
        ("indicator", "unsupported", None),
        (None, "invalid", None),
    ]
    details = [r["detail"] for r in response.json()["results"]]
    assert "32 hexadecimal digits" in details[3] and "http or https" in details[4]
    assert details[5].startswith("Not a STIX pattern")
    assert response.json()["counts"] == {
        "added": 2,
        "already_present": 1,
        "invalid": 4,
        "unsupported": 3,
        "ignored": 1,
    }
    assert snapshot(shared_incident) == (before[0] + 2, before[1] + 2)
    added = Indicator.objects.get(incident=shared_incident, value="d" * 64)
    assert added.organization == responder_b.memberships.get().organization
    assert AuditEvent.objects.filter(action="incident.indicator_added", data__indicator=added.pk).exists()


@pytest.mark.django_db
def test_an_exported_bundle_imports_into_another_incident(shared_incident, secretariat, provider_a, responder_a):
    other = services.declare_incident(actor=secretariat, title="Copycat", organizations=[provider_a])
    exported = json.loads(api(responder_a).get(f"/api/v1/incidents/{shared_incident.pk}/stix/").content)
    response = api(responder_a).post(
        f"/api/v1/incidents/{other.pk}/stix/", json.dumps(exported), content_type="application/stix+json;version=2.1"
    )
    assert response.status_code == 200, response.content
    assert response.json()["counts"]["added"] == 4
    assert sorted(other.indicators.values_list("value", flat=True)) == sorted(
        shared_incident.indicators.values_list("value", flat=True)
    )
    again = post(responder_a, other, exported)
    assert again.json()["counts"]["added"] == 0 and again.json()["counts"]["already_present"] == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        [],
        {"type": "indicator", "pattern": f"[file:hashes.'SHA-256' = '{SHA256}']"},
        {"type": "bundle", "objects": "none"},
        {"type": "bundle", "objects": [indicator(f"[file:hashes.MD5 = '{'e' * 32}']")] * 2001},
    ],
)
def test_anything_but_a_bundle_is_a_400_and_changes_nothing(shared_incident, responder_a, body):
    before = snapshot(shared_incident)
    assert post(responder_a, shared_incident, body).status_code == 400
    assert snapshot(shared_incident) == before


@pytest.mark.django_db
def test_bad_json_is_a_400(shared_incident, responder_a):
    before = snapshot(shared_incident)
    response = api(responder_a).post(
        f"/api/v1/incidents/{shared_incident.pk}/stix/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert snapshot(shared_incident) == before


@pytest.mark.django_db
def test_importing_is_sharing_in_the_room(secretariat, provider_a, shared_incident):
    """At GREEN an uninvited supporter's responder reads the room but does not post in it."""
    green = services.declare_incident(actor=secretariat, title="Green", tlp=Tlp.GREEN, organizations=[provider_a])
    reader = responder_of(OrganizationFactory(name="Reader"))
    bundle = {"type": "bundle", "objects": [indicator(f"[file:hashes.MD5 = '{MD5}']")]}
    assert api(reader).get(f"/api/v1/incidents/{green.pk}/stix/").status_code == 200
    assert post(reader, green, bundle).status_code == 403
    assert not green.indicators.exists()
    assert post(reader, shared_incident, bundle).status_code == 404  # AMBER, not invited
    assert post(None, green, bundle).status_code == 401
