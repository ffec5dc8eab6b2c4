"""vPDQ near-matches by frame-match ratio: shown from the rooms the viewer may read, and only
from those, on the page and in the API, in one query."""

import random

import pytest
from django.test import override_settings

from incidents import selectors, services
from incidents.models import Incident, Indicator, Tier, Tlp
from incidents.permissions import room_incidents_q
from incidents.selectors import video_matches
from tests.helpers.api_client import api
from tests.portal.factories import OrganizationFactory

from .factories import responder_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def matching_on(settings):
    settings.VPDQ_MATCHING = True


RNG = random.Random(31)


def frame() -> int:
    return RNG.getrandbits(256)


def near(value: int, bits: int = 3) -> int:
    """`value` with `bits` of its bits flipped: a re-encoded frame."""
    for position in RNG.sample(range(256), bits):
        value ^= 1 << position
    return value


def video(frames) -> str:
    return ",".join(f"{f:064x}" for f in frames)


@pytest.fixture
def videos(secretariat, provider_a, responder_a):
    """`first` (provider A) holds video A (5 frames). `second` (A and Streamwave) holds B, A
    re-encoded plus one new frame (A: 100 % of its frames, B: 83.3 %), and C, a clip sharing 2 of
    A's 5 frames (40 %: no match). A RED room the responder is not named in holds A re-encoded."""
    streamwave = OrganizationFactory(name="Streamwave")
    streamwave_responder = responder_of(streamwave)

    def declare(title, tlp, organizations):
        return services.declare_incident(
            actor=secretariat, title=title, tier=Tier.COORDINATED, tlp=tlp, organizations=organizations
        )

    first = declare("First", Tlp.AMBER, [provider_a])
    second = declare("Second", Tlp.AMBER, [provider_a, streamwave])
    red = declare("Red", Tlp.RED, [streamwave])
    frames = [frame() for _ in range(5)]
    a, _ = services.add_indicator(actor=responder_a, incident=first, kind="vpdq", value=video(frames))
    b, _ = services.add_indicator(
        actor=streamwave_responder, incident=second, kind="vpdq", value=video([*map(near, frames), frame()])
    )
    c, _ = services.add_indicator(
        actor=streamwave_responder,
        incident=second,
        kind="vpdq",
        value=video([*frames[:2], *(frame() for _ in range(8))]),
    )
    hidden, _ = services.add_indicator(actor=secretariat, incident=red, kind="vpdq", value=video(map(near, frames)))
    return {"first": first, "second": second, "red": red, "a": a, "b": b, "c": c, "hidden": hidden}


def test_a_reencoded_video_matches_and_a_short_clip_does_not(videos, responder_a):
    found = selectors.with_near_matches(responder_a, [videos["a"]])[0].video_matches
    assert found == [
        video_matches.VideoMatch(
            indicator=videos["b"].pk,
            incident=videos["second"].pk,
            organization="Streamwave",
            query_match_percent=100.0,
            compared_match_percent=83.3,
        )
    ]
    # From B's side: all of A's frames are in B (100 %), 5 of B's 6 match A (83.3 %).
    (back,) = selectors.with_near_matches(responder_a, [videos["b"]])[0].video_matches
    assert (back.indicator, back.query_match_percent, back.compared_match_percent) == (videos["a"].pk, 83.3, 100.0)


def test_a_room_the_viewer_cannot_read_is_never_compared(videos, responder_a, secretariat):
    assert videos["hidden"].pk not in {
        m.indicator for m in selectors.with_near_matches(responder_a, [videos["a"]])[0].video_matches
    }
    assert videos["hidden"].pk in {
        m.indicator for m in selectors.with_near_matches(secretariat, [videos["a"]])[0].video_matches
    }


def test_the_ratios_are_configurable(videos, responder_a):
    with override_settings(VPDQ_QUERY_MATCH_PERCENT=40.0):
        found = selectors.with_near_matches(responder_a, [videos["a"]])[0].video_matches
    assert [m.indicator for m in found] == [videos["b"].pk, videos["c"].pk]
    with override_settings(VPDQ_COMPARED_MATCH_PERCENT=90.0):
        assert selectors.with_near_matches(responder_a, [videos["a"]])[0].video_matches == []


def test_the_database_and_python_agree(videos, responder_a, secretariat):
    queries = {v.pk: v.value.split(",") for v in (videos["a"], videos["b"], videos["c"])}
    for user in (responder_a, secretariat):
        visible = Incident.objects.filter(room_incidents_q(user)).values("pk")
        with override_settings(VPDQ_QUERY_MATCH_PERCENT=10.0):
            in_python = sorted(video_matches._compare_in_python(queries, visible), key=repr)
            if video_matches.connection.vendor == "postgresql":
                assert sorted(video_matches._compare_in_postgresql(queries, visible), key=repr) == in_python
        assert len(in_python) >= 4


@pytest.mark.parametrize("size", [2, 20])
def test_one_query_whatever_the_number_of_videos(secretariat, provider_a, responder_a, django_assert_num_queries, size):
    incident = services.declare_incident(
        actor=secretariat, title="Many", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider_a]
    )
    for _ in range(size):
        services.add_indicator(actor=responder_a, incident=incident, kind="vpdq", value=video([frame(), frame()]))
    indicators = list(Indicator.objects.filter(incident=incident))
    with django_assert_num_queries(1):
        video_matches.with_video_matches(responder_a, indicators)
    services.add_indicator(actor=responder_a, incident=incident, kind="md5", value="0" * 32)
    hashes = list(Indicator.objects.filter(kind="md5"))
    with django_assert_num_queries(0):  # no video, nothing to ask
        video_matches.with_video_matches(responder_a, hashes)


def test_the_api_and_the_page_show_them(videos, responder_a, client):
    rows = api(responder_a).get(f"/api/v1/incidents/{videos['first'].pk}/indicators/").json()
    (row,) = rows
    assert row["video_matches"] == [
        {
            "indicator": videos["b"].pk,
            "incident": videos["second"].pk,
            "organization": "Streamwave",
            "query_match_percent": 100.0,
            "compared_match_percent": 83.3,
        }
    ]
    client.force_login(responder_a)
    page = client.get(f"/incidents/{videos['first'].pk}/").content.decode()
    assert f'data-video-match="{videos["b"].pk}"' in page
    assert f"Matches Streamwave's video from incident #{videos['second'].pk}: 100.0% of this video" in page
    assert f'data-video-match="{videos["hidden"].pk}"' not in page


def test_the_room_shows_no_video_matches_when_none_reach_the_ratio(videos, responder_a):
    rows = api(responder_a).get(f"/api/v1/incidents/{videos['second'].pk}/indicators/").json()
    by_id = {row["id"]: row for row in rows}
    assert by_id[videos["c"].pk]["video_matches"] == []
    assert [m["indicator"] for m in by_id[videos["b"].pk]["video_matches"]] == [videos["a"].pk]
    assert by_id[videos["b"].pk]["near_matches"] == []


def test_off_by_default_a_video_is_not_compared(videos, responder_a, settings, django_assert_num_queries):
    settings.VPDQ_MATCHING = False
    with django_assert_num_queries(0):
        assert selectors.with_near_matches(responder_a, [videos["a"]])[0].video_matches is None
    rows = api(responder_a).get(f"/api/v1/incidents/{videos['first'].pk}/indicators/").json()
    assert rows[0]["video_matches"] is None
