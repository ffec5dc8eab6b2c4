"""One message to many groups, stored once per receiving process instead of once per group.

An incident declared to a thousand people is a thousand notification groups (one per user).
channels_redis' group_send, once per group, costs four Redis round trips each, and leaves a
thousand messages on the queue of the process that holds the connections, which it pops one at
a time: on a loaded two-core machine, seconds before the last user hears. Here the groups are
read in one pipeline, and their channels, taken together, get the message as one group_send
would give it to one group holding them all: once per process queue, fanned out to the
process's channels by channels_redis' own receive loop. So the message must suit every
receiver (stream.py sends each user's frames keyed by user, and each connection takes its own).

It uses channels_redis' own helpers (key names, serialisation, channel mapping, its Lua script's
capacity rule), so what a consumer receives is what group_send gives; the tests run it against
the real layer. Any other layer (in memory; several Redis shards) gets one group_send a group."""

import time

from channels_redis.core import RedisChannelLayer

# channels_redis' group_send script: each queue gets the message unless it is at capacity.
_ADD = """
local over_capacity = 0
local current_time = ARGV[#ARGV - 1]
local expiry = ARGV[#ARGV]
for i=1,#KEYS do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], current_time, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


async def group_send_many(layer, groups: list[str], message: dict) -> int:
    """Sends `message` to every channel in any of `groups`, once per channel even when it is in
    several; returns how many queues were over capacity (dropped, as group_send drops them)."""
    if type(layer) is not RedisChannelLayer or layer.ring_size != 1:
        for group in groups:
            await layer.group_send(group, message)
        return 0
    for group in groups:
        assert layer.require_valid_group_name(group), "Group name not valid"
    connection = layer.connection(0)
    now = int(time.time())
    pipe = connection.pipeline(transaction=False)
    for group in groups:
        key = layer._group_key(group)
        pipe.zremrangebyscore(key, min=0, max=now - layer.group_expiry)
        pipe.zrange(key, 0, -1)
    members = (await pipe.execute())[1::2]
    channel_names = list(dict.fromkeys(name.decode("utf8") for names in members for name in names))
    if not channel_names:
        return 0
    by_connection, payload_of, capacity_of = layer._map_channel_keys_to_connection(channel_names, message)
    keys = by_connection.get(0, [])
    pipe = connection.pipeline(transaction=False)
    for key in keys:
        pipe.zremrangebyscore(key, min=0, max=now - int(layer.expiry))
    await pipe.execute()
    args = [payload_of[key] for key in keys] + [capacity_of[key] for key in keys] + [time.time(), layer.expiry]
    return int(await connection.eval(_ADD, len(keys), *keys, *args))
