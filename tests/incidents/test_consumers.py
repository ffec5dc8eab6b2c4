"""The room over websockets, through the real routing, on whichever channel layer is configured."""

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from incidents import events, services
from incidents.models import RoomItem, RoomPresence, Status
from portal.models import Membership, ResponderContact
from tests.helpers.rooms import WAIT, group_members

pytestmark = pytest.mark.django_db(transaction=True)


async def receive(communicator, *, skip_presence=True):
    if communicator.pending:
        return communicator.pending.pop(0)
    while True:
        frame = await communicator.receive_json_from(timeout=WAIT)
        if not (skip_presence and frame["type"] in ("presence", "presence_change")):
            return frame


async def send(communicator, body="hello", client_id=None):
    client_id = client_id or str(uuid.uuid4())
    await communicator.send_json_to({"type": "message", "client_id": client_id, "body": body})
    return client_id


post = sync_to_async(services.post_message)


async def test_message_is_acked_and_broadcast_to_everyone(incident_with_two_orgs, responder_a, responder_b, rooms):
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    bob = await rooms.join(responder_b, incident_with_two_orgs)
    client_id = await send(alice, "first report")
    ack = await receive(alice)
    item = await receive(alice)
    if ack["type"] == "item":  # the broadcast may overtake the ack
        ack, item = item, ack
    assert ack == {"type": "ack", "client_id": client_id, "seq": 2}
    assert item["type"] == "item" and item["seq"] == 2 and item["kind"] == "chat"
    assert item["body"] == "first report" and item["author"]["id"] == responder_a.pk
    assert item["organization"]["name"] == "Provider A"
    assert {"id", "created_at"} <= set(item)
    assert await receive(bob) == item
    assert await RoomItem.objects.filter(incident=incident_with_two_orgs, seq=2).acount() == 1
    await alice.disconnect()
    await bob.disconnect()


async def test_same_client_id_is_stored_once_and_acked_twice(incident_with_two_orgs, responder_a, responder_b, rooms):
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    bob = await rooms.join(responder_b, incident_with_two_orgs)
    client_id = str(uuid.uuid4())
    await send(alice, "once", client_id)
    await send(alice, "once", client_id)
    frames = [await receive(alice) for _ in range(3)]
    acks = [f for f in frames if f["type"] == "ack"]
    assert acks == [{"type": "ack", "client_id": client_id, "seq": 2}] * 2
    assert [f["seq"] for f in frames if f["type"] == "item"] == [2]
    assert (await receive(bob))["seq"] == 2
    assert await bob.receive_nothing()
    assert await RoomItem.objects.filter(client_id=client_id).acount() == 1
    await alice.disconnect()
    await bob.disconnect()


async def test_after_replays_then_goes_live(incident_with_two_orgs, responder_a, responder_b, rooms):
    for n in range(3):
        await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body=f"old {n}")
    late = await rooms.join(responder_a, incident_with_two_orgs, "?after=2")
    replayed = [await receive(late) for _ in range(2)]
    assert [f["seq"] for f in replayed] == [3, 4]
    assert [f["body"] for f in replayed] == ["old 1", "old 2"]
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="new")
    live = await receive(late)
    assert (live["seq"], live["body"]) == (5, "new")
    assert await late.receive_nothing()
    await late.disconnect()


async def test_after_beyond_the_end_still_gets_new_items(incident_with_two_orgs, responder_a, responder_b, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs, "?after=999")
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="next")
    assert (await receive(client))["seq"] == 2
    await client.disconnect()


async def test_connections_resuming_together_each_replay_what_they_missed_once(
    incident_with_two_orgs, responder_a, responder_b, rooms
):
    # A room after a restart: its connections resume at once, from the same and other seqs, and
    # share the reads of the room's last seq and of the missed items (replay.resumes).
    for n in range(3):
        await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body=f"old {n}")
    queries = ["?after=2", "?after=2", "?after=3", "?after=99"]
    users = [responder_a, responder_b, responder_a, responder_b]
    clients = await asyncio.gather(
        *(rooms.join(u, incident_with_two_orgs, q) for u, q in zip(users, queries, strict=True))
    )
    for client, expected in zip(clients, [[3, 4], [3, 4], [4], []], strict=True):
        assert [(await receive(client))["seq"] for _ in expected] == expected
    live = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="new")
    for client in clients:
        assert (await receive(client))["seq"] == live.seq
        await client.disconnect()


