"""Drill: the Redis primary dies under a live room and a queue of digests; Sentinel promotes
the replica.

A private Sentinel group (tests/reliability/sentinel.py): a primary, a replica and three
sentinels. Two app servers reach it through a redis+sentinel:// REDIS_URL, a Celery worker
through REDIS_SENTINELS, so both forms of the settings carry real traffic. Two clients sit
in a room, a third keeps posting; a worker sends digests that reach the queue in small
batches. The primary gets SIGKILL mid-stream. The room must resume within 10 s of the
promotion (a message posted after it reaches every client) and end with every item once,
in order, at every client; every digest must be sent exactly once.
"""

import asyncio
import contextlib
import faulthandler
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from commitments.services import load_catalogue
from portal import settings_redis
from portal.notifications.digests import due_digest_users
from portal.notifications.models import Delivery, DeliveryStatus
from portal.queues import BULK_QUEUE
from tests.browser.appserver import database_environment
from tests.commitments.factories import member_of, supporter
from tests.helpers import processes
from tests.notifications.conftest import report
from tests.notifications.smtp_sink import SmtpSink
from tests.portal.factories import SecretariatFactory

from .checks import readyz, stored_items
from .room import RoomClient
from .sentinel import SentinelGroup
from .servers import AppServer, database_url

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

DIGEST_READERS = 20
RESUME_SECONDS = 10  # the bound, from the promotion to the room carrying new items again
WAIT_SECONDS = 40  # a deadline for a stuck step, not a speed check
DIGESTS_WAIT_SECONDS = 90  # the same for the queue's last digests, on a machine that may be busy
WRITER_PAUSE = 0.1
SWEEP_SECONDS = 5  # beat's 15 minutes, shortened (failover_worker_settings.py shortens what a sweep finds stale)
# Publishing through a failover: kombu reconnects (asking the sentinels) until this runs out.
PUBLISH_RETRY = {"max_retries": 100, "interval_start": 0.2, "interval_step": 0.2, "interval_max": 0.5}


@pytest.fixture
def digest_readers(transactional_db):
    """Members of one supporter, each due a digest about another's accepted progress."""
    load_catalogue()
    kestrel, streamwave = supporter("Kestrel Streams"), supporter("Streamwave")
    report(kestrel, "OSP1", reviewer=SecretariatFactory())
    return [member_of(streamwave) for _ in range(DIGEST_READERS)]


class Worker:
    """`celery worker` on the bulk queue, its broker found through the sentinels."""

    def __init__(self, *, group: SentinelGroup, sink: SmtpSink, log: Path):
        dropped = ("EMAIL_URL", "DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
        env = {k: v for k, v in os.environ.items() if k not in dropped and k not in settings_redis.SENTINEL_VARIABLES}
        env.update(
            **database_environment(connection.settings_dict),
            **group.env,
            DJANGO_SETTINGS_MODULE="tests.reliability.failover_worker_settings",
            EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
            PYTHONUNBUFFERED="1",
        )
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", BULK_QUEUE, "-n", "failover@%h",
            "--concurrency=2", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        self.log, self.command, self.env = log, command, env
        self.restarts = 0
        self._start()

    def _start(self) -> None:
        # Its own session, so stopping it takes the pool's children too.
        self.process = processes.start(
            self.command, cwd=settings.BASE_DIR, env=self.env, log=self.log, start_new_session=True
        )

    def supervise(self) -> None:
        """Starts the worker again if it ended, as systemd (Restart=always) or compose's restart
        policy does in production: kombu's Sentinel transport can end a worker with an
        "Unrecoverable error" when the broker connection drops while it publishes (seen here:
        'NoneType' object has no attribute 'hostname' in _connparams). Delivery records keep
        each digest once across the restart."""
        if self.process.poll() is not None:
            self.restarts += 1
            self._start()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def producer_for(url: str) -> Celery:
    """A Celery client of the group's broker, configured as settings_redis configures the portal's."""
    app = Celery("failover-drill", set_as_current=False)
    app.conf.update(
        broker_url=settings_redis.broker_url(url),
        broker_transport_options=settings_redis.broker_transport_options(url),
    )
    return app


def queue_due_digests(producer: Celery) -> None:
    """What beat does every 15 minutes: queue the due digests and any whose task was lost."""
    producer.send_task("portal.queue_due_digests", queue=BULK_QUEUE, retry=True, retry_policy=PUBLISH_RETRY)


def digest_state() -> tuple[int, int]:
    """(digests sent, digests still to come: queued, or due with no delivery record yet)."""
    digests = Delivery.objects.filter(kind="digest")
    to_come = digests.filter(status=DeliveryStatus.QUEUED).count() + due_digest_users(timezone.now()).count()
    return digests.filter(status=DeliveryStatus.SENT).count(), to_come


def assert_one_email_per_digest(sink: SmtpSink, digest_readers) -> int:
    sent = Delivery.objects.filter(kind="digest", status=DeliveryStatus.SENT)
    assert {user.pk for user in digest_readers} <= set(sent.values_list("recipient_id", flat=True))
    final = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED)
    unfinished = Delivery.objects.filter(kind="digest").exclude(status__in=final)
    assert not unfinished.exists(), list(unfinished.values("to_address", "status", "last_error"))
    recipients = sink.recipients()
    assert sorted(recipients) == sorted(sent.values_list("to_address", flat=True))  # one email per sent digest
    assert len(set(recipients)) == len(recipients)
    return len(recipients)


