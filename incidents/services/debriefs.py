"""The public debrief: the secretariat writes a redacted account of a closed incident
and publishes it at TLP:CLEAR. The debrief holds its own title and text; publishing
never exposes anything of the incident itself.

Before it is published, its text is scanned for the incident's indicators, people and phone
numbers (debrief_scan.py): each finding is removed from the text or confirmed one by one, and
publishing with one left is refused. An edit of a published debrief that brings a new finding
withdraws it until that finding is dealt with."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..debrief_scan import Finding
from ..models import Debrief, DebriefConfirmation, Incident, Indicator, PublishedIndicator, Status
from ..selectors.debrief_scan import debrief_findings, unresolved_findings
from .audit import record_incident_audit
from .lifecycle import require_incident_manager

MAX_SUMMARY = 20000
MAX_PUBLISHED_INDICATORS = 1000


def save_debrief(*, actor, incident: Incident, title: str, summary: str) -> Debrief:
    """Writes or rewrites the debrief; a published one shows the new text at once, unless the
    leak scan finds something not yet confirmed in it: then it is withdrawn (`was_withdrawn`)."""
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
        reviewed = debrief_findings(debrief)
        # Confirmations of an earlier text can never match again (their ids digest it).
        debrief.confirmations.exclude(finding__in=[r.finding.id for r in reviewed]).delete()
        debrief.was_withdrawn = False
        if debrief.is_published and any(not r.confirmed for r in reviewed):
            debrief.was_withdrawn = _withdraw(actor=actor, debrief=debrief, reason="leak_scan")
    return debrief


def _leak_scan_refusal(findings: list[Finding]) -> str:
    listed = "; ".join(f"{f.kind_label}: {f.text}" for f in findings[:5])
    return ngettext(
        "The leak scan found %(n)d thing to remove from the text or confirm before publishing: %(list)s.",
        "The leak scan found %(n)d things to remove from the text or confirm before publishing: %(list)s.",
        len(findings),
    ) % {"n": len(findings), "list": listed}


def confirm_debrief_finding(*, actor, debrief: Debrief, finding_id: str) -> bool:
    """Confirms one finding of the current text may be published; a repeat changes nothing. A
    finding that is not in the current text (it was edited since) is a ValidationError."""
    require_incident_manager(actor)
    with transaction.atomic():
        debrief = Debrief.objects.select_for_update().select_related("incident").get(pk=debrief.pk)
        finding = next((r.finding for r in debrief_findings(debrief) if r.finding.id == str(finding_id)), None)
        if finding is None:
            raise ValidationError(
                {"finding": _("The debrief's text has no such finding: it may have been edited. Scan it again.")}
            )
        _row, created = DebriefConfirmation.objects.get_or_create(
            debrief=debrief,
            finding=finding.id,
            defaults={"kind": finding.kind, "matched": finding.text, "confirmed_by": actor},
        )
        if created:
            record_incident_audit(
                actor=actor,
                action="debrief_finding_confirmed",
                incident=debrief.incident,
                debrief=debrief.pk,
                kind=finding.kind,
                matched=finding.text,
            )
    return created


def publish_debrief(*, actor, debrief: Debrief, indicator_ids: Iterable[int] = ()) -> bool:
    """Publishes once the incident is closed and the leak scan has nothing unresolved, with the
    incident's indicators chosen in `indicator_ids` (copied: PublishedIndicator); a repeat changes
    nothing, the chosen indicators included. Unknown ids are a ValidationError and change nothing."""
    require_incident_manager(actor)
    if debrief.incident.status != Status.CLOSED:
        raise ValidationError(_("Publish the debrief once the incident is closed."))
    chosen = _chosen_indicators(debrief, indicator_ids)
    now = timezone.now()
    with transaction.atomic():
        # Locked, so the text scanned is the text published.
        locked = Debrief.objects.select_for_update().select_related("incident").get(pk=debrief.pk)
        if locked.published_at is None:
            unresolved = unresolved_findings(locked)
            if unresolved:
                raise ValidationError(_leak_scan_refusal(unresolved))
        changed = Debrief.objects.filter(pk=debrief.pk, published_at__isnull=True).update(
            published_at=now, published_by=actor, is_exercise=debrief.incident.is_exercise
        )
        if changed:
            PublishedIndicator.objects.bulk_create(
                PublishedIndicator(debrief=debrief, indicator=row, kind=row.kind, value=row.value, published_at=now)
                for row in chosen
            )
            record_incident_audit(
                actor=actor,
                action="debrief_published",
                incident=debrief.incident,
                debrief=debrief.pk,
                indicators=len(chosen),
            )
    if changed:
        debrief.published_at, debrief.published_by = now, actor
        debrief.is_exercise = debrief.incident.is_exercise
    return bool(changed)


def _chosen_indicators(debrief: Debrief, indicator_ids: Iterable[int]) -> list[Indicator]:
    try:
        wanted = {int(pk) for pk in indicator_ids}
    except (TypeError, ValueError):
        raise ValidationError({"indicators": _("Choose indicators by their numbers.")}) from None
    if len(wanted) > MAX_PUBLISHED_INDICATORS:
        raise ValidationError(
            {"indicators": _("Publish at most %(n)d indicators with a debrief.") % {"n": MAX_PUBLISHED_INDICATORS}}
        )
    rows = Indicator.objects.filter(incident_id=debrief.incident_id, pk__in=wanted).only("pk", "kind", "value")
    rows = list(rows.order_by("pk"))
    if len(rows) != len(wanted):
        missing = sorted(wanted - {row.pk for row in rows})
        raise ValidationError(
            {"indicators": _("Not indicators of this incident: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    return rows


def unpublish_debrief(*, actor, debrief: Debrief) -> bool:
    require_incident_manager(actor)
    with transaction.atomic():
        return _withdraw(actor=actor, debrief=debrief)


def _withdraw(*, actor, debrief: Debrief, **data) -> bool:
    """Inside the caller's transaction."""
    changed = Debrief.objects.filter(pk=debrief.pk, published_at__isnull=False).update(
        published_at=None, published_by=None
    )
    if changed:
        PublishedIndicator.objects.filter(debrief_id=debrief.pk).delete()
        record_incident_audit(
            actor=actor, action="debrief_unpublished", incident=debrief.incident_id, debrief=debrief.pk, **data
        )
        debrief.published_at = debrief.published_by = None
    return bool(changed)
