"""Django's HTTP requests on a few reused threads, a few at a time, instead of two new threads each.

Django runs each request's sync code (middleware, view) in asgiref's ThreadSensitiveContext,
which makes a single-thread executor per request and, at the end, starts one more thread to
join it: two thread starts per request, about a third of a minimal view's CPU. And every
request in flight gets its own thread, so 50 concurrent requests are 50 threads taking the GIL
from each other, each waking to find it held. Here a request takes a turn: at most
`settings.REQUEST_THREADS` requests run at once per process, on executors kept for the next
request; the rest wait in the event loop, where waiting costs nothing. A request that has run
for `settings.REQUEST_PATIENCE` seconds gives its turn up (it keeps its thread), so requests
that wait on something slow cannot hold the process up: the database pool's timeout and the
proxy's are what bound those, as without this module. Measured: docs/performance.md,
"Pages, afternoon".
"""

import asyncio
import contextlib
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


class _Threads:
    """One event loop's request threads. At most `size` requests run at once, so that they do not
    take the GIL from each other; a request that has run for `patience` seconds (waiting on a slow
    identity provider, say) stops counting, so a few slow ones cannot hold the others up."""

    def __init__(self, size: int, patience: float):
        self.turns = asyncio.Semaphore(size)
        self.size = size
        self.patience = patience
        self.idle: list[ThreadPoolExecutor] = []

    @contextlib.asynccontextmanager
    async def turn(self):
        await self.turns.acquire()
        given_up = False

        def give_up() -> None:
            nonlocal given_up
            if not given_up:
                given_up = True
                self.turns.release()

        timer = asyncio.get_running_loop().call_later(self.patience, give_up)
        executor = self.idle.pop() if self.idle else ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        try:
            yield executor
        finally:
            timer.cancel()
            give_up()
            if len(self.idle) < 2 * self.size:  # after a burst of slow requests, let the extra threads end
                self.idle.append(executor)
            else:
                executor.shutdown(wait=False)


# Per loop: a semaphore belongs to one event loop, and tests run many. When a loop is collected,
# its executors are too, and their idle threads exit.
_threads_of_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Threads]" = weakref.WeakKeyDictionary()


def _threads() -> _Threads:
    loop = asyncio.get_running_loop()
    threads = _threads_of_loop.get(loop)
    if threads is None:
        threads = _threads_of_loop[loop] = _Threads(settings.REQUEST_THREADS, settings.REQUEST_PATIENCE)
    return threads


class PooledThreadsASGIHandler(ASGIHandler):
    """Django's ASGI handler, each request on a borrowed thread (module docstring)."""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Django's own refusal
        async with _threads().turn() as executor:
            # Every thread-sensitive call of this request (middleware, view, signals) runs on it.
            context = ThreadSensitiveContext(executor=executor)
            async with context:
                await self.handle(scope, receive, send)


def get_asgi_application() -> PooledThreadsASGIHandler:
    """django.core.asgi.get_asgi_application, with the pooled handler."""
    import django

    django.setup(set_prefix=False)
    return PooledThreadsASGIHandler()