class Writer:
    """Posts one message after another until stopped, noting when each was begun."""

    def __init__(self, client: RoomClient):
        self.client = client
        self.posts: list[tuple[float, str, str, int | dict]] = []  # (begun, outcome, client_id, seq or error)
        self._stopping = False
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        n = 0
        while not self._stopping:
            begun = time.monotonic()
            outcome, answer, client_id = await self.client.say(f"live {n}")
            self.posts.append((begun, outcome, client_id, answer))
            n += 1
            await asyncio.sleep(WRITER_PAUSE)

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.wait_for(self._task, WAIT_SECONDS)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def check(self) -> None:
        """Raises what stopped the writer, if something did (no answer to a post in time)."""
        if self._task is not None and self._task.done() and not self._task.cancelled():
            self._task.result()

    def acked(self) -> dict[str, int]:
        return {client_id: answer for _begun, outcome, client_id, answer in self.posts if outcome == "acked"}

    def first_acked_after(self, moment: float) -> int | None:
        return next((a for begun, outcome, _c, a in self.posts if outcome == "acked" and begun >= moment), None)


class LoopWatch:
    """Prints this process's threads when its event loop has not run for LAG seconds. That is how
    the drill's one-in-five failure was found: its own room client spun without yielding."""

    LAG = 3

    def __init__(self):
        self.beat = time.monotonic()
        self.stopped = False
        self.task = asyncio.ensure_future(self._tick())
        threading.Thread(target=self._watch, daemon=True).start()

    async def _tick(self):
        while True:
            self.beat = time.monotonic()
            await asyncio.sleep(0.1)

    def _watch(self):
        dumped = False
        while not self.stopped:
            time.sleep(0.5)
            stalled = time.monotonic() - self.beat
            if stalled > self.LAG and not dumped:
                print(f"\n--- the test's event loop has not run for {stalled:.1f} s ---", file=sys.stderr, flush=True)
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
                dumped = True
            elif stalled < self.LAG and dumped:
                print("--- the test's event loop ran again ---", file=sys.stderr, flush=True)
                dumped = False

    def stop(self):
        self.stopped = True
        self.task.cancel()


async def wait_for(condition, what: str, *, seconds: float = WAIT_SECONDS, interval: float = 0.05):
    deadline = time.monotonic() + seconds
    while not (result := await condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}")
        await asyncio.sleep(interval)
    return result


