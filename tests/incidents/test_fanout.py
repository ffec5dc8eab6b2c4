"""The process's hub per room (incidents/fanout.py): one subscription, direct delivery,
and per-connection order kept when a connection's sends have to wait."""

import asyncio
import json
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async

from incidents import events, fanout, presence, services
from incidents.consumers import IncidentRoomConsumer
from incidents.models import RoomPresence

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
    users = (responder_a, responder_b, secretariat)
    clients = [await rooms.join(user, incident_with_two_orgs, wait_for_join=False) for user in users]
    everyone = {user.pk for user in users}
    for client in clients:
        listed: dict[int, dict] = {}
        changes = 0
        while not await client.receive_nothing(timeout=4 * presence.PRESENCE_INTERVAL_SECONDS):
            frame = await client.receive_json_from()
            if frame["type"] == "presence":
                listed = {user["id"]: user for user in frame["users"]}
            else:
                assert frame["type"] == "presence_change" and listed, frame  # changes follow the whole list
                changes += 1
                listed.update((user["id"], user) for user in frame["joined"])
                for user in frame["left"]:
                    listed.pop(user["id"], None)
        assert set(listed) == everyone
        if client is clients[0]:
            assert changes  # the first to join hears of the others as changes
    for client in clients:
        await client.disconnect()


class StubConnection:
    """What a room's roster needs of a connection: its user, row key and frames."""

    def __init__(self, user, name):
        self.user, self.channel_name = user, name
        self.present = self.closing = False
        self.frames: list[dict] = []

    def offer_frame(self, text):
        self.frames.append(json.loads(text))


async def test_connections_entering_and_leaving_together_cost_one_batch_each_way(
    incident_with_two_orgs, responder_a, responder_b, monkeypatch
):
    from channels.layers import get_channel_layer

    batches = []
    write_and_read = presence._write_and_read

    def counted(incident_id, arrived, departed):
        batches.append((len(arrived), len(departed)))
        return write_and_read(incident_id, arrived, departed)

    monkeypatch.setattr(presence, "_write_and_read", counted)
    incident_id = incident_with_two_orgs.pk
    hub = SimpleNamespace(incident_id=incident_id, members={}, channel_name="hub", group="g", layer=get_channel_layer())
    roster = presence.Roster(hub)
    users = [responder_a, *[responder_b] * 19]
    connections = [StubConnection(user, f"c{n}") for n, user in enumerate(users)]
    hub.members.update(dict.fromkeys(connections))

    await asyncio.gather(*(roster.enter(connection) for connection in connections))
    assert batches == [(20, 0)]
    assert await RoomPresence.objects.filter(incident_id=incident_id).acount() == 20
    everyone = {responder_a.pk, responder_b.pk}
    for connection in connections:  # each has the whole list, at once, and no change after it
        assert [frame["type"] for frame in connection.frames] == ["presence"]
        assert {user["id"] for user in connection.frames[0]["users"]} == everyone

    stays = connections[0]
    hub.members = {stays: None}
    await asyncio.gather(*(roster.leave(connection) for connection in connections[1:]))
    assert batches == [(20, 0), (0, 19)]
    assert await RoomPresence.objects.filter(incident_id=incident_id).acount() == 1
    ana = {"id": responder_a.pk, "name": responder_a.display_name, "organization": "Provider A", "time_zone": ""}
    ben = {"id": responder_b.pk, "name": responder_b.display_name, "organization": "Provider B", "time_zone": ""}
    assert stays.frames[-1] == {"type": "presence_change", "joined": [], "left": [ben]}
    await roster.refresh(whole=True)  # the heartbeat
    assert stays.frames[-1] == {"type": "presence", "users": [ana]}
    roster.close()


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
