"""Which Celery queue each task goes to (docs/operations.md, "Queues"). Crisis work has
workers of its own, so an alert never waits behind a weekly run of digests.

Every task is named here: tests/portal/test_queues.py fails on a registered task in neither
tuple, so a new task cannot land on the bulk queue by default. Plain data, no Django:
portal/settings.py imports it."""

CRISIS_QUEUE = "crisis"
BULK_QUEUE = "bulk"

CRISIS_TASKS = (
    "incidents.send_alerts",
    "incidents.send_escalation",
    "incidents.send_chain_step",
    # Activation requests wait for the secretariat, decisions for the requester: minutes count.
    "incidents.send_activation_email",
    # Beat's sweeps that queue escalations and lost alerts: behind digests they would run late.
    "incidents.escalate_overdue_acknowledgements",
    "incidents.advance_escalation_chains",
    "incidents.requeue_lost_alerts",
    # Webhook events are incident events that on-call tools act on: as urgent as the emails.
    "portal.send_webhook",
    "portal.requeue_stale_webhooks",
    # A notification's Web Push: an alert must reach a closed tab or a phone at once.
    "portal.send_web_push",
)
BULK_TASKS = (
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
)


def task_routes(*, crisis: str, bulk: str) -> dict[str, dict[str, str]]:
    """CELERY_TASK_ROUTES for these queue names (the tests' workers use names of their own)."""
    return {
        **{name: {"queue": crisis} for name in CRISIS_TASKS},
        **{name: {"queue": bulk} for name in BULK_TASKS},
    }