async def test_a_bad_after_gets_an_error_and_stays_live(incident_with_two_orgs, responder_a, responder_b, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs, "?after=minus-one")
    assert (await receive(client))["code"] == "bad_after"
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="next")
    assert (await receive(client))["seq"] == 2
    await client.disconnect()


async def test_without_after_only_new_items_arrive(incident_with_two_orgs, responder_a, responder_b, rooms):
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="before")
    client = await rooms.join(responder_a, incident_with_two_orgs)
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="after")
    assert (await receive(client))["body"] == "after"
    await client.disconnect()


async def test_a_gap_is_filled_from_the_database_and_repeats_dropped(
    incident_with_two_orgs, responder_a, responder_b, monkeypatch, rooms
):
    client = await rooms.join(responder_a, incident_with_two_orgs)
    # Items 2 and 3 are stored but their broadcasts are lost (another process, a dropped message).
    monkeypatch.setattr(events, "broadcast_item", lambda item: None)
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="lost 2")
    third = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="lost 3")
    monkeypatch.undo()
    fourth = await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="four")
    assert [(await receive(client))["seq"] for _ in range(3)] == [2, 3, 4]
    # A late duplicate broadcast of an item already sent is not sent again.
    await sync_to_async(events.broadcast_item)(third)
    await sync_to_async(events.broadcast_item)(fourth)
    assert await client.receive_nothing()
    await client.disconnect()


async def test_reconnecting_with_after_misses_nothing_and_repeats_nothing(
    incident_with_two_orgs, responder_a, responder_b, rooms
):
    client = await rooms.join(responder_a, incident_with_two_orgs, "?after=0")
    seen = [(await receive(client))["seq"]]
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="a")
    seen.append((await receive(client))["seq"])
    await client.disconnect()
    for n in range(3):  # said while the client was away
        await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body=f"away {n}")
    client = await rooms.join(responder_a, incident_with_two_orgs, f"?after={seen[-1]}")
    await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body="back")
    seen += [(await receive(client))["seq"] for _ in range(4)]
    assert seen == [1, 2, 3, 4, 5, 6]
    assert await client.receive_nothing()
    await client.disconnect()


