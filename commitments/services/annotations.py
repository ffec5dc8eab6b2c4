"""Civil society annotations beside supporters' public self-reports, and their moderation."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.services import record_audit

from .. import permissions
from ..cache import bump_progress_version
from ..markdown import render_markdown
from ..models import Annotation, ProgressUpdate
from ..selectors import publicly_visible_updates

MAX_ANNOTATION = 5000
MAX_REASON = 2000


def annotate_progress(*, actor, update: ProgressUpdate, body: str) -> Annotation:
    """Members of a civil-society supporter or endorser annotate an update the public may
    see, in their organisation's name; never their own organisation's update."""
    organization = permissions.annotating_organization(actor)
    if organization is None:
        raise PermissionDenied(_("Only members of a civil-society supporter or endorser can annotate progress."))
    body = str(body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the annotation.")})
    if len(body) > MAX_ANNOTATION:
        raise ValidationError({"body": _("An annotation has at most %(n)d characters.") % {"n": MAX_ANNOTATION}})
    if not ProgressUpdate.objects.filter(publicly_visible_updates(), pk=update.pk).exists():
        raise ValidationError({"update": _("Only a public, accepted progress update can be annotated.")})
    if update.implementation.organization_id == organization.pk:
        raise ValidationError({"update": _("An organisation does not annotate its own progress.")})
    with transaction.atomic():
        bump_progress_version()
        annotation = Annotation.objects.create(
            update=update, organization=organization, author=actor, body=body, body_html=render_markdown(body)
        )
        record_audit(
            actor=actor,
            action="annotation.created",
            organization=organization,
            target=str(annotation.pk),
            update=update.pk,
        )
    return annotation


def moderate_annotation(*, actor, annotation: Annotation, hidden: bool, reason: str) -> Annotation:
    """Hide or restore, with a reason the annotating organisation can read. A repeated
    request (a double click) is refused rather than applied twice."""
    if not permissions.can_moderate_annotations(actor):
        raise PermissionDenied(_("Only the secretariat moderates annotations."))
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the annotating organisation will read it.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("A reason has at most %(n)d characters.") % {"n": MAX_REASON}})
    with transaction.atomic():
        bump_progress_version()
        changed = Annotation.objects.filter(pk=annotation.pk, is_hidden=not hidden).update(
            is_hidden=hidden, moderation_reason=reason, moderated_by=actor, moderated_at=timezone.now()
        )
        if not changed:
            raise ValidationError(
                _("This annotation is already hidden.") if hidden else _("This annotation is not hidden.")
            )
        record_audit(
            actor=actor,
            action="annotation.hidden" if hidden else "annotation.restored",
            organization=annotation.organization,
            target=str(annotation.pk),
            reason=reason,
        )
    annotation.refresh_from_db()
    return annotation
