"""The reads of the debrief's leak scan: what the incident holds that its debrief must not give
away (debrief_scan.Needles), and the scan's findings with the secretariat's confirmations. Four
queries whatever the incident's size. The caller has authorised the debrief
(permissions.access_debrief_draft, or a service's require_incident_manager)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from portal.models import Organization, User

from ..debrief_scan import Finding, Needles, scan
from ..models import Debrief, DebriefConfirmation, Incident, IncidentRecipient, Indicator, IndicatorKind, RoomItem

HEX_KINDS = (IndicatorKind.MD5, IndicatorKind.SHA1, IndicatorKind.SHA256, IndicatorKind.PDQ, IndicatorKind.VPDQ,
             IndicatorKind.TMK)  # fmt: skip


@dataclass(frozen=True)
class ReviewedFinding:
    finding: Finding
    confirmed_at: datetime | None = None
    confirmed_by: str = ""

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


def leak_needles(incident: Incident) -> Needles:
    """The incident's URLs and hashes; the names and emails of its people (members of the invited
    organisations, authors in the room, named individuals, its commander and declarer); the
    countries of the invited organisations for national phone formats."""
    urls, hashes = set(), set()
    for kind, value in Indicator.objects.filter(incident_id=incident.pk).values_list("kind", "value"):
        if kind == IndicatorKind.URL:
            urls.add(value)
        elif kind in HEX_KINDS:
            hashes.update(value.split(","))  # a vPDQ hash is its frames' PDQ hashes
    invited = Organization.objects.filter(incident_invitations__incident_id=incident.pk)
    people = User.objects.filter(
        Q(memberships__organization__in=invited.values("pk"))
        | Q(pk__in=RoomItem.objects.filter(incident_id=incident.pk, author__isnull=False).values("author_id"))
        | Q(pk__in=IncidentRecipient.objects.filter(incident_id=incident.pk).values("user_id"))
        | Q(pk__in=[pk for pk in (incident.commander_id, incident.created_by_id) if pk])
    ).distinct()
    named = list(people.values_list("full_name", "email"))
    countries = sorted({code for code in invited.values_list("country", flat=True) if code})
    return Needles(
        urls=frozenset(urls),
        hashes=frozenset(hashes),
        names=tuple(name for name, _email in named if name),
        emails=frozenset(email.lower() for _name, email in named if email),
        regions=tuple(countries),
    )


def debrief_findings(debrief: Debrief) -> list[ReviewedFinding]:
    findings = scan(title=debrief.title, summary=debrief.summary, needles=leak_needles(debrief.incident))
    if not findings:
        return []
    confirmations = {
        row.finding: row
        for row in DebriefConfirmation.objects.filter(
            debrief_id=debrief.pk, finding__in=[f.id for f in findings]
        ).select_related("confirmed_by")
    }
    reviewed = []
    for finding in findings:
        confirmation = confirmations.get(finding.id)
        if confirmation is None:
            reviewed.append(ReviewedFinding(finding))
        else:
            by = confirmation.confirmed_by.display_name if confirmation.confirmed_by else ""
            reviewed.append(ReviewedFinding(finding, confirmation.confirmed_at, by))
    return reviewed


def unresolved_findings(debrief: Debrief) -> list[Finding]:
    return [reviewed.finding for reviewed in debrief_findings(debrief) if not reviewed.confirmed]
