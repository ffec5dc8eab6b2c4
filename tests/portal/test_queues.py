"""Crisis work has a queue and workers of its own (docs/operations.md, "Queues"): every task
is routed by an explicit decision, and each way of starting the stack runs a crisis worker."""

import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from portal.celery import app
from portal.queues import BULK_TASKS, CRISIS_TASKS

ROOT = Path(settings.BASE_DIR)

CRISIS = {
    "incidents.send_alerts",
    "incidents.send_escalation",
    "incidents.send_chain_step",
    "incidents.send_activation_email",
    "incidents.escalate_overdue_acknowledgements",
    "incidents.advance_escalation_chains",
    "incidents.requeue_lost_alerts",
    "portal.send_webhook",
    "portal.requeue_stale_webhooks",
    "portal.send_web_push",
}
BULK = {
    "portal.send_digest",
    "portal.queue_due_digests",
    "portal.send_registry_email",
    "portal.requeue_stale_emails",
    "portal.send_contact_check",
    "portal.queue_contact_checks",
    "portal.notify_webhook_disabled",
    "portal.prune_notifications",
    "commitments.send_reporting_reminder",
    "commitments.queue_reporting_reminders",
    "commitments.send_review_outcome",
    "commitments.requeue_lost_review_outcomes",
}


def project_tasks() -> set[str]:
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start-up
    return {name for name in app.tasks if not name.startswith("celery.")}


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_has_an_explicit_queue():
    """A new task must be added to CRISIS_TASKS or BULK_TASKS (portal/queues.py): landing on the
    bulk queue by default would put it behind every digest."""
    decided = set(CRISIS_TASKS) | set(BULK_TASKS)
    assert not set(CRISIS_TASKS) & set(BULK_TASKS)
    assert project_tasks() - decided == set()
    assert project_tasks() == CRISIS | BULK  # this test's own copy is kept in step too


@pytest.mark.parametrize("name", sorted(CRISIS))
def test_crisis_tasks_go_to_the_crisis_queue(name):
    assert queue_of(name) == "crisis"


@pytest.mark.parametrize("name", sorted(BULK))
def test_bulk_tasks_stay_off_the_crisis_queue(name):
    assert queue_of(name) == "bulk"


def test_beat_schedules_only_routed_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= CRISIS | BULK


def worker_queues(argv: list[str]) -> set[str] | None:
    """The queues a `celery ... worker` command line consumes, None if it is not a worker."""
    if "worker" not in argv:
        return None
    queues = argv[argv.index("-Q") + 1] if "-Q" in argv else settings.CELERY_TASK_DEFAULT_QUEUE
    # Two processes at least: one slow send (a stalled mail server) must not hold every alert.
    concurrency = next((int(arg.split("=")[1]) for arg in argv if arg.startswith("--concurrency=")), 0)
    assert concurrency >= 2, argv
    return set(queues.split(","))


def procfile_workers() -> dict[str, set[str]]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        queues = worker_queues(shlex.split(command))
        if queues is not None:
            processes[name.strip()] = queues
    return processes


def compose_workers() -> dict[str, set[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    processes = {}
    for name, service in services.items():
        command = service.get("command")
        queues = worker_queues(command) if isinstance(command, list) else None
        if queues is not None:
            processes[name] = queues
    return processes


@pytest.mark.parametrize("workers", [procfile_workers, compose_workers], ids=["Procfile", "docker-compose"])
def test_the_stack_runs_a_crisis_worker_beside_the_bulk_worker(workers):
    """`make run-stack` runs the Procfile (honcho); docker compose its own services."""
    assert sorted(workers().values(), key=sorted) == [{"bulk"}, {"crisis"}]
