"""What the commitment page and the scorecard show, as rows built once by a selector:
the view renders them and computes nothing. A fixed number of queries whatever the data
(tests/commitments/test_pages.py guards it)."""

from collections import Counter
from dataclasses import dataclass, field

from portal.models import Organization, Standing

from ..models import Commitment, Implementation, ProgressStatus, ProgressUpdate
from .annotations import annotations_by_update
from .progress import list_implementations_for, list_progress_updates_for, list_timeline_for


@dataclass(frozen=True)
class TimelineEntry:
    update: ProgressUpdate
    annotations: list = field(default_factory=list)


@dataclass(frozen=True)
class ImplementationRow:
    """One implementation as this viewer may see it: its current status in words, its
    latest visible update (commitment page) or its timeline (scorecard), with annotations."""

    implementation: Implementation
    current_update: ProgressUpdate | None = None
    annotations: list = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return ProgressStatus(self.implementation.current_status).label


@dataclass(frozen=True)
class CommitmentPage:
    commitment: Commitment
    rows: list[ImplementationRow]
    status_counts: dict[str, int]


@dataclass(frozen=True)
class ScorecardPage:
    organization: Organization
    rows: list[ImplementationRow]
    missed_count: int


def commitment_page(user, commitment: Commitment) -> CommitmentPage:
    """Current supporters' implementations of one commitment, each with its latest update the
    viewer may see and that update's annotations; counts by status for the bar."""
    implementations = list(
        list_implementations_for(user, commitment_id=commitment.pk, with_reporting=True).filter(
            organization__standing=Standing.SUPPORTER
        )
    )
    current_ids = [i.current_update_id for i in implementations if i.current_update_id]
    updates = {u.pk: u for u in list_progress_updates_for(user).filter(pk__in=current_ids)}
    annotations = annotations_by_update(user, current_ids)
    rows = [
        ImplementationRow(
            implementation=i,
            current_update=updates.get(i.current_update_id),
            annotations=annotations.get(i.current_update_id, []),
        )
        for i in implementations
    ]
    # The rows are already in memory: counting them is cheaper than a second aggregate query
    # that would have to repeat the per-viewer status expression.
    counts = Counter(i.current_status for i in implementations)
    return CommitmentPage(commitment=commitment, rows=rows, status_counts=dict(counts))


def scorecard_page(user, organization: Organization) -> ScorecardPage:
    """One organisation's implementations, each with its timeline of updates the viewer may see."""
    implementations = list(list_implementations_for(user, organization_id=organization.pk, with_reporting=True))
    updates = list(list_timeline_for(user, organization_id=organization.pk))
    annotations = annotations_by_update(user, [u.pk for u in updates])
    timelines: dict[int, list[TimelineEntry]] = {}
    for update in updates:
        entry = TimelineEntry(update=update, annotations=annotations.get(update.pk, []))
        timelines.setdefault(update.implementation_id, []).append(entry)
    rows = [ImplementationRow(implementation=i, timeline=timelines.get(i.pk, [])) for i in implementations]
    missed = sum(1 for i in implementations if i.missed_latest_cycle)
    return ScorecardPage(organization=organization, rows=rows, missed_count=missed)
