"""Requests run on a few reused threads (portal/request_threads.py): no new thread per request,
and no more than REQUEST_THREADS running Django code at once per process; the rest wait, unless
one has run for REQUEST_PATIENCE: then it stops counting."""

import asyncio
import threading

import pytest
from asgiref.testing import ApplicationCommunicator
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from portal.request_threads import PooledThreadsASGIHandler

WAIT = 10  # seconds: a bound on every wait, so a broken pool fails instead of hanging
seen_threads: list[str] = []
inside = threading.Semaphore(0)
let_go = threading.Event()


def thread_name(request):
    seen_threads.append(threading.current_thread().name)
    return HttpResponse("ok")


def blocking(request):
    inside.release()
    let_go.wait(WAIT)
    return HttpResponse("done")


def failing(request):
    raise RuntimeError("a view that fails")


urlpatterns = [path("thread/", thread_name), path("block/", blocking), path("fail/", failing)]


def scope(path_: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path_,
        "raw_path": path_.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }


async def start(handler, path_: str) -> ApplicationCommunicator:
    request = ApplicationCommunicator(handler, scope(path_))
    await request.send_input({"type": "http.request", "body": b""})
    return request


async def status_and_body(request: ApplicationCommunicator) -> tuple[int, bytes]:
    head = await request.receive_output(WAIT)
    body = await request.receive_output(WAIT)
    await request.wait(WAIT)
    return head["status"], body["body"]


@pytest.fixture
def handler():
    seen_threads.clear()
    let_go.clear()
    while inside.acquire(blocking=False):
        pass
    with override_settings(ROOT_URLCONF=__name__, REQUEST_THREADS=2, REQUEST_PATIENCE=WAIT):
        yield PooledThreadsASGIHandler()
    let_go.set()


@pytest.mark.django_db(transaction=True)
async def test_requests_one_after_another_reuse_one_thread(handler):
    for _ in range(3):
        assert await status_and_body(await start(handler, "/thread/")) == (200, b"ok")
    assert len(seen_threads) == 3
    assert len(set(seen_threads)) == 1, seen_threads
    assert seen_threads[0].startswith("request")
    assert seen_threads[0] != threading.current_thread().name


@pytest.mark.django_db(transaction=True)
async def test_no_more_requests_run_at_once_than_threads_and_the_rest_wait_their_turn(handler):
    requests = [await start(handler, "/block/") for _ in range(3)]
    for _ in range(2):
        assert await asyncio.to_thread(inside.acquire, True, WAIT), "two requests should be running"
    # The third waits for a thread: it has not reached the view while the two hold theirs.
    assert not await asyncio.to_thread(inside.acquire, True, 0.3)
    let_go.set()
    assert await asyncio.to_thread(inside.acquire, True, WAIT), "the third runs once a thread is free"
    for request in requests:
        assert await status_and_body(request) == (200, b"done")


@pytest.mark.django_db(transaction=True)
async def test_a_request_that_fails_gives_its_thread_back(handler):
    for _ in range(3):  # more than REQUEST_THREADS: each failure must give its thread back
        status, _body = await status_and_body(await start(handler, "/fail/"))
        assert status == 500
    assert await status_and_body(await start(handler, "/thread/")) == (200, b"ok")


@pytest.mark.django_db(transaction=True)
async def test_a_request_that_runs_past_its_patience_lets_the_next_one_in(handler):
    with override_settings(REQUEST_THREADS=1, REQUEST_PATIENCE=0.2):
        slow = await start(handler, "/block/")
        assert await asyncio.to_thread(inside.acquire, True, WAIT)
        # The slow one still holds its thread, but no longer its turn: the next runs beside it.
        assert await status_and_body(await start(handler, "/thread/")) == (200, b"ok")
        assert not let_go.is_set()
        let_go.set()
        assert await status_and_body(slow) == (200, b"done")