async def test_rooms_and_digests_survive_a_sentinel_failover(room, digest_readers, tmp_path):
    incident, (key_a, key_b, key_writer) = room
    group = SentinelGroup(tmp_path)
    servers = [
        AppServer(database_url=database_url(connection.settings_dict), redis_url=group.url, workdir=tmp_path)
        for _ in range(2)
    ]
    producer = producer_for(group.url)
    # Every process is stopped at the end, whatever fails on the way (each callback runs).
    teardown = contextlib.ExitStack()
    sink = teardown.enter_context(SmtpSink())
    teardown.callback(group.stop)
    for server in servers:
        teardown.callback(server.stop)
    teardown.callback(producer.close)
    writer = None
    clients: list[RoomClient] = []
    watch = LoopWatch()
    teardown.callback(watch.stop)
    try:
        worker = Worker(group=group, sink=sink, log=tmp_path / "worker.log")  # it retries until the group is up
        teardown.callback(worker.stop)
        await asyncio.gather(asyncio.to_thread(group.start), *(asyncio.to_thread(s.start) for s in servers))
        one, two = servers
        status, body = await readyz(one)  # channel layer and broker reached through the sentinels
        assert status == 200, body
        alice = await RoomClient("alice", [one.ws_url], incident.pk, key_a).start()
        bob = await RoomClient("bob", [two.ws_url], incident.pk, key_b).start()
        poster = await RoomClient("writer", [two.ws_url, one.ws_url], incident.pk, key_writer).start()
        clients = [alice, bob, poster]
        readers = (alice, bob)

        # The room live: every reader has the writer's first messages.
        writer = Writer(poster)
        writer.start()
        await wait_for(lambda: _all_have(readers, writer, 3), "the room's first live messages")
        # Digests flowing: the beat task queues them five at a time, the worker sends them.
        await asyncio.to_thread(queue_due_digests, producer)
        await wait_for(lambda: _mailed(sink, 5), "the first digests to be sent", seconds=60, interval=0.02)

        killed_at = time.monotonic()
        group.kill_primary()
        sent_at_kill, to_come = await asyncio.to_thread(digest_state)
        assert to_come, "every digest was sent before the kill: the drill would prove nothing"

        await wait_for(lambda: _promoted(group), "Sentinel to promote the replica", seconds=30, interval=0.02)
        promoted_at = time.monotonic()

        # The room resumes: a message begun after the promotion reaches every reader in time.
        async def resumed():
            writer.check()
            seq = writer.first_acked_after(promoted_at)
            return seq is not None and all(reader.last_seq >= seq for reader in readers)

        await wait_for(resumed, "the room to resume after the promotion", seconds=RESUME_SECONDS, interval=0.02)
        resumed_at = time.monotonic()
        more = len(writer.acked()) + 3
        await wait_for(lambda: _all_have(readers, writer, more), "more live messages after the resumption")
        await writer.stop()

        # Every digest once: beat's sweep (here every 5 s) re-queues any task the failover lost.
        deadline = time.monotonic() + DIGESTS_WAIT_SECONDS
        next_sweep = time.monotonic() + SWEEP_SECONDS
        while (state := await asyncio.to_thread(digest_state))[1] or not state[0]:
            assert time.monotonic() < deadline, f"digests still to send after {DIGESTS_WAIT_SECONDS} s: {state}\n" + (
                processes.log_tail(worker.log)
            )
            worker.supervise()
            if time.monotonic() >= next_sweep:
                await asyncio.to_thread(queue_due_digests, producer)
                next_sweep += SWEEP_SECONDS
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # a duplicate still in the queue would be sent now

        stored = await stored_items(one, incident.pk, key_a)
        stored_seqs = [item["seq"] for item in stored]
        assert stored_seqs == list(range(1, len(stored) + 1))
        by_client_id = {item["client_id"]: item["seq"] for item in stored if item["client_id"]}
        accepted = writer.acked()
        assert {cid: by_client_id.get(cid) for cid in accepted} == accepted  # each acknowledged item stored once
        refused = [cid for _b, outcome, cid, _a in writer.posts if outcome == "refused"]
        assert not set(refused) & set(by_client_id)
        for reader in readers:
            await reader.until(lambda r=reader: r.last_seq >= stored_seqs[-1], "every stored item")
            assert reader.seqs == stored_seqs, reader.name  # each item once, in seq order
            assert reader.out_of_order == [], reader.name
            assert reader.connections >= 2, f"{reader.name} never reconnected"  # the failover closed it

        mailed = await asyncio.to_thread(assert_one_email_per_digest, sink, digest_readers)
        print(
            f"\nSentinel failover: promoted {promoted_at - killed_at:.1f} s after the kill, room resumed "
            f"{resumed_at - promoted_at:.1f} s after the promotion; {len(stored)} room items, "
            f"{mailed} digests ({sent_at_kill} sent before the kill; worker restarted {worker.restarts} times)"
        )
    except Exception:
        await _show_where_servers_wait(servers)
        raise
    finally:
        with teardown:
            if writer is not None:
                writer.cancel()
            for client in clients:
                await client.stop()


async def _show_where_servers_wait(servers: list[AppServer]) -> None:
    """On a failure, every server thread's stack, the end of each log and the database's
    sessions, in the test's output: whether, and where, a server waits."""
    for server in servers:
        server.dump_stacks()
    await asyncio.sleep(1)  # faulthandler writes from the signal handler; give it the moment
    for server in servers:
        print(f"\n--- {server.log_path.name} (stacks dumped at the failure) ---\n{server.log(size=30_000)}")
    print("\n--- the database's sessions at the failure ---\n" + await asyncio.to_thread(_database_sessions))


def _database_sessions() -> str:
    """What each session of the test database is doing, and which lock it waits for."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event, "
            "pg_blocking_pids(a.pid), now() - a.xact_start, left(a.query, 300) "
            "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
        )
        return "\n".join(repr(row) for row in cursor.fetchall())


async def _mailed(sink: SmtpSink, count: int) -> bool:
    return len(sink.recipients()) >= count


async def _all_have(readers, writer: Writer, count: int) -> bool:
    acked = list(writer.acked().values())
    return len(acked) >= count and all(reader.last_seq >= acked[count - 1] for reader in readers)


async def _promoted(group: SentinelGroup) -> bool:
    return await asyncio.to_thread(group.master_ports) == {group.replica_port}
