"""History you can see: a commitment's wordings with what each changed (and which progress
updates were written against it), and a progress update's edits. Reads only; callers authorise
(commitments.permissions: access_commitment, access_update_history)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..diffs import word_diff_html
from ..models import (
    Commitment,
    CommitmentRevision,
    ProgressStatus,
    ProgressUpdate,
    ProgressUpdateVersion,
    ReviewState,
    Visibility,
)
from .progress import visible_updates

TRANSLATED = ("fr", "ar")  # checked against the English they were written from


@dataclass
class WordingDiff:
    language: str
    name: str
    title: SafeString
    description: SafeString
    changed: bool
    missing: bool = False
    # The English changed since this language's wording last did: it may say something else.
    stale: bool = False


@dataclass
class RevisionEntry:
    revision: CommitmentRevision
    from_file: bool  # written by load_catalogue (no author), not edited in the site
    wordings: list[WordingDiff]
    source_changed: bool
    updates: list = field(default_factory=list)

    @property
    def stale_languages(self) -> list[str]:
        return [w.name for w in self.wordings if w.stale]


def _english(revision: CommitmentRevision) -> tuple[str, str]:
    entry = revision.translations.get("en") or {}
    return entry.get("title", ""), entry.get("description", "")


def _wording(revision: CommitmentRevision | None, language: str) -> dict:
    return (revision.translations.get(language) or {}) if revision else {}


def commitment_history(user, commitment: Commitment) -> list[RevisionEntry]:
    """Newest first. Two queries whatever the number of revisions and updates; the updates are
    those this user may see (selectors.progress.visible_updates)."""
    revisions = list(CommitmentRevision.objects.filter(commitment=commitment).order_by("number"))
    updates = (
        ProgressUpdate.objects.filter(visible_updates(user), implementation__commitment=commitment)
        .select_related("implementation__organization")
        .only(
            "pk", "as_of", "status", "progress", "review_state", "commitment_revision_id",
            "implementation__organization__name", "implementation__organization__slug",
        )
        .order_by("-as_of", "-id")
    )  # fmt: skip
    by_revision: dict[int, list] = {}
    for update in updates:
        by_revision.setdefault(update.commitment_revision_id, []).append(update)
    names = dict(settings.LANGUAGES)
    english_when_written: dict[str, tuple[str, str]] = {}
    entries, previous = [], None
    for revision in revisions:
        wordings = []
        for language in ("en", *TRANSLATED):
            old, new = _wording(previous, language), _wording(revision, language)
            changed = previous is None or old != new
            wording = WordingDiff(
                language=language,
                name=str(names.get(language, language)),
                title=word_diff_html(old.get("title", ""), new.get("title", "")),
                description=word_diff_html(old.get("description", ""), new.get("description", "")),
                changed=changed,
                missing=not new,
            )
            if language != "en" and new:
                if changed:
                    english_when_written[language] = _english(revision)
                wording.stale = english_when_written.get(language) != _english(revision)
            wordings.append(wording)
        entries.append(
            RevisionEntry(
                revision=revision,
                from_file=revision.created_by_id is None,
                wordings=wordings,
                source_changed=previous is not None and previous.source_url != revision.source_url,
                updates=by_revision.get(revision.pk, []),
            )
        )
        previous = revision
    return entries[::-1]


@dataclass
class VersionEntry:
    version: ProgressUpdateVersion
    changes: list[tuple[str, SafeString]]  # (field name, what changed) in the order of FIELDS
    changed: list[str] = field(default_factory=list)  # the same fields' keys, for the API


def _choice_label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def update_versions(update: ProgressUpdate) -> QuerySet[ProgressUpdateVersion]:
    return update.versions.select_related("edited_by").order_by("number")


def update_history(update: ProgressUpdate) -> list[VersionEntry]:
    """Each stored version of the update (1 is the original) with what it changed, newest first."""
    labels = {
        "status": (_("Status"), lambda v: _choice_label(ProgressStatus.choices, v)),
        "progress": (_("Progress"), lambda v: f"{v}%"),
        "as_of": (_("Date"), str),
        "visibility": (_("Visibility"), lambda v: _choice_label(Visibility.choices, v)),
        "review_state": (_("Review"), lambda v: _choice_label(ReviewState.choices, v)),
        "evidence_links": (_("Evidence links"), lambda v: ", ".join(v or [])),
        "attachments": (_("Files"), lambda v: ", ".join(v or [])),
    }
    texts = {"narrative": _("Narrative"), "justification": _("Justification"), "review_comment": _("Review comment")}
    entries, previous = [], {}
    for version in update_versions(update):
        data, changes, changed = version.data, [], []
        for key, (label, say) in labels.items():
            if key in data and (not previous or previous.get(key) != data[key]):
                before = f"{escape(say(previous[key]))} → " if previous and key in previous else ""
                changes.append((label, SafeString(before + escape(say(data[key])))))
                changed.append(key)
        for key, label in texts.items():
            if data.get(key, "") != previous.get(key, "") and (previous or data.get(key)):
                changes.append((label, word_diff_html(previous.get(key, ""), data.get(key, ""))))
                changed.append(key)
        entries.append(VersionEntry(version=version, changes=changes, changed=changed))
        previous = data
    return entries[::-1]
