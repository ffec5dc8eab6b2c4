"""Every read in the commitments app. One selector per resource decides what a user
may see; pages, the API and exports all go through it (see selectors.progress for
the visibility rule of progress updates, which attachments and annotations follow)."""

from .annotations import annotations_by_update, list_annotations_for
from .comparison import Comparison, comparable_organizations, compare
from .history import RevisionEntry, VersionEntry, commitment_history, update_history
from .pages import CommitmentPage, ImplementationRow, ScorecardPage, commitment_page, scorecard_page
from .progress import (
    Viewer,
    commitment_dashboard,
    forget_viewer,
    list_attachments_for,
    list_commitments,
    list_implementations_for,
    list_overdue_for,
    list_progress_updates_for,
    list_revisions,
    list_timeline_for,
    list_updates_awaiting_review,
    publicly_visible_updates,
    viewer_for,
    visible_updates,
)
from .reporting import (
    list_reporting_status,
    missed_cycle_count,
    not_reporting_cutoff_for,
    not_reporting_ids,
    not_reporting_supporters,
)
from .transparency import list_published_reports_for, list_transparency_reports_for
from .trends import chart_dates, community_progress_series

__all__ = [
    "CommitmentPage",
    "Comparison",
    "ImplementationRow",
    "RevisionEntry",
    "ScorecardPage",
    "VersionEntry",
    "Viewer",
    "annotations_by_update",
    "chart_dates",
    "commitment_dashboard",
    "commitment_history",
    "commitment_page",
    "community_progress_series",
    "comparable_organizations",
    "compare",
    "forget_viewer",
    "list_annotations_for",
    "list_attachments_for",
    "list_commitments",
    "list_implementations_for",
    "list_overdue_for",
    "list_progress_updates_for",
    "list_published_reports_for",
    "list_reporting_status",
    "list_revisions",
    "list_timeline_for",
    "list_transparency_reports_for",
    "list_updates_awaiting_review",
    "missed_cycle_count",
    "not_reporting_cutoff_for",
    "not_reporting_ids",
    "not_reporting_supporters",
    "publicly_visible_updates",
    "scorecard_page",
    "update_history",
    "viewer_for",
    "visible_updates",
]
