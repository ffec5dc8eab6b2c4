"""What the drills ask of a running app server over HTTP, from async tests."""

import asyncio
import json
import time
import uuid

from .servers import http

WAIT = 20  # generous: a loaded CI machine; no assertion depends on it


async def request(
    method: str, url: str, *, key: str | None = None, cookie: str | None = None, payload=None
) -> tuple[int, dict, bytes]:
    """A request in a thread, so the test's event loop (and any proxy on it) keeps running."""
    headers = {"Authorization": f"Token {key}"} if key else {}
    if cookie:
        headers["Cookie"] = cookie
    return await asyncio.to_thread(http, method, url, payload=payload, headers=headers)


async def readyz(server) -> tuple[int, dict]:
    status, _headers, body = await request("GET", server.url + "/readyz")
    return status, json.loads(body)


async def until(check, what: str):
    """Polls an async check until it returns something true; returns that."""
    deadline = time.monotonic() + WAIT
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT} s for {what}")
        await asyncio.sleep(0.1)


async def stored_items(server, incident_id: int, key: str) -> list[dict]:
    """Every item of the room, read through the API (the source of truth is the database)."""
    items: list[dict] = []
    while True:
        after = items[-1]["seq"] if items else 0
        url = f"{server.url}/api/v1/incidents/{incident_id}/items/?limit=500&after={after}"
        status, _headers, body = await request("GET", url, key=key)
        assert status == 200, body[:500]
        page = json.loads(body)
        items += page["results"]
        if not page["has_more"]:
            return items


async def post_message(server, incident_id: int, key: str, body: str) -> tuple[str, int, dict]:
    """(client_id, status, answer) of a message posted through the API."""
    client_id = str(uuid.uuid4())
    status, _headers, answer = await request(
        "POST",
        f"{server.url}/api/v1/incidents/{incident_id}/items/",
        key=key,
        payload={"client_id": client_id, "body": body},
    )
    return client_id, status, json.loads(answer) if answer.startswith(b"{") else {"raw": answer[:300]}
