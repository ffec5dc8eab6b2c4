"""Progress updates: recorded by an organisation's reporters and admins, reviewed by the
secretariat. Never hard-deleted; every write keeps a version."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Standing
from portal.services import actor_or_none, record_audit

from .. import notifications, permissions, webhooks
from ..cache import bump_aggregate_version, bump_progress_version
from ..markdown import render_markdown
from ..models import (
    PROGRESS_BANDS,
    Implementation,
    ProgressStatus,
    ProgressUpdate,
    ProgressUpdateVersion,
    ReviewState,
    Visibility,
)
from ..uploads import check_uploads
from .attachments import files_removed_on_error, store_attachments

MAX_NARRATIVE = 20_000
MAX_LINKS = 20
MAX_LINK_LENGTH = 500
EDITABLE_STATES = (ReviewState.SUBMITTED, ReviewState.RETURNED)


def _clean_links(links) -> list[str]:
    if links is None:
        return []
    if isinstance(links, str) or not isinstance(links, Iterable):
        raise ValidationError({"evidence_links": _("Give the evidence links as a list of addresses.")})
    links = [str(link).strip() for link in links if str(link).strip()]
    if len(links) > MAX_LINKS:
        raise ValidationError({"evidence_links": _("Give at most %(n)d evidence links.") % {"n": MAX_LINKS}})
    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            if len(link) > MAX_LINK_LENGTH:
                raise ValidationError("too long")
            validate(link)
        except ValidationError:
            raise ValidationError(
                {"evidence_links": _("%(link)s is not a valid http or https address.") % {"link": link[:100]}}
            ) from None
    return list(dict.fromkeys(links))


def _clean_date(as_of) -> datetime.date:
    if isinstance(as_of, str):
        try:
            as_of = datetime.date.fromisoformat(as_of)
        except ValueError:
            raise ValidationError({"as_of": _("Enter a date as YYYY-MM-DD.")}) from None
    if isinstance(as_of, datetime.datetime) or not isinstance(as_of, datetime.date):
        raise ValidationError({"as_of": _("Enter a date as YYYY-MM-DD.")})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date cannot be in the future.")})
    return as_of


def _clean_progress_fields(*, status, progress, as_of, visibility, narrative, justification, evidence_links) -> dict:
    """Every rule for an update's content, checked together so the user sees every error at once."""
    errors = {}
    if status not in ProgressStatus.values:
        errors["status"] = _("Choose a valid status.")
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = _("Progress is a whole number from 0 to 100.")
    elif status == ProgressStatus.COMPLETE and progress != 100:
        errors["progress"] = _("A complete commitment has progress 100.")
    elif status in PROGRESS_BANDS and not PROGRESS_BANDS[status][0] <= progress <= PROGRESS_BANDS[status][1]:
        low, high = PROGRESS_BANDS[status]
        label = ProgressStatus(status).label
        errors["progress"] = (
            _("“%(status)s” means progress %(low)d.") % {"status": label, "low": low}
            if low == high
            else _("“%(status)s” means progress from %(low)d to %(high)d.")
            % {"status": label, "low": low, "high": high}
        )
    justification = str(justification or "").strip()
    if status == ProgressStatus.NOT_APPLICABLE and not justification:
        errors["justification"] = _("Explain why this commitment does not apply.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Choose who may see this update.")
    narrative = str(narrative or "").strip()
    if len(narrative) > MAX_NARRATIVE:
        errors["narrative"] = _("The narrative has at most %(n)d characters.") % {"n": MAX_NARRATIVE}
    cleaned = {}
    for field, clean, value in (("as_of", _clean_date, as_of), ("evidence_links", _clean_links, evidence_links)):
        try:
            cleaned[field] = clean(value)
        except ValidationError as exc:
            errors.update({k: v[0].messages[0] for k, v in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    return {
        **cleaned,
        "status": status,
        "progress": progress,
        "visibility": visibility,
        "narrative": narrative,
        "narrative_html": render_markdown(narrative),
        "justification": justification,
    }


def _snapshot(update: ProgressUpdate) -> dict:
    return {
        "status": update.status,
        "progress": update.progress,
        "as_of": update.as_of.isoformat(),
        "visibility": update.visibility,
        "narrative": update.narrative,
        "justification": update.justification,
        "evidence_links": list(update.evidence_links),
        "review_state": update.review_state,
        "review_comment": update.review_comment,
        "attachments": [attachment.name for attachment in update.attachments.all()],
    }


def _save_version(update: ProgressUpdate, *, actor) -> None:
    """Every write to an update passes here: cached scorecards follow it too."""
    bump_progress_version()
    number = update.versions.count() + 1
    ProgressUpdateVersion.objects.create(
        update=update, number=number, data=_snapshot(update), edited_by=actor_or_none(actor)
    )


def _require_reporter(actor, implementation: Implementation) -> None:
    if not permissions.can_report_for(actor, implementation.organization_id):
        raise PermissionDenied(_("Only this organisation's reporters and admins can report its progress."))


def record_progress(
    *,
    actor,
    implementation: Implementation,
    status: str,
    progress: int,
    as_of: datetime.date,
    visibility: str,
    narrative: str = "",
    justification: str = "",
    evidence_links: list[str] | None = None,
    attachments: list | None = None,
) -> ProgressUpdate:
    """A new update awaiting review. Only reporters and admins of the implementation's own
    organisation may record one; nothing is stored (no row, no file) if any rule fails.
    `attachments` are uploaded files, checked by their content (commitments.uploads)."""
    _require_reporter(actor, implementation)
    errors = {}
    cleaned, files = {}, []
    try:
        cleaned = _clean_progress_fields(
            status=status,
            progress=progress,
            as_of=as_of,
            visibility=visibility,
            narrative=narrative,
            justification=justification,
            evidence_links=evidence_links,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        files = check_uploads(attachments)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with files_removed_on_error() as written, transaction.atomic():
        implementation = Implementation.objects.select_related("organization", "commitment__current_revision").get(
            pk=implementation.pk
        )
        commitment = implementation.commitment
        if not commitment.is_active:
            raise ValidationError(_("This commitment has been retired; it takes no new progress."))
        if implementation.organization.standing != Standing.SUPPORTER:
            raise ValidationError(_("Only a current supporter reports progress."))
        update = ProgressUpdate.objects.create(
            implementation=implementation,
            commitment_revision=commitment.current_revision,
            author=actor_or_none(actor),
            **cleaned,
        )
        store_attachments(update=update, files=files, actor=actor, written=written)
        _save_version(update, actor=actor)
        record_audit(
            actor=actor,
            action="progress.recorded",
            organization=implementation.organization,
            target=commitment.code,
            update=update.pk,
            status=update.status,
        )
        webhooks.announce_progress(update_id=update.pk)
    return update


def edit_progress(*, actor, update: ProgressUpdate, attachments: list | None = None, **fields) -> ProgressUpdate:
    """Change an update not yet accepted; it goes back to awaiting review. An accepted
    update is a matter of record: report again instead. `attachments` are added to those
    already there (files are evidence: none is removed)."""
    allowed = {"status", "progress", "as_of", "visibility", "narrative", "justification", "evidence_links"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_reporter(actor, update.implementation)
    files = check_uploads(attachments)
    with files_removed_on_error() as written, transaction.atomic():
        locked = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
        if locked.review_state not in EDITABLE_STATES:
            raise ValidationError(_("Only an update awaiting review or sent back can be edited."))
        current = {name: getattr(locked, name) for name in allowed}
        cleaned = _clean_progress_fields(**{**current, **fields})
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.review_state = ReviewState.SUBMITTED
        locked.updated_at = timezone.now()
        locked.save()
        store_attachments(update=locked, files=files, actor=actor, written=written)
        _save_version(locked, actor=actor)
        record_audit(
            actor=actor,
            action="progress.edited",
            organization=update.implementation.organization,
            target=str(locked.pk),
            fields=sorted(fields),
        )
        webhooks.announce_progress(update_id=locked.pk)
    return locked


def withdraw_progress(*, actor, update: ProgressUpdate) -> ProgressUpdate:
    """Withdrawn, not deleted: the row and its versions stay."""
    _require_reporter(actor, update.implementation)
    with transaction.atomic():
        changed = ProgressUpdate.objects.filter(pk=update.pk, review_state__in=EDITABLE_STATES).update(
            review_state=ReviewState.WITHDRAWN, updated_at=timezone.now()
        )
        if not changed:
            raise ValidationError(_("Only an update awaiting review or sent back can be withdrawn."))
        update.refresh_from_db()
        _save_version(update, actor=actor)
        record_audit(
            actor=actor,
            action="progress.withdrawn",
            organization=update.implementation.organization,
            target=str(update.pk),
        )
        webhooks.announce_progress(update_id=update.pk)
    return update


def review_progress(*, actor, update: ProgressUpdate, decision: str, comment: str = "") -> ProgressUpdate:
    """Accept, or send back with a comment the reporter will read. Only an update awaiting
    review can be decided, once (a conditional update: a double click decides once)."""
    if not permissions.can_review_progress(actor):
        raise PermissionDenied(_("Only the secretariat reviews progress."))
    comment = str(comment or "").strip()
    if decision == "accept":
        state = ReviewState.ACCEPTED
    elif decision == "return":
        state = ReviewState.RETURNED
        if not comment:
            raise ValidationError({"comment": _("Say why the update is sent back; the reporter will read it.")})
    else:
        raise ValidationError({"decision": _("Choose accept or return.")})
    with transaction.atomic():
        # Lock the implementation first so two acceptances settle its pointers one after the other.
        Implementation.objects.select_for_update().filter(pk=update.implementation_id).first()
        changed = ProgressUpdate.objects.filter(pk=update.pk, review_state=ReviewState.SUBMITTED).update(
            review_state=state, review_comment=comment, reviewed_by=actor, reviewed_at=timezone.now()
        )
        if not changed:
            raise ValidationError(_("This update is not awaiting review."))
        update.refresh_from_db()
        _save_version(update, actor=actor)
        if state == ReviewState.ACCEPTED:
            refresh_latest_accepted(update.implementation_id)
            # Now and again after commit: a request in between must not cache the old figures as new.
            bump_aggregate_version()
            transaction.on_commit(bump_aggregate_version)
        record_audit(
            actor=actor,
            action="progress.accepted" if state == ReviewState.ACCEPTED else "progress.returned",
            organization=update.implementation.organization,
            target=str(update.pk),
            comment=comment,
        )
        webhooks.announce_progress(update_id=update.pk)
        notifications.announce_review_outcome(update_id=update.pk)
    return update


# Each audience's progress-change column, and the visibilities that audience sees.
DELTA_LEVELS = {
    "delta_public": (Visibility.PUBLIC,),
    "delta_supporters": (Visibility.PUBLIC, Visibility.SUPPORTERS),
    "delta_all": tuple(Visibility.values),
}


def refresh_latest_accepted(implementation_id: int) -> None:
    """Point the implementation at its latest accepted update as each audience may see it,
    and recompute its accepted updates' progress changes (an update dated earlier than
    others changes the next one's). Called with the implementation locked."""
    accepted = list(
        ProgressUpdate.objects.filter(implementation_id=implementation_id, review_state=ReviewState.ACCEPTED)
        .order_by("as_of", "id")
        .only("id", "progress", "visibility", *DELTA_LEVELS)
    )
    latest = {}
    changed = set()
    for column, visibilities in DELTA_LEVELS.items():
        previous = 0
        for update in accepted:
            delta = None
            if update.visibility in visibilities:
                delta, previous = update.progress - previous, update.progress
                latest[column] = update.pk
            if getattr(update, column) != delta:
                setattr(update, column, delta)
                changed.add(update)
    if changed:
        ProgressUpdate.objects.bulk_update(changed, list(DELTA_LEVELS))
    Implementation.objects.filter(pk=implementation_id).update(
        latest_accepted_id=latest.get("delta_all"),
        latest_supporters_id=latest.get("delta_supporters"),
        latest_public_id=latest.get("delta_public"),
    )
