"""The incident events of the registry's audit log, shared by every incident service."""

from portal.services import record_audit


def record_incident_audit(*, actor, action: str, incident, **data) -> None:
    """Records a change in the registry's audit log (portal.AuditEvent); call it inside the
    change's transaction. No organisation: incident events are the secretariat's to read,
    whatever the incident's TLP level."""
    incident_id = incident if isinstance(incident, int) else incident.pk
    title = "" if isinstance(incident, int) else incident.title
    record_audit(
        actor=actor, action=f"incident.{action}", target=f"#{incident_id} {title}".strip(), incident=incident_id, **data
    )
