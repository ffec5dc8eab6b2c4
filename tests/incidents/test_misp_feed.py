"""The MISP feed, read back with pymisp as a MISP instance would: each caller sees the
incidents whose room it may read, tagged and distributed by their TLP level."""

import hashlib

import pytest
from pymisp import MISPEvent
from rest_framework.test import APIClient

from incidents import misp, services
from incidents.models import IndicatorKind, Tier, Tlp
from portal.services import create_api_token
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _token_client(user) -> APIClient:
    _token, key = create_api_token(user=user, name="misp")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def feed_world(secretariat, provider_a, responder_a):
    amber = services.declare_incident(
        actor=secretariat, title="Attack video", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER, organizations=[provider_a]
    )
    services.import_indicator_list(
        actor=responder_a,
        incident=amber,
        text=f"sha256,{SHA256}\npdq,{PDQ}\nhttps://video.example/watch?v=1\n",
    )
    red = services.declare_incident(actor=secretariat, title="Named only", tlp=Tlp.RED, organizations=[provider_a])
    services.add_indicator(actor=secretariat, incident=red, kind=IndicatorKind.MD5, value="0" * 32)
    return amber, red


def test_an_incident_loads_as_a_misp_event(feed_world, responder_a):
    amber, _red = feed_world
    client = _token_client(responder_a)
    response = client.get(f"/misp/feed/{misp.event_uuid(amber.pk)}.json")
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
    event = MISPEvent()
    event.load(response.json())
    assert event.uuid == misp.event_uuid(amber.pk)
    assert event.info == "Attack video" and event.distribution == 1 and event.threat_level_id == 1
    assert [tag.name for tag in event.tags] == ["tlp:amber"]
    attributes = {a.type: a for a in event.attributes}
    assert set(attributes) == {"sha256", "text", "url"}
    assert attributes["sha256"].value == SHA256 and attributes["sha256"].to_ids is True
    assert attributes["sha256"].category == "Payload delivery"
    assert attributes["url"].value == "https://video.example/watch?v=1" and attributes["url"].to_ids is True
    assert attributes["text"].value == PDQ and attributes["text"].to_ids is False
    assert attributes["text"].comment == "PDQ shared by Provider A"


def test_the_feed_lists_what_the_callers_tlp_audience_allows(feed_world, responder_a, secretariat):
    amber, red = feed_world
    manifest = _token_client(responder_a).get("/misp/feed/manifest.json").json()
    assert list(manifest) == [misp.event_uuid(amber.pk)]
    assert manifest[misp.event_uuid(amber.pk)]["Tag"] == [{"name": "tlp:amber"}]
    hashes = _token_client(responder_a).get("/misp/feed/hashes.csv").content.decode().splitlines()
    assert f"{hashlib.md5(SHA256.encode()).hexdigest()},{misp.event_uuid(amber.pk)}" in hashes
    assert len(hashes) == 3
    # The RED incident is for its named individuals: not this responder's, the secretariat's.
    assert _token_client(responder_a).get(f"/misp/feed/{misp.event_uuid(red.pk)}.json").status_code == 404
    everything = _token_client(secretariat).get("/misp/feed/manifest.json").json()
    assert set(everything) == {misp.event_uuid(amber.pk), misp.event_uuid(red.pk)}
    red_event = MISPEvent()
    red_event.load(_token_client(secretariat).get(f"/misp/feed/{misp.event_uuid(red.pk)}.json").json())
    assert red_event.distribution == 0 and [t.name for t in red_event.tags] == ["tlp:red"]


def test_the_feed_needs_a_token_of_someone_who_may_read_rooms(feed_world):
    amber, _red = feed_world
    anonymous = APIClient()
    assert anonymous.get("/misp/feed/manifest.json").status_code == 401
    assert anonymous.get(f"/misp/feed/{misp.event_uuid(amber.pk)}.json").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token cp_not-a-token")
    assert bad.get("/misp/feed/hashes.csv").status_code == 401
    outsider = responder_of(OrganizationFactory(name="Uninvited"))
    assert _token_client(outsider).get("/misp/feed/not-a-uuid.json").status_code == 404
    assert _token_client(outsider).get("/misp/feed/manifest.json").json() == {}
    assert _token_client(outsider).get("/misp/feed/hashes.csv").content == b""


@pytest.mark.parametrize("size", [1, 6])
def test_the_feed_runs_a_fixed_number_of_queries(
    secretariat, provider_a, responder_a, django_assert_max_num_queries, size
):
    for n in range(size):
        incident = services.declare_incident(
            actor=secretariat, title=f"I{n}", tlp=Tlp.AMBER, organizations=[provider_a]
        )
        services.import_indicator_list(actor=responder_a, incident=incident, text=f"{n:032x}\n{n + 1:032x}")
    client = _token_client(responder_a)
    for path in (
        "/misp/feed/manifest.json",
        "/misp/feed/hashes.csv",
        f"/misp/feed/{misp.event_uuid(incident.pk)}.json",
    ):
        with django_assert_max_num_queries(8):
            assert client.get(path).status_code == 200
