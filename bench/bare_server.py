"""The baseline: a bare broadcast server on the `websockets` library.

Every text frame a client sends goes to every connected client, as is: no
authentication, no storage, no ordering. `python bench/bare_server.py PORT`.
"""

import asyncio
import sys

import websockets

CONNECTED: set = set()


async def handler(websocket):
    CONNECTED.add(websocket)
    try:
        async for message in websocket:
            websockets.broadcast(CONNECTED, message)
    finally:
        CONNECTED.discard(websocket)


async def main(port: int) -> None:
    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        print(f"bare server on {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
