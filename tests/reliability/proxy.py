"""A TCP proxy that can play a database restart.

The app server reaches PostgreSQL through it. `restart_begins()` drops every proxied
connection and stops listening, so new connections are refused, as while a real
server restarts; `restart_ends()` listens again on the same port. The machine's
PostgreSQL itself is never touched: other people's tests run on it.
"""

import asyncio
import contextlib

CHUNK = 64 * 1024


class RestartingProxy:
    def __init__(self, *, listen_port: int, target_host: str, target_port: int):
        self.port = listen_port
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.Task] = set()
        self.accepted = 0  # connections proxied since the start, to show the app reconnected

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port, reuse_address=True)

    async def restart_begins(self) -> None:
        self.server.close()
        for link in list(self.links):
            link.cancel()
        await asyncio.gather(*self.links, return_exceptions=True)
        self.server = None

    async def restart_ends(self) -> None:
        await self.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.restart_begins()

    async def _link(self, client_reader, client_writer) -> None:
        task = asyncio.current_task()
        self.links.add(task)
        self.accepted += 1
        upstream_writer = None
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))
        except (OSError, asyncio.CancelledError):
            pass  # either side went away, or the restart cut the link: both ends close below
        finally:
            self.links.discard(task)
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(OSError):
            writer.write_eof()
