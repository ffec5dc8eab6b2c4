"""Django's HTTP requests on a few reused threads instead of two new threads each.

Django runs each request's sync code (middleware, view) in asgiref's ThreadSensitiveContext,
which makes a single-thread executor per request and, at the end, starts one more thread to
join it: two thread starts per request, about a third of a minimal view's CPU. And every
request in flight gets its own thread, so 50 concurrent requests are 50 threads taking the GIL
from each other. Here a request borrows an executor from a per-process pool of
`settings.REQUEST_THREADS` and gives it back at the end; a request that finds them all busy
waits in the event loop, where waiting costs nothing. What each measured: docs/performance.md,
"Request threads".

The limit is per process, and a slow request holds its thread (as it holds its database
connection from the pool of `DB_POOL_MAX_SIZE`): keep it at least that size. A request waits for
a thread as long as the proxy in front lets it (nginx's `proxy_read_timeout`).
"""

import asyncio
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


class _Threads:
    """One event loop's executors: at most `size` lent at a time, idle ones kept for the next request."""

    def __init__(self, size: int):
        self.slots = asyncio.Semaphore(size)
        self.idle: list[ThreadPoolExecutor] = []

    async def borrow(self) -> ThreadPoolExecutor:
        await self.slots.acquire()
        if self.idle:
            return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        self.idle.append(executor)
        self.slots.release()


# Per loop: a semaphore belongs to one event loop, and tests run many. When a loop is collected,
# its executors are too, and their idle threads exit.
_threads_of_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Threads]" = weakref.WeakKeyDictionary()


def _threads() -> _Threads:
    loop = asyncio.get_running_loop()
    threads = _threads_of_loop.get(loop)
    if threads is None:
        threads = _threads_of_loop[loop] = _Threads(settings.REQUEST_THREADS)
    return threads


class PooledThreadsASGIHandler(ASGIHandler):
    """Django's ASGI handler, each request on a borrowed thread (module docstring)."""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Django's own refusal
        threads = _threads()
        executor = await threads.borrow()
        try:
            # Every thread-sensitive call of this request (middleware, view, signals) runs on it.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            threads.give_back(executor)


def get_asgi_application() -> PooledThreadsASGIHandler:
    """django.core.asgi.get_asgi_application, with the pooled handler."""
    import django

    django.setup(set_prefix=False)
    return PooledThreadsASGIHandler()
