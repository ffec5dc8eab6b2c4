"""Who may do what with commitments and progress.

`access_*` helpers answer Http404 for what the user may not see (the same answer as
for what does not exist) and PermissionDenied for what they may see but not change.
What is visible is decided by the one selector per resource in selectors.py."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from portal.models import PARTICIPATING_STANDINGS, Membership, Organization, OrganizationKind, Role
from portal.permissions import check_secretariat_two_factor, holds_role_in, is_secretariat, roles_in

from . import selectors
from .models import Annotation, Commitment, Implementation, ProgressAttachment, ProgressUpdate, TransparencyReport

REPORTING_ROLES = (Role.ADMIN, Role.REPORTER)


def can_edit_catalogue(user) -> bool:
    return is_secretariat(user)


def can_review_progress(user) -> bool:
    return is_secretariat(user)


def check_review_two_factor(request) -> None:
    """The API's review action follows the secretariat pages' rule (portal.decorators): the
    secretariat must have a second factor set up and this request's credential must have passed it
    (portal.second_factor; a session that skipped it never gets here as this user). Others are
    refused by the review service."""
    user = request.user
    if not is_secretariat(user):
        return
    check_secretariat_two_factor(
        user, _("Reviewing progress requires two-factor authentication. Set up an authenticator app or a security key.")
    )


def can_report_for(user, organization) -> bool:
    """Reporters and admins write their own organisation's progress, never another's."""
    return holds_role_in(user, organization, *REPORTING_ROLES)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_commitment(user, commitment_id, *, for_write: bool = False) -> Commitment:
    commitment = _get(selectors.list_commitments(include_retired=True), commitment_id)
    if for_write and not can_edit_catalogue(user):
        raise PermissionDenied
    return commitment


def access_implementation(
    user, implementation_id, *, for_write: bool = False, with_reporting: bool = False
) -> Implementation:
    """for_write: the user may record progress on it. with_reporting: as the selector's."""
    implementation = _get(selectors.list_implementations_for(user, with_reporting=with_reporting), implementation_id)
    if for_write and not can_report_for(user, implementation.organization_id):
        raise PermissionDenied
    return implementation


def access_progress_update(user, update_id, *, for_write: bool = False) -> ProgressUpdate:
    """for_write: the user may edit or withdraw it (its organisation's reporters and admins)."""
    update = _get(selectors.list_progress_updates_for(user), update_id)
    if for_write and not can_report_for(user, update.implementation.organization_id):
        raise PermissionDenied
    return update


def access_update_history(user, update_id) -> ProgressUpdate:
    """An update's edits, drafts and review comments included: its organisation's members and the
    secretariat. 404 for an update the user may not see at all, 403 for one they may only read."""
    update = access_progress_update(user, update_id)
    if not can_see_update_history(user, update):
        raise PermissionDenied
    return update


def can_see_update_history(user, update: ProgressUpdate) -> bool:
    return is_secretariat(user) or roles_in(user, update.implementation.organization_id) is not None


def access_attachment(user, attachment_id) -> ProgressAttachment:
    """Whoever may see the update may download its files; nobody else learns they exist."""
    return _get(selectors.list_attachments_for(user), attachment_id)


# --- Annotations -------------------------------------------------------------------

ANNOTATING_STANDINGS = PARTICIPATING_STANDINGS


def annotating_organization(user) -> Organization | None:
    """The civil-society supporter or endorser the user may annotate for (the first, by
    name, when they belong to several), or None."""
    if not (user and user.is_authenticated):
        return None
    membership = (
        Membership.objects.filter(
            user=user,
            organization__kind=OrganizationKind.CIVIL_SOCIETY,
            organization__standing__in=ANNOTATING_STANDINGS,
        )
        .select_related("organization")
        .order_by("organization__name")
        .first()
    )
    return membership.organization if membership else None


def can_annotate(user) -> bool:
    return annotating_organization(user) is not None


def can_moderate_annotations(user) -> bool:
    return is_secretariat(user)


def access_annotation(user, annotation_id, *, for_write: bool = False) -> Annotation:
    """for_write: the user may hide or restore it (the secretariat)."""
    annotation = _get(selectors.list_annotations_for(user), annotation_id)
    if for_write and not can_moderate_annotations(user):
        raise PermissionDenied
    return annotation


# --- Transparency reports -----------------------------------------------------------


def access_transparency_report(user, report_id, *, for_write: bool = False) -> TransparencyReport:
    """for_write: the user reports for its organisation (reporters and admins)."""
    report = _get(selectors.list_transparency_reports_for(user), report_id)
    if for_write and not can_report_for(user, report.organization_id):
        raise PermissionDenied
    return report
