"""Database work for many websocket handshakes at once.

A room that reconnects after a restart is hundreds of handshakes at once; each used to take
its own trip to the thread pool and its own queries, and they queued behind each other in
the pool. A `Batched` function is called at once for the first caller; the callers that
arrive while that call runs wait for the next call, which takes all of their arguments
together. So a quiet moment waits for nothing, and a burst costs a few calls, not one each.
"""

import asyncio
import weakref

from . import pooled


class Batched:
    """Wraps `func(key, args: list) -> list` (sync, one result per argument, run on the thread
    pool): `await batched(key, arg)` is that argument's result, or the call's exception."""

    def __init__(self, func):
        self.func = pooled(func)
        # Per event loop (tests run each on its own loop), then per key: the arguments waiting.
        self._waiting: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._running: set[asyncio.Task] = set()

    async def __call__(self, key, arg):
        loop = asyncio.get_running_loop()
        waiting = self._waiting.setdefault(loop, {})
        future = loop.create_future()
        if key in waiting:
            waiting[key].append((arg, future))
        else:
            waiting[key] = [(arg, future)]
            task = asyncio.ensure_future(self._run(waiting, key))
            self._running.add(task)  # held until done: the loop keeps only a weak reference
            task.add_done_callback(self._running.discard)
        return await future

    async def _run(self, waiting: dict, key) -> None:
        try:
            while waiting.get(key):
                batch = waiting[key]
                waiting[key] = []  # callers from now on wait for the next call
                try:
                    results = await self.func(key, [arg for arg, _future in batch])
                except Exception as error:
                    for _arg, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_arg, future), result in zip(batch, results, strict=True):
                    if not future.done():  # a caller may have gone while it waited
                        future.set_result(result)
        finally:
            for _arg, future in waiting.pop(key, []):  # cancelled with callers left: so are they
                future.cancel()
