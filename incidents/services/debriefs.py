"""The public debrief: the secretariat writes a redacted account of a closed incident
and publishes it at TLP:CLEAR. The debrief holds its own title and text; publishing
never exposes anything of the incident itself."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Debrief, Incident, Status
from .audit import record_incident_audit
from .lifecycle import require_incident_manager

MAX_SUMMARY = 20000


def save_debrief(*, actor, incident: Incident, title: str, summary: str) -> Debrief:
    """Writes or rewrites the debrief; a published one shows the new text at once."""
    require_incident_manager(actor)
    title = " ".join(str(title or "").split())
    summary = str(summary or "").strip()
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = _("Enter a public title of at most 200 characters.")
    if not summary or len(summary) > MAX_SUMMARY:
        errors["summary"] = _("Write a public summary of at most %(n)d characters.") % {"n": MAX_SUMMARY}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        debrief, created = Debrief.objects.update_or_create(
            incident=incident,
            defaults={"title": title, "summary": summary, "written_by": actor, "updated_at": timezone.now()},
        )
        record_incident_audit(
            actor=actor, action="debrief_saved", incident=incident, debrief=debrief.pk, created=created
        )
    return debrief


def publish_debrief(*, actor, debrief: Debrief) -> bool:
    """Publishes once the incident is closed; a repeat changes nothing."""
    require_incident_manager(actor)
    if debrief.incident.status != Status.CLOSED:
        raise ValidationError(_("Publish the debrief once the incident is closed."))
    now = timezone.now()
    with transaction.atomic():
        changed = Debrief.objects.filter(pk=debrief.pk, published_at__isnull=True).update(
            published_at=now, published_by=actor, is_exercise=debrief.incident.is_exercise
        )
        if changed:
            record_incident_audit(
                actor=actor, action="debrief_published", incident=debrief.incident, debrief=debrief.pk
            )
    if changed:
        debrief.published_at, debrief.published_by = now, actor
        debrief.is_exercise = debrief.incident.is_exercise
    return bool(changed)


def unpublish_debrief(*, actor, debrief: Debrief) -> bool:
    require_incident_manager(actor)
    with transaction.atomic():
        changed = Debrief.objects.filter(pk=debrief.pk, published_at__isnull=False).update(
            published_at=None, published_by=None
        )
        if changed:
            record_incident_audit(
                actor=actor, action="debrief_unpublished", incident=debrief.incident_id, debrief=debrief.pk
            )
    if changed:
        debrief.published_at = debrief.published_by = None
    return bool(changed)
