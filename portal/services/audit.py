"""The audit log's one writer: every service of every app records its events here."""

from ..models import AuditEvent


def actor_or_none(actor):
    """The user to store as who did something: None for a task, a command or an anonymous visitor."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def record_audit(*, actor, action: str, organization=None, target: str = "", **data) -> AuditEvent:
    actor = actor_or_none(actor)
    return AuditEvent.objects.create(
        actor=actor,
        actor_ref=actor.pk if actor else None,
        organization=organization,
        action=action,
        target=target[:200],
        data=data,
    )
