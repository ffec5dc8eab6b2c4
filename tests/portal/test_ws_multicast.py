"""portal.ws.multicast against channels_redis itself: what each channel receives is what one
group_send per group gives it (each channel once, over capacity dropped), and any other layer
gets group_send per group."""

import os

import pytest
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer

from portal.ws import multicast

REDIS_URL = os.environ.get("REDIS_URL")
# channels_redis itself: like the drills, deselected (and said so) by `make test` without REDIS_URL,
# and required in CI.
needs_redis = pytest.mark.reliability


def redis_layer(**config):
    return RedisChannelLayer(hosts=[REDIS_URL], prefix=f"test-multicast-{os.getpid()}", **config)


async def joined(layer, groups_of: dict[str, list[str]]) -> dict[str, str]:
    """A channel per name, added to its groups; {name: channel name}."""
    channels = {}
    for name, groups in groups_of.items():
        channels[name] = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channels[name])
    return channels


async def drained(layer, channel: str) -> list[dict]:
    import asyncio

    received = []
    while True:
        try:
            received.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
        except TimeoutError:
            return received


@needs_redis
async def test_every_channel_of_every_group_gets_the_message_once():
    layer = redis_layer()
    channels = await joined(layer, {"ana": ["u.1"], "ana-phone": ["u.1"], "ben": ["u.2", "u.3"], "cy": ["u.9"]})
    message = {"type": "notification.items", "items": {"1": [[4, "four"]], "2": [[1, "one"]]}}
    assert await multicast.group_send_many(layer, ["u.1", "u.2", "u.3", "u.empty"], message) == 0
    for name in ("ana", "ana-phone", "ben"):
        assert await drained(layer, channels[name]) == [message]  # ben is in two of the groups: once
    assert await drained(layer, channels["cy"]) == []
    await layer.flush()


@needs_redis
async def test_a_full_queue_is_counted_and_skipped_as_group_send_does():
    layer = redis_layer(capacity=1)
    channels = await joined(layer, {"ana": ["u.1"]})
    await multicast.group_send_many(layer, ["u.1"], {"type": "first"})
    assert await multicast.group_send_many(layer, ["u.1"], {"type": "second"}) == 1
    assert [m["type"] for m in await drained(layer, channels["ana"])] == ["first"]
    await layer.flush()


@needs_redis
async def test_a_process_specific_channel_gets_it_like_group_send():
    """The server's channels (specific.<process>!<local>) share one queue: the message is stored
    once there, and the layer's receive loop hands it to each of them."""
    layer = redis_layer()
    first, second = await layer.new_channel(), await layer.new_channel()
    assert "!" in first and first.split("!")[0] == second.split("!")[0]
    await layer.group_add("u.1", first)
    await layer.group_add("u.2", second)
    await multicast.group_send_many(layer, ["u.1", "u.2"], {"type": "hello"})
    assert await drained(layer, first) == [{"type": "hello"}] == await drained(layer, second)
    await layer.flush()


async def test_other_layers_get_one_group_send_a_group():
    layer = InMemoryChannelLayer()
    ana, ben = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("u.1", ana)
    await layer.group_add("u.2", ben)
    await multicast.group_send_many(layer, ["u.1", "u.2"], {"type": "hello"})
    assert await layer.receive(ana) == {"type": "hello"} == await layer.receive(ben)
