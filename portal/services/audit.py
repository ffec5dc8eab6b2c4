"""The audit log's one writer: every service of every app records its events here."""

from ..models import AuditEvent


def record_audit(*, actor, action: str, organization=None, target: str = "", **data) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        organization=organization,
        action=action,
        target=target[:200],
        data=data,
    )
