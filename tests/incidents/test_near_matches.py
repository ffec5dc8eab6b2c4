"""PDQ near-matches: real PDQ hashes (pdqhash) of generated images; a variant is shown
from the rooms the viewer may read, and only from those."""

import importlib

import numpy as np
import pdqhash
import pytest

from incidents import selectors, services
from incidents.models import Tier, Tlp
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


def _picture(seed: int, size: int = 256) -> np.ndarray:
    """A smooth picture (a few interfering waves), as PDQ expects of a photograph."""
    y, x = np.mgrid[0:size, 0:size] / size
    rng = np.random.default_rng(seed)
    a = np.zeros((size, size))
    for _ in range(6):
        fx, fy, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 6)
        a += np.sin(2 * np.pi * (fx * x + fy * y) + phase)
    a = (a - a.min()) / (a.max() - a.min()) * 255
    return np.stack([a, a * 0.8, 255 - a], axis=-1).astype(np.uint8)


def _pdq(image: np.ndarray) -> str:
    bits, quality = pdqhash.compute(image)
    assert quality >= 50
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.fixture(scope="module")
def hashes():
    original = _picture(1)
    # Re-encoded upload: darker, brighter offset, a little noise.
    noise = np.random.default_rng(5).normal(0, 6, original.shape)
    variant = np.clip(original.astype(float) * 0.9 + 12 + noise, 0, 255).astype(np.uint8)
    return {"original": _pdq(original), "variant": _pdq(variant), "unrelated": _pdq(_picture(2))}


def test_the_generated_pictures_behave_as_photographs_do(hashes):
    assert _distance(hashes["original"], hashes["variant"]) <= 31
    assert _distance(hashes["original"], hashes["unrelated"]) > 31


@pytest.fixture
def two_rooms(secretariat, provider_a, responder_a, hashes):
    """Room 1 (provider A) holds the original; room 2 (A and Streamwave) holds Streamwave's
    variant and an unrelated hash; a RED room the responder is not named in holds a variant too."""
    streamwave = OrganizationFactory(name="Streamwave")
    streamwave_responder = responder_of(streamwave)

    def declare(title, tlp, organizations):
        return services.declare_incident(
            actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=tlp, organizations=organizations
        )

    first = declare("First", Tlp.AMBER, [provider_a])
    second = declare("Second", Tlp.AMBER, [provider_a, streamwave])
    red = declare("Red", Tlp.RED, [streamwave])
    original, _ = services.add_indicator(actor=responder_a, incident=first, kind="pdq", value=hashes["original"])
    variant, _ = services.add_indicator(
        actor=streamwave_responder, incident=second, kind="pdq", value=hashes["variant"]
    )
    services.add_indicator(actor=streamwave_responder, incident=second, kind="pdq", value=hashes["unrelated"])
    services.import_indicator_list(actor=secretariat, incident=red, text=hashes["variant"], kind="pdq")
    return first, second, original, variant


def test_a_variant_is_found_in_the_rooms_the_viewer_may_read(two_rooms, responder_a, secretariat, hashes):
    _first, second, original, variant = two_rooms
    distance = _distance(hashes["original"], hashes["variant"])
    found = selectors.near_matches(responder_a, [original])
    assert found == {
        original.pk: [selectors.NearMatch(variant.pk, second.pk, hashes["variant"], "Streamwave", distance)]
    }
    # The secretariat reads every room, the RED one's variant included.
    assert [m.incident for m in selectors.near_matches(secretariat, [original])[original.pk]] == [
        second.pk,
        second.pk + 1,
    ]


def test_the_distance_is_a_setting(two_rooms, responder_a, settings, hashes):
    _first, _second, original, _variant = two_rooms
    settings.PDQ_MATCH_DISTANCE = _distance(hashes["original"], hashes["variant"]) - 1
    assert selectors.near_matches(responder_a, [original]) == {}


def test_the_room_page_and_the_api_show_the_variant(client, two_rooms, responder_a, hashes):
    first, second, original, variant = two_rooms
    distance = _distance(hashes["original"], hashes["variant"])
    client.force_login(responder_a)
    html = client.get(f"/incidents/{first.pk}/").content.decode()
    assert f"Matches Streamwave's hash from incident #{second.pk}, distance {distance}" in html
    rows = api(responder_a).get(f"/api/v1/incidents/{first.pk}/indicators/").json()
    assert rows[0]["near_matches"] == [
        {
            "indicator": variant.pk,
            "incident": second.pk,
            "value": hashes["variant"],
            "organization": "Streamwave",
            "distance": distance,
        }
    ]
    # Seen from the second room, the original is a variant too; the unrelated hash has none.
    rows = {r["value"]: r for r in api(responder_a).get(f"/api/v1/incidents/{second.pk}/indicators/").json()}
    assert [m["indicator"] for m in rows[hashes["variant"]]["near_matches"]] == [original.pk]
    assert rows[hashes["unrelated"]]["near_matches"] == []


@pytest.mark.parametrize("size", [2, 12])
def test_one_query_whatever_the_number_of_hashes(secretariat, provider_a, responder_a, django_assert_num_queries, size):
    incidents = [
        services.declare_incident(actor=secretariat, title=f"I{n}", tlp=Tlp.AMBER, organizations=[provider_a])
        for n in range(2)
    ]
    for incident in incidents:
        text = "\n".join(f"{n:064x}" for n in range(size))
        services.import_indicator_list(actor=responder_a, incident=incident, text=text, kind="pdq")
    indicators = list(selectors.incident_indicators(incidents[0]))
    with django_assert_num_queries(1):
        found = selectors.near_matches(responder_a, indicators)
    assert len(found) == size and all(len(matches) == min(2 * size - 1, 10) for matches in found.values())
    services.add_indicator(actor=responder_a, incident=incidents[1], kind="md5", value="0" * 32)
    md5_only = list(selectors.incident_indicators(incidents[1]))[-1:]
    with django_assert_num_queries(0):  # no PDQ hash, nothing to ask
        assert selectors.near_matches(responder_a, md5_only) == {}


def test_only_the_latest_hashes_are_compared(secretariat, provider_a, responder_a, monkeypatch):
    monkeypatch.setattr(importlib.import_module("incidents.selectors.near_matches"), "MAX_QUERIED", 2)
    incident = services.declare_incident(actor=secretariat, title="Big", tlp=Tlp.AMBER, organizations=[provider_a])
    text = "\n".join(f"{n:064x}" for n in range(3))
    services.import_indicator_list(actor=responder_a, incident=incident, text=text, kind="pdq")
    rows = api(responder_a).get(f"/api/v1/incidents/{incident.pk}/indicators/").json()
    assert [r["near_matches"] is None for r in rows] == [True, False, False]
    assert [len(r["near_matches"]) for r in rows[1:]] == [2, 2]
