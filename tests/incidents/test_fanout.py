"""The process's hub per room (incidents/fanout.py): one subscription, direct delivery,
and per-connection order kept when a connection's sends have to wait."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from incidents import events, fanout, services
from incidents.consumers import IncidentRoomConsumer

from .test_consumers import group_members, receive

pytestmark = pytest.mark.django_db(transaction=True)

post = sync_to_async(services.post_message)


async def test_one_subscription_per_room_whatever_the_number_of_connections(
    incident_with_two_orgs, responder_a, responder_b, rooms
):
    group = events.room_group(incident_with_two_orgs.pk)
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    bob = await rooms.join(responder_b, incident_with_two_orgs)
    assert len(await group_members(group)) == 1
    item = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="to both")
    assert (await receive(alice))["seq"] == (await receive(bob))["seq"] == item.seq
    await alice.disconnect()
    assert len(await group_members(group)) == 1  # bob is still there
    await bob.disconnect()
    assert await group_members(group) == set()


async def test_a_room_emptied_and_entered_again_gets_a_new_subscription(incident_with_two_orgs, responder_a, rooms):
    first = await rooms.join(responder_a, incident_with_two_orgs)
    await first.disconnect()
    again = await rooms.join(responder_a, incident_with_two_orgs)
    item = await post(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="still live")
    assert (await receive(again))["seq"] == item.seq
    await again.disconnect()


async def test_start_eagerly_finishes_what_does_not_wait_and_hands_on_what_does():
    log = []

    async def at_once():
        log.append("at once")
        return 1

    gate = asyncio.Event()

    async def waits():
        log.append("started")
        await gate.wait()
        log.append("finished")
        return 2

    assert fanout.start_eagerly(at_once()) is None
    task = fanout.start_eagerly(waits())
    assert log == ["at once", "started"]  # ran up to its first wait, synchronously
    gate.set()
    assert await task == 2
    assert log == ["at once", "started", "finished"]


def stub_connection(sent: list, gate: asyncio.Event | None = None) -> IncidentRoomConsumer:
    """A joined connection whose websocket writes go to `sent`; the first waits for `gate`."""
    consumer = IncidentRoomConsumer()
    consumer.pending, consumer.tasks = [], set()
    consumer.busy, consumer.last_sent, consumer.incident_id = False, 1, 0

    async def send(message):
        if gate is not None and not gate.is_set():
            await gate.wait()
        sent.append(message["text"])

    consumer.scope = {"server_send": send}  # as portal.ws.server_send puts it
    return consumer


async def test_a_connection_that_cannot_take_more_holds_up_no_other_and_keeps_its_order():
    blocked_sent, other_sent, gate = [], [], asyncio.Event()
    blocked = stub_connection(blocked_sent, gate)
    other = stub_connection(other_sent)
    for seq in (2, 3, 4):
        for consumer in (blocked, other):
            consumer.offer_item(seq, f"item {seq}")
    assert other_sent == ["item 2", "item 3", "item 4"]  # delivered synchronously, no waiting
    assert blocked_sent == []
    gate.set()
    await asyncio.gather(*blocked.tasks)
    assert blocked_sent == ["item 2", "item 3", "item 4"]
    assert blocked.last_sent == 4 and not blocked.busy
    blocked.offer_item(4, "item 4")  # a late duplicate
    blocked.offer_item(5, "item 5")
    assert blocked_sent[-1] == "item 5" and len(blocked_sent) == 4


async def test_after_a_burst_of_joins_everyone_is_listed_as_present(
    incident_with_two_orgs, responder_a, responder_b, secretariat, rooms
):
    clients = [await rooms.join(user, incident_with_two_orgs) for user in (responder_a, responder_b, secretariat)]
    everyone = {responder_a.pk, responder_b.pk, secretariat.pk}
    for client in clients:
        last = None
        while not await client.receive_nothing(timeout=4 * fanout.PRESENCE_INTERVAL_SECONDS):
            last = await client.receive_json_from()
        if client is clients[0]:
            assert last is not None  # the first to join hears of the others
        if last is not None:
            assert {u["id"] for u in last["users"]} == everyone
    for client in clients:
        await client.disconnect()


async def test_a_lost_broadcast_of_the_last_item_arrives_with_the_next_heartbeat(
    incident_with_two_orgs, responder_a, responder_b, monkeypatch, settings, rooms
):
    settings.INCIDENT_HEARTBEAT_SECONDS = 0.1
    client = await rooms.join(responder_a, incident_with_two_orgs)
    monkeypatch.setattr(events, "broadcast_item", lambda item: None)  # Redis away, say
    lost = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="never broadcast")
    monkeypatch.undo()
    item = await receive(client)
    assert (item["seq"], item["body"]) == (lost.seq, "never broadcast")
    await client.disconnect()


async def test_a_failing_channel_layer_does_not_fail_the_write(incident_with_two_orgs, responder_a, monkeypatch):
    from channels.exceptions import ChannelFull
    from channels.layers import get_channel_layer

    async def full(*args, **kwargs):
        raise ChannelFull

    monkeypatch.setattr(get_channel_layer(), "group_send", full)
    item = await post(incident=incident_with_two_orgs, actor=responder_a, client_id=None, body="stored anyway")
    assert item.seq == 2