MALFORMED = [
    ("not json", "bad_json"),
    ("[1, 2]", "bad_frame"),
    ('{"type": "shout"}', "unknown_type"),
    ('{"body": "no type"}', "unknown_type"),
    (json.dumps({"type": "message", "client_id": str(uuid.uuid4())}), "invalid"),
    ('{"type": "message", "body": "no client id"}', "invalid"),
    ('{"type": "message", "client_id": 7, "body": "x"}', "invalid"),
    (json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": ["x"]}), "invalid"),
    ('{"type": "message", "client_id": "nope", "body": "x"}', "invalid"),
    (json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": ""}), "invalid"),
    (json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": "x" * 8193}), "invalid"),
    ("x" * 20000, "too_large"),
]


async def test_malformed_frames_get_an_error_and_the_connection_stays(incident_with_two_orgs, responder_a, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs)
    for frame, code in MALFORMED:
        await client.send_to(text_data=frame)
        error = await receive(client)
        assert (error["type"], error["code"]) == ("error", code), frame[:60]
        assert error["detail"]
    client_id = await send(client, "still works")
    frames = [await receive(client), await receive(client)]
    assert {"type": "ack", "client_id": client_id, "seq": 2} in frames
    assert await RoomItem.objects.filter(incident=incident_with_two_orgs).acount() == 2
    await client.disconnect()


async def test_binary_frames_get_an_error(incident_with_two_orgs, responder_a, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs)
    await client.send_to(bytes_data=b"\x00\x01")
    assert (await receive(client))["code"] == "binary"
    await client.disconnect()


async def test_flooding_gets_error_frames_not_a_disconnect(incident_with_two_orgs, responder_a, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs)
    for n in range(services.FLOOD_LIMIT + 2):
        await send(client, f"m{n}")
    frames = [await receive(client) for _ in range(services.FLOOD_LIMIT * 2 + 2)]
    errors = [f for f in frames if f["type"] == "error"]
    assert [e["code"] for e in errors] == ["rate_limited", "rate_limited"]
    assert len([f for f in frames if f["type"] == "ack"]) == services.FLOOD_LIMIT
    assert await RoomItem.objects.filter(kind="chat").acount() == services.FLOOD_LIMIT
    await client.disconnect()


async def test_closed_incident_refuses_messages(incident_with_two_orgs, responder_a, secretariat, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs)
    await sync_to_async(services.change_status)(
        actor=secretariat, incident=incident_with_two_orgs, status=Status.CLOSED
    )
    status_item = await receive(client)
    assert status_item["kind"] == "status"
    await send(client, "too late")
    assert (await receive(client))["code"] == "invalid"
    assert not await RoomItem.objects.filter(kind="chat").aexists()
    await client.disconnect()


async def test_presence_on_join_and_leave(
    incident_with_two_orgs, responder_a, responder_b, provider_a, provider_b, rooms
):
    await sync_to_async(ResponderContact.objects.create)(user=responder_b, time_zone="Pacific/Auckland")
    alice = await rooms.join(responder_a, incident_with_two_orgs, wait_for_join=False)
    first = await alice.receive_json_from(timeout=WAIT)
    # Each with the organisation they speak for and their time zone: fields added to the
    # frame's id and name (PRODUCT.md), which a connection's own entry may have alone at first.
    ana, ben = (
        {"id": responder_a.pk, "name": responder_a.display_name, "organization": provider_a.name, "time_zone": ""},
        {
            "id": responder_b.pk,
            "name": responder_b.display_name,
            "organization": provider_b.name,
            "time_zone": "Pacific/Auckland",
        },
    )
    assert first == {"type": "presence", "users": [ana]}
    bob = await rooms.join(responder_b, incident_with_two_orgs, wait_for_join=False)
    ben_so_far = {"id": responder_b.pk, "name": responder_b.display_name}
    assert await bob.receive_json_from(timeout=WAIT) == {"type": "presence", "users": [ana, ben_so_far]}
    # Those already in hear of the change only, not the whole list again.
    assert await alice.receive_json_from(timeout=WAIT) == {"type": "presence_change", "joined": [ben], "left": []}
    await bob.disconnect()
    assert await alice.receive_json_from(timeout=WAIT) == {"type": "presence_change", "joined": [], "left": [ben]}
    assert not await RoomPresence.objects.filter(user=responder_b).aexists()
    await alice.disconnect()


async def test_a_second_connection_of_a_user_changes_nobodys_list(incident_with_two_orgs, responder_a, rooms):
    first = await rooms.join(responder_a, incident_with_two_orgs)
    second = await rooms.join(responder_a, incident_with_two_orgs, wait_for_join=False)
    ana = {"id": responder_a.pk, "name": responder_a.display_name, "organization": "Provider A", "time_zone": ""}
    assert await second.receive_json_from(timeout=WAIT) == {"type": "presence", "users": [ana]}
    await second.disconnect()
    assert await first.receive_nothing(timeout=0.5)  # ana is still in the room
    assert await RoomPresence.objects.filter(user=responder_a).acount() == 1
    await first.disconnect()


async def test_groups_and_presence_are_empty_after_disconnect(incident_with_two_orgs, responder_a, rooms):
    client = await rooms.join(responder_a, incident_with_two_orgs)
    assert len(await group_members(events.room_group(incident_with_two_orgs.pk))) == 1
    await client.disconnect()
    assert await group_members(events.room_group(incident_with_two_orgs.pk)) == set()
    assert await group_members(events.RECHECK_GROUP) == set()
    assert not await RoomPresence.objects.aexists()


async def test_removed_member_is_disconnected(incident_with_two_orgs, responder_a, secretariat, rooms):
    from portal.services import remove_member

    client = await rooms.join(responder_a, incident_with_two_orgs)
    membership = await Membership.objects.select_related("organization", "user").aget(user=responder_a)
    await sync_to_async(remove_member)(actor=secretariat, membership=membership)
    while (message := await client.receive_output(timeout=WAIT))["type"] != "websocket.close":
        pass
    assert message["code"] == 4403
    await client.disconnect()


async def test_a_recheck_reaches_only_the_named_users_connections(
    incident_with_two_orgs, responder_a, responder_b, rooms
):
    # One message to every room hub (events.RECHECK_GROUP), each passing it to its connections of
    # the named users: connections have no channel of their own.
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    bob = await rooms.join(responder_b, incident_with_two_orgs)
    assert (await alice.receive_json_from(timeout=WAIT))["type"] == "presence_change"  # bob's arrival
    await Membership.objects.filter(user=responder_a).adelete()  # no signal: nobody re-checks yet
    await sync_to_async(events.recheck_access)([responder_b.pk])
    assert await alice.receive_nothing(timeout=0.5)  # not named: not re-checked
    await sync_to_async(events.recheck_access)([responder_a.pk])
    while (message := await alice.receive_output(timeout=WAIT))["type"] != "websocket.close":
        pass
    assert message["code"] == 4403
    await send(bob, "still here")
    assert (await receive(bob))["type"] in ("ack", "item")
    await alice.disconnect()
    await bob.disconnect()


async def test_uninvited_organisation_is_disconnected(
    incident_with_two_orgs, responder_a, responder_b, provider_a, secretariat, rooms
):
    alice = await rooms.join(responder_a, incident_with_two_orgs)
    bob = await rooms.join(responder_b, incident_with_two_orgs)
    await sync_to_async(services.uninvite_organization)(
        actor=secretariat, incident=incident_with_two_orgs, organization=provider_a
    )
    while (message := await alice.receive_output(timeout=WAIT))["type"] != "websocket.close":
        pass
    assert message["code"] == 4403
    assert (await receive(bob))["kind"] == "system"  # bob stays
    await send(bob, "still here")
    assert (await receive(bob))["type"] in ("ack", "item")
    await alice.disconnect()
    await bob.disconnect()


async def test_heartbeat_refreshes_presence_and_rechecks_access(incident_with_two_orgs, responder_a, settings, rooms):
    from allauth.mfa.models import Authenticator

    settings.INCIDENT_HEARTBEAT_SECONDS = 0.05
    client = await rooms.join(responder_a, incident_with_two_orgs, wait_for_join=False)
    assert (await client.receive_json_from(timeout=WAIT))["type"] == "presence"  # on join
    assert (await client.receive_json_from(timeout=WAIT))["type"] == "presence"  # heartbeat
    # Two-factor removed without any signal: the next heartbeat notices.
    await Authenticator.objects.filter(user=responder_a).adelete()
    while (message := await client.receive_output(timeout=WAIT))["type"] != "websocket.close":
        pass
    assert message["code"] == 4403
    await client.disconnect()


async def test_real_asgi_app_with_api_token_and_origin_check(incident_with_two_orgs, responder_a, rooms):
    from portal.asgi import application
    from portal.services import create_api_token

    _token, key = await sync_to_async(create_api_token)(user=responder_a, name="room")
    path = f"/ws/incidents/{incident_with_two_orgs.pk}/"
    headers = [(b"authorization", f"Token {key}".encode()), (b"origin", b"http://127.0.0.1:8000")]
    client = rooms.communicator(path, app=application, headers=headers)
    connected, _ = await client.connect(timeout=WAIT)
    assert connected
    assert (await client.receive_json_from(timeout=WAIT))["type"] == "presence"
    await client.disconnect()

    anonymous = rooms.communicator(path, app=application, headers=[(b"origin", b"http://127.0.0.1:8000")])
    await anonymous.connect(timeout=WAIT)
    assert await anonymous.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 4401}
    await anonymous.disconnect()

    foreign = rooms.communicator(path, app=application, headers=[*headers[:1], (b"origin", b"https://evil.example")])
    connected, _ = await foreign.connect(timeout=WAIT)
    assert not connected


async def test_a_message_posted_through_the_api_reaches_the_room(
    incident_with_two_orgs, responder_a, responder_b, rooms
):
    from rest_framework.test import APIClient

    client = await rooms.join(responder_a, incident_with_two_orgs)

    def post_via_api():
        api = APIClient()
        api.force_authenticate(responder_b)
        return api.post(
            f"/api/v1/incidents/{incident_with_two_orgs.pk}/items/",
            {"client_id": str(uuid.uuid4()), "body": "from a script"},
            format="json",
        )

    response = await sync_to_async(post_via_api)()
    assert response.status_code == 201
    item = await receive(client)
    assert (item["seq"], item["body"]) == (response.json()["ack"]["seq"], "from a script")
    await client.disconnect()


async def test_a_long_backlog_is_replayed_in_batches(
    incident_with_two_orgs, responder_a, responder_b, monkeypatch, rooms
):
    from incidents import replay

    monkeypatch.setattr(replay, "BACKLOG_BATCH", 2)
    for n in range(4):
        await post(incident=incident_with_two_orgs, actor=responder_b, client_id=None, body=f"m{n}")
    client = await rooms.join(responder_a, incident_with_two_orgs, "?after=0")
    assert [(await receive(client))["seq"] for _ in range(5)] == [1, 2, 3, 4, 5]
    assert await client.receive_nothing()
    await client.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_database_outage_while_joining_closes_with_try_again(
    incident_with_two_orgs, responder_a, monkeypatch, rooms
):
    from django.db import OperationalError

    from incidents import admission

    def outage(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(admission, "room_entries", outage)
    communicator = rooms.communicator(f"/ws/incidents/{incident_with_two_orgs.pk}/", user=responder_a)
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected  # accepted first, so the client sees the close code
    assert await communicator.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 1011}


@pytest.mark.django_db(transaction=True)
async def test_a_join_that_hangs_closes_with_try_again_and_so_do_those_waiting_on_its_hub(
    incident_with_two_orgs, responder_a, monkeypatch, rooms
):
    """A hub whose start never finishes (a Redis primary gone mid-failover) holds no connection
    past the join's time limit: the one that started it and the one waiting on it both close
    with "try again", and once Redis answers the room works again."""
    from incidents import consumers, fanout

    started = asyncio.Event()
    real_start = fanout.RoomHub.start

    async def hangs(hub):
        started.set()
        await asyncio.sleep(3600)

    monkeypatch.setattr(consumers, "JOIN_SECONDS", 0.5)
    monkeypatch.setattr(fanout.RoomHub, "start", hangs)
    path = f"/ws/incidents/{incident_with_two_orgs.pk}/"
    first = rooms.communicator(path, user=responder_a)
    assert (await first.connect(timeout=WAIT))[0]
    await asyncio.wait_for(started.wait(), WAIT)
    second = rooms.communicator(path + "?after=0", user=responder_a)
    assert (await second.connect(timeout=WAIT))[0]
    for communicator in (first, second):
        assert await communicator.receive_output(timeout=WAIT) == {"type": "websocket.close", "code": 1011}

    monkeypatch.setattr(fanout.RoomHub, "start", real_start)
    again = rooms.communicator(path, user=responder_a)
    assert (await again.connect(timeout=WAIT))[0]
    assert (await again.receive_json_from(timeout=WAIT))["type"] == "presence"
    await again.disconnect()
