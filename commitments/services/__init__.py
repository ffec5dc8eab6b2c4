"""Every write in the commitments app. Services validate, own their transaction and
re-check permissions; views, serializers and commands are adapters."""

from .annotations import annotate_progress, moderate_annotation
from .catalogue import (
    clean_translations,
    create_commitment,
    edit_commitment,
    load_catalogue,
    reinstate_commitment,
    retire_commitment,
    revise_commitment,
    update_commitment_meta,
)
from .implementations import ensure_implementations
from .progress import edit_progress, record_progress, review_progress, withdraw_progress
from .transparency import (
    clean_metrics,
    create_transparency_report,
    publish_transparency_report,
    update_transparency_report,
)

__all__ = [
    "annotate_progress",
    "clean_metrics",
    "clean_translations",
    "create_commitment",
    "create_transparency_report",
    "edit_commitment",
    "edit_progress",
    "ensure_implementations",
    "load_catalogue",
    "moderate_annotation",
    "publish_transparency_report",
    "record_progress",
    "reinstate_commitment",
    "retire_commitment",
    "review_progress",
    "revise_commitment",
    "update_commitment_meta",
    "update_transparency_report",
    "withdraw_progress",
]
