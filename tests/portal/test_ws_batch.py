"""portal.ws.batch: the database work of handshakes that arrive together is done together."""

import asyncio
import threading

import pytest

from portal.ws.batch import Batched


async def test_callers_that_arrive_during_a_call_share_the_next():
    calls, gate = [], threading.Event()

    def double(key, args):
        calls.append((key, list(args)))
        gate.wait(timeout=5)  # the first call holds on until the others have queued
        return [arg * 2 for arg in args]

    batched = Batched(double)
    first = asyncio.ensure_future(batched("room", 1))
    await asyncio.sleep(0.05)  # the first call is under way
    others = [asyncio.ensure_future(batched("room", n)) for n in (2, 3, 4)]
    elsewhere = asyncio.ensure_future(batched("other room", 5))
    await asyncio.sleep(0.05)
    gate.set()
    assert await first == 2
    assert await asyncio.gather(*others) == [4, 6, 8]
    assert await elsewhere == 10
    assert sorted(calls) == [("other room", [5]), ("room", [1]), ("room", [2, 3, 4])]


async def test_a_failing_call_fails_its_callers_only():
    def fails_on_two(_key, args):
        if 2 in args:
            raise ValueError("bad batch")
        return args

    batched = Batched(fails_on_two)
    with pytest.raises(ValueError, match="bad batch"):
        await batched(None, 2)
    assert await batched(None, 1) == 1
