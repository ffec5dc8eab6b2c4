"""A worker killed mid-batch, then restarted, leaves every due user with exactly one digest.

With REDIS_URL (CI) this runs a real `celery -A portal worker` on the test database and
kills its whole process group with SIGKILL while it is stuck between claiming a digest
and sending it. Without Redis there is no broker for a worker to share, so the same
batch runs eagerly and the crash is simulated at the same point; the recovery (lease
lapses, the lost task runs again) is the same code."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.celery import app as celery_app
from portal.models import Delivery
from portal.notifications.models import DeliveryStatus
from portal.tasks import queue_due_digests_task, send_digest_task
from tests.browser.appserver import database_environment
from tests.commitments.factories import member_of
from tests.helpers import processes

from . import stalling_backend
from .conftest import report

pytestmark = pytest.mark.django_db(transaction=True)

USERS = 6
STALL_AT = 3  # the worker stalls before sending its third message
TIMEOUT_SECONDS = 60


@pytest.fixture
def due_users(kestrel, streamwave, secretariat):
    report(kestrel, "OSP1", reviewer=secretariat)  # news for everyone; Kestrel's reporter is due too
    members = [member_of(streamwave) for _ in range(USERS - 1)]
    return [*members, kestrel.memberships.get().user]


def emails_per_recipient(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in folder.glob("*.log"):
        for address in re.findall(r"^To: (.+)$", path.read_text(), flags=re.MULTILINE):
            counts[address.strip()] = counts.get(address.strip(), 0) + 1
    return counts


def assert_one_digest_each(due_users, mail_folder: Path) -> None:
    sent = Delivery.objects.filter(kind="digest", status=DeliveryStatus.SENT)
    assert sorted(sent.values_list("recipient_id", flat=True)) == sorted(u.pk for u in due_users)
    assert not Delivery.objects.filter(kind="digest").exclude(status=DeliveryStatus.SENT).exists()
    assert emails_per_recipient(mail_folder) == {u.email: 1 for u in due_users}


def wait_for(condition, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")


class Worker:
    def __init__(self, *, queue: str, mail_folder: Path, log: Path, stall: bool):
        dropped = ("EMAIL_URL", "DATABASE_URL", "SQLITE_PATH", "DJANGO_ALLOW_ASYNC_UNSAFE", "TEST_STALL_AT_MESSAGE")
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env.update(
            database_environment(connection.settings_dict),
            DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
            TEST_CELERY_QUEUE=queue,
            EMAIL_FILE_PATH=str(mail_folder),
            PYTHONUNBUFFERED="1",
        )
        if stall:
            env["TEST_STALL_AT_MESSAGE"] = str(STALL_AT)
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", "--concurrency=1",
            "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        # Its own session, so the kill takes the pool's child with it, as a machine dying would
        # (hence the process-group signals below rather than processes.stop).
        self.process = processes.start(command, cwd=settings.BASE_DIR, env=env, log=log, start_new_session=True)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def queue():
    name = f"notify-test-{uuid.uuid4().hex[:10]}"
    yield name
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(name, *client.keys(f"*{name}*"))  # the queue and kombu's bindings of it


def test_a_killed_worker_restarted_sends_exactly_one_digest_per_due_user(
    due_users, queue, tmp_path, monkeypatch, settings
):
    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", not settings.REDIS_URL)
    if settings.REDIS_URL:
        run_with_a_real_worker(due_users, queue, mail_folder, tmp_path / "worker.log", monkeypatch)
    else:
        run_eagerly_with_a_simulated_crash(due_users, mail_folder, monkeypatch, settings)
    assert_one_digest_each(due_users, mail_folder)


def run_with_a_real_worker(due_users, queue, mail_folder: Path, log: Path, monkeypatch) -> None:
    workers = [Worker(queue=queue, mail_folder=mail_folder, log=log, stall=True)]
    try:
        # The beat task finds the due users and queues a digest task each, in batches of three.
        queue_due_digests_task.apply_async(queue=queue)
        marker = mail_folder / stalling_backend.STALLED_MARKER
        wait_for(marker.exists, "the worker to stall before its third message", log)
        workers[0].kill()

        stalled = Delivery.objects.get(to_address=marker.read_text())
        assert stalled.status == DeliveryStatus.QUEUED and stalled.claimed_until is not None
        assert Delivery.objects.filter(kind="digest", status=DeliveryStatus.SENT).count() == STALL_AT - 1
        marker.unlink()

        workers.append(Worker(queue=queue, mail_folder=mail_folder, log=log, stall=False))
        wait_for(
            lambda: (
                Delivery.objects.filter(kind="digest", status=DeliveryStatus.SENT).count() == len(due_users)
                and not Delivery.objects.filter(kind="digest").exclude(status=DeliveryStatus.SENT).exists()
            ),
            "every digest to be sent by the restarted worker",
            log,
        )
        time.sleep(1)  # a late duplicate (a redelivered message) would land now
        stalled.refresh_from_db()
        assert stalled.attempts == 2  # claimed by the killed worker, then sent by the restarted one
    finally:
        for worker in workers:
            worker.stop()


def run_eagerly_with_a_simulated_crash(due_users, mail_folder: Path, monkeypatch, settings) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.stalling_backend.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_folder)
    settings.DIGEST_BATCH_SIZE = 3
    monkeypatch.setenv("TEST_STALL_AT_MESSAGE", str(STALL_AT))
    monkeypatch.setenv("TEST_STALL_RAISES", "1")
    stalling_backend.reset()
    with pytest.raises(stalling_backend.SimulatedCrash):
        queue_due_digests_task.delay()  # dies between claiming the third digest and sending it
    assert Delivery.objects.filter(kind="digest", status=DeliveryStatus.SENT).count() == STALL_AT - 1

    # The restart: the crashed task comes back once its lease lapses, and the tasks still
    # in the queue run; the beat task finds the users not yet queued.
    monkeypatch.delenv("TEST_STALL_AT_MESSAGE")
    Delivery.objects.update(claimed_until=timezone.now())
    for delivery_id in Delivery.objects.filter(status=DeliveryStatus.QUEUED).values_list("pk", flat=True):
        send_digest_task.delay(delivery_id=delivery_id)
    queue_due_digests_task.delay()
    for delivery_id in Delivery.objects.values_list("pk", flat=True):  # a redelivered duplicate changes nothing
        send_digest_task.delay(delivery_id=delivery_id)
