from .annotations import Annotation
from .attachments import ProgressAttachment
from .catalogue import AUDIENCE_KINDS, Audience, Commitment, CommitmentGroup, CommitmentRevision, catalogue_order
from .progress import (
    PROGRESS_BANDS,
    Implementation,
    ProgressStatus,
    ProgressUpdate,
    ProgressUpdateVersion,
    ReviewState,
    Visibility,
)
from .transparency import PERIODS_PER_YEAR, PeriodKind, ReportState, TransparencyReport, period_bounds

__all__ = [
    "AUDIENCE_KINDS",
    "PERIODS_PER_YEAR",
    "PROGRESS_BANDS",
    "Annotation",
    "Audience",
    "Commitment",
    "CommitmentGroup",
    "CommitmentRevision",
    "Implementation",
    "PeriodKind",
    "ProgressAttachment",
    "ProgressStatus",
    "ProgressUpdate",
    "ProgressUpdateVersion",
    "ReportState",
    "ReviewState",
    "TransparencyReport",
    "Visibility",
    "catalogue_order",
    "period_bounds",
]
