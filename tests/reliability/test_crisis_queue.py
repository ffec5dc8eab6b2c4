"""An alert is sent while the bulk queue is blocked: a crisis worker alone (no bulk worker),
a backlog of registry emails queued, an incident declared through the service. The routing
table in play is production's (portal/settings.py), with queue names of the test's own."""

import os
import sys
import time
import uuid

import pytest
import redis
from celery.app.routes import prepare as prepare_routes
from django.conf import settings
from django.db import connection

from incidents import services
from incidents.models import Tier, Tlp
from portal.celery import app as celery_app
from portal.models import Role
from portal.queues import task_routes
from portal.tasks import send_registry_email_task
from tests.browser.appserver import database_environment
from tests.helpers import processes
from tests.notifications.smtp_sink import SmtpSink
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory, UserFactory

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

BACKLOG = 200
WAIT_SECONDS = 60  # a deadline for a stuck worker, not a speed check (bench/notify.py measures it)


@pytest.fixture
def queues(monkeypatch):
    """Unique queue names, routed here as the worker routes them; removed from Redis afterwards."""
    suffix = uuid.uuid4().hex[:10]
    crisis, bulk = f"crisis-test-{suffix}", f"bulk-test-{suffix}"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Celery builds its router once from task_routes and keeps it: remember the production one
    # (put back after the test), then build one from the test's table.
    amqp = celery_app.amqp
    monkeypatch.setattr(amqp, "router", amqp.router)
    monkeypatch.setattr(amqp, "_rtable", prepare_routes(task_routes(crisis=crisis, bulk=bulk)))
    amqp.router = amqp.Router()
    yield crisis, bulk
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(crisis, bulk, *client.keys(f"*{suffix}*"))


@pytest.fixture
def crisis_worker(queues, tmp_path):
    crisis, bulk = queues
    sink = SmtpSink()
    dropped = ("EMAIL_URL", "DATABASE_URL", "SQLITE_PATH", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        database_environment(connection.settings_dict),
        DJANGO_SETTINGS_MODULE="tests.reliability.queue_worker_settings",
        TEST_CRISIS_QUEUE=crisis,
        TEST_BULK_QUEUE=bulk,
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        PYTHONUNBUFFERED="1",
    )
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", crisis, "-n", f"{crisis}@%h",
        "--concurrency=2", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    log = tmp_path / "worker.log"
    with sink:
        worker = processes.start(command, cwd=settings.BASE_DIR, env=env, log=log)
        try:
            yield sink, log
        finally:
            processes.stop(worker)


def test_an_alert_is_sent_while_the_bulk_queue_is_blocked(queues, crisis_worker):
    _crisis, bulk = queues
    sink, log = crisis_worker
    for object_id in range(BACKLOG):  # nobody consumes these: the bulk worker is not running
        send_registry_email_task.delay(kind="invitation", object_id=object_id)
    organization = OrganizationFactory(name="Provider A")
    responder = UserFactory(email="on-call@provider-a.example")
    MembershipFactory(user=responder, organization=organization, role=Role.RESPONDER)

    services.declare_incident(
        actor=SecretariatFactory(), title="Livestreamed attack", tier=Tier.FULL_PROTOCOL, tlp=Tlp.AMBER,
        organizations=[organization],
    )  # fmt: skip

    deadline = time.monotonic() + WAIT_SECONDS
    while responder.email not in sink.recipients() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sink.recipients() == [responder.email], processes.log_tail(log)
    assert redis.Redis.from_url(settings.REDIS_URL).llen(bulk) == BACKLOG
