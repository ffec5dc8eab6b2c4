"""The room's metrics move when it delivers (portal/metrics): connections per room while it
has them, the delivery lag from commit to hand-over, items and frames delivered, the hub's
backlog, channel-layer failures; and an acknowledgement's time to acknowledge."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from prometheus_client import REGISTRY
from redis.exceptions import ConnectionError as RedisConnectionError

from incidents import events, services
from portal import metrics
from tests.portal.test_metrics_page import scrape, value

from .test_consumers import post, receive

pytestmark = pytest.mark.django_db(transaction=True)

LAG = "callportal_room_delivery_lag_seconds"


@pytest.fixture
def metrics_token(settings):
    from tests.portal.test_metrics_page import TOKEN

    settings.METRICS_TOKEN = TOKEN


def figures(families, incident_id):
    return {
        "connections": value(families, "callportal_room_connections", incident=str(incident_id)),
        "lag_count": value(families, LAG, f"{LAG}_count") or 0,
        "lag_fast": value(families, LAG, f"{LAG}_bucket", le="60.0") or 0,
        "items": value(families, "callportal_room_items_delivered", "callportal_room_items_delivered_total") or 0,
        "frames": value(families, "callportal_room_frames_sent", "callportal_room_frames_sent_total") or 0,
    }


async def test_a_delivery_moves_the_rooms_figures_on_the_metrics_page(
    metrics_token, incident_with_two_orgs, responder_a, responder_b, rooms
):
    incident_id = incident_with_two_orgs.pk
    before = figures(await sync_to_async(scrape)(), incident_id)
    assert before["connections"] is None  # no connection, no series
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    bob = await rooms.join(responder_b, incident_with_two_orgs)
    during = figures(await sync_to_async(scrape)(), incident_id)
    assert during["connections"] == 2

    item = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="to both")
    assert (await receive(alice))["seq"] == (await receive(bob))["seq"] == item.seq
    after = figures(await sync_to_async(scrape)(), incident_id)
    # One item, handed over once by this process's hub, to two connections; its lag observed once.
    assert after["items"] - during["items"] == 1
    assert after["frames"] - during["frames"] == 2
    assert after["lag_count"] - during["lag_count"] == 1
    assert after["lag_fast"] - during["lag_fast"] == 1  # within a minute of its commit

    await alice.disconnect()
    assert figures(await sync_to_async(scrape)(), incident_id)["connections"] == 1
    await bob.disconnect()
    assert figures(await sync_to_async(scrape)(), incident_id)["connections"] is None  # the room emptied


async def test_a_broadcast_the_layer_refuses_is_counted(incident_with_two_orgs, responder_a, monkeypatch):
    layer = get_channel_layer()

    async def refuse(group, message):
        raise RedisConnectionError("Connection refused")

    before = _get("callportal_channel_layer_failures_total", operation="broadcast")
    monkeypatch.setattr(layer, "group_send", refuse)
    await post(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="stored, not broadcast")
    assert _get("callportal_channel_layer_failures_total", operation="broadcast") - before == 1


def _get(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_hub_backlog_is_what_was_stored_but_not_yet_received():
    room = 987_654
    metrics.item_relayed(room, {"seq": 5, "committed_at": metrics.stamp()}, 3)
    metrics.hub_backlog(room, stored=9)
    assert _get("callportal_room_hub_backlog_items", incident=str(room)) == 4
    metrics.item_relayed(room, {"seq": 9}, 3)
    metrics.hub_backlog(room, stored=9)
    assert _get("callportal_room_hub_backlog_items", incident=str(room)) == 0
    metrics.room_connections(room, 0)  # the room empties: its series go
    assert REGISTRY.get_sample_value("callportal_room_hub_backlog_items", {"incident": str(room)}) is None


def test_an_acknowledgement_observes_the_time_since_the_alert(
    incident_with_two_orgs, provider_a, responder_a, django_capture_on_commit_callbacks
):
    tier = str(incident_with_two_orgs.tier)
    count = "callportal_alert_time_to_acknowledge_seconds_count"
    start = _get(count, tier=tier)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.acknowledge_alert(incident=incident_with_two_orgs, organization=provider_a, user=responder_a)
    assert _get(count, tier=tier) - start == 1
    with django_capture_on_commit_callbacks(execute=True):  # a repeat records nothing, observes nothing
        assert not services.acknowledge_alert(
            incident=incident_with_two_orgs, organization=provider_a, user=responder_a
        )
    assert _get(count, tier=tier) - start == 1


def test_the_broadcast_carries_its_commit_time(incident_with_two_orgs, responder_a, monkeypatch):
    sent = []
    layer = get_channel_layer()

    async def capture(group, message):
        sent.append(message)

    monkeypatch.setattr(layer, "group_send", capture)
    item = services.post_message(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="hi")
    events.broadcast_item(item)
    assert sent and all(isinstance(message["committed_at"], float) for message in sent)
