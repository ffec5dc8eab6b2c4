"""Under ASGI every switch between the event loop and a thread costs a hop; the middleware chain
must run in one thread (portal.middleware.sync_boundary), not hop for each async-capable one."""

import pytest
from asgiref import sync
from django.test import AsyncClient

# Django's own, whatever the middleware: the request_started and request_finished signals, the
# chain's entry, the view, and one per process_view hook (CSRF, Prometheus).
HOPS_PER_REQUEST = 6


@pytest.fixture
def hops(monkeypatch):
    counted = []
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        counted.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return counted


@pytest.mark.django_db
async def test_a_request_hops_to_a_thread_only_where_django_itself_must(hops):
    client = AsyncClient()
    await client.get("/healthz")  # warm: the chain is built on the first request
    hops.clear()
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert len(hops) <= HOPS_PER_REQUEST, hops
    # None of the middleware's own hooks runs in a hop of its own, except process_view.
    assert not [name for name in hops if "Middleware" in name and "process_view" not in name], hops
