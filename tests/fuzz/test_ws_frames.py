"""Hypothesis frames sent to the incident room: random JSON, wrong types, huge and deeply
nested values, binary frames and text that is not valid Unicode. Every one is answered
with an error frame, none escapes as an exception or stores anything, and the same
connection then gets a valid message acked."""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.consumers import MAX_FRAME_CHARS
from incidents.models import RoomItem
from incidents.services import room as incident_room
from incidents.services.room import MAX_BODY_BYTES

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

WAIT = 5  # generous for a loaded CI machine; no assertion depends on it

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
uuids = st.uuids().map(str)
lone_surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=5)


def is_storable(frame) -> bool:
    """What the room stores: a message with a UUID client_id and a non-blank body of UTF-8 text."""
    if not (isinstance(frame, dict) and frame.get("type") == "message"):
        return False
    client_id, body = frame.get("client_id"), frame.get("body")
    if not (isinstance(client_id, str) and isinstance(body, str) and body.strip()):
        return False
    try:
        uuid.UUID(client_id)
        return len(body.encode("utf-8")) <= MAX_BODY_BYTES
    except ValueError:
        return False


def message(client_id, body):
    return st.fixed_dictionaries({"type": st.just("message"), "client_id": client_id, "body": body})


refused_objects = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(["type", "client_id", "body"]), json_values, max_size=3),
    message(json_values, json_values),  # wrong types
    message(st.text(max_size=40), st.text(min_size=1, max_size=40)),  # client_id not a UUID
    message(uuids, st.text(" \t\n\r\u00a0\u2003", max_size=10)),  # a blank body
    message(uuids, st.integers(MAX_BODY_BYTES // 2 + 1, MAX_FRAME_CHARS // 2 - 50).map("é".__mul__)),  # > 8 KB
    message(uuids, lone_surrogates),  # JSON escapes of half a UTF-16 pair: not Unicode text
    message(lone_surrogates, st.just("hello")),
).filter(lambda frame: not is_storable(frame))

text_frames = st.one_of(
    refused_objects.map(json.dumps),
    st.text(max_size=200),  # mostly not JSON at all
    st.integers(MAX_FRAME_CHARS + 1, 200_000).map(  # too large a frame
        lambda n: json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": "x" * n})
    ),
    st.integers(1, MAX_FRAME_CHARS // 2).map(lambda depth: "[" * depth + "]" * depth),  # deeply nested
    st.integers(1, MAX_FRAME_CHARS // 8).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.builds(  # a valid message with raw lone surrogates in the text, as no real socket could carry
        lambda client_id, bad: f'{{"type": "message", "client_id": "{client_id}", "body": "{bad}"}}',
        uuids,
        lone_surrogates,
    ),
)
frames = st.one_of(
    text_frames.map(lambda text: {"text": text}),
    st.binary(max_size=300).map(lambda data: {"bytes": data}),  # binary, often invalid UTF-8
    st.sampled_from([b"\xff\xfe\xfd", b"\xc3\x28", b"\xed\xa0\x80", "é".encode("latin-1")]).map(
        lambda data: {"bytes": data}
    ),
)


async def receive_reply(communicator) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=WAIT)
        if frame["type"] not in ("presence", "presence_change"):
            return frame


@pytest.fixture
def no_flood_limit(monkeypatch):
    # Every example ends with one valid message from the same person: far more than the
    # flood limit allows in its window, which test_consumers.py covers on its own.
    monkeypatch.setattr(incident_room, "FLOOD_LIMIT", 10_000)


@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(frames, min_size=1, max_size=4))
async def test_bad_frames_are_refused_and_the_room_stays_usable(
    batch, incident_with_two_orgs, responder_a, no_flood_limit, rooms
):
    incident = incident_with_two_orgs
    communicator = rooms.communicator(f"/ws/incidents/{incident.pk}/", user=responder_a)
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    stored = await RoomItem.objects.filter(incident=incident).acount()
    try:
        for frame in batch:
            # The ASGI message itself: WebsocketCommunicator.send_to refuses empty frames.
            await communicator.send_input({"type": "websocket.receive", **frame})
            reply = await receive_reply(communicator)
            assert reply["type"] == "error" and reply["code"] and reply["detail"], (frame, reply)
        assert await RoomItem.objects.filter(incident=incident).acount() == stored

        client_id = str(uuid.uuid4())
        await communicator.send_json_to({"type": "message", "client_id": client_id, "body": "still here"})
        replies = [await receive_reply(communicator), await receive_reply(communicator)]  # ack and item, any order
        assert {"type": "ack", "client_id": client_id, "seq": stored + 1} in replies
        assert await RoomItem.objects.filter(incident=incident).acount() == stored + 1
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize(
    "text",
    [
        # json.loads raises RecursionError, not ValueError, this deep: the connection crashed.
        "[" * (MAX_FRAME_CHARS // 2) + "]" * (MAX_FRAME_CHARS // 2),
        # Storing the body encodes it to UTF-8, which raised UnicodeEncodeError: the connection crashed.
        json.dumps({"type": "message", "client_id": "6c9b0e1e-8b1c-4a43-9a2a-2f0b7c6d7f10", "body": "\ud800"}),
    ],
    ids=["deeply-nested", "lone-surrogate"],
)
async def test_frames_the_fuzzer_found_are_refused(incident_with_two_orgs, responder_a, text, rooms):
    path = f"/ws/incidents/{incident_with_two_orgs.pk}/"
    communicator = rooms.communicator(path, user=responder_a)
    assert (await communicator.connect(timeout=WAIT))[0]
    await communicator.send_to(text_data=text)
    assert (await receive_reply(communicator))["code"] == "bad_json"
    assert not await RoomItem.objects.filter(kind="chat").aexists()
    await communicator.disconnect()
