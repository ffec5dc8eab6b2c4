"""Applications: a new organisation applies, or a user asks to join a participating one;
the secretariat (or, for a join request, the organisation's admins) approves or rejects.

An application is decided once, even when two reviewers click at once. Approval creates the
membership (admin of a new organisation, member otherwise) and sets the new organisation's
standing; each step queues its email after it commits."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import emails, permissions
from ..models import (
    PARTICIPATING_STANDINGS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Membership,
    Organization,
    Role,
    Standing,
)
from ..reasons import APPLICATION_APPROVED
from .audit import record_audit
from .organizations import change_standing, create_organization


def _require_can_apply(user):
    if not permissions.can_apply(user):
        raise PermissionDenied(_("Verify your email address before applying."))


def apply_for_organization(
    *, applicant, name: str, kind: str, country: str = "", website: str = "", description: str = "", message: str = ""
) -> Application:
    _require_can_apply(applicant)
    with transaction.atomic():
        organization = create_organization(
            actor=applicant, name=name, kind=kind, country=country, website=website, description=description
        )
        application = Application.objects.create(
            applicant=applicant, organization=organization, kind=ApplicationKind.NEW_ORGANIZATION, message=message
        )
        record_audit(
            actor=applicant, action="application.submitted", organization=organization, target=organization.name
        )
    emails.queue_registry_email(kind="application_submitted", object_id=application.pk)
    return application


def request_to_join(*, applicant, organization: Organization, message: str = "") -> Application:
    _require_can_apply(applicant)
    if not organization.is_participant:
        raise ValidationError(_("This organisation is not taking new members."))
    if Membership.objects.filter(user=applicant, organization=organization).exists():
        raise ValidationError(_("You are already a member of this organisation."))
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant, organization=organization, kind=ApplicationKind.JOIN, message=message
            )
            record_audit(
                actor=applicant,
                action="application.submitted",
                organization=organization,
                target=applicant.email,
                kind="join",
            )
    except IntegrityError:
        raise ValidationError(_("You already have a pending request for this organisation.")) from None
    emails.queue_registry_email(kind="join_requested", object_id=application.pk)
    return application


def _decide(application: Application, *, actor, status: str, reason: str) -> Application:
    if not permissions.can_review_application(actor, application):
        raise PermissionDenied
    # Conditional update: a second click, or two reviewers at once, decide once.
    changed = Application.objects.filter(pk=application.pk, status=ApplicationStatus.PENDING).update(
        status=status, decision_reason=reason, decided_by=actor, decided_at=timezone.now()
    )
    if not changed:
        raise ValidationError(_("This application has already been decided."))
    application.refresh_from_db()
    return application


def approve_application(*, actor, application: Application, standing: str = Standing.SUPPORTER) -> Application:
    if standing not in PARTICIPATING_STANDINGS:
        raise ValidationError({"standing": _("Approve as a supporter or as endorsing the goals only.")})
    with transaction.atomic():
        application = _decide(application, actor=actor, status=ApplicationStatus.APPROVED, reason="")
        organization = application.organization
        if application.kind == ApplicationKind.NEW_ORGANIZATION:
            change_standing(actor=actor, organization=organization, standing=standing, reason=APPLICATION_APPROVED)
            roles = [Role.ADMIN.value]
        else:
            roles = [Role.MEMBER.value]
        Membership.objects.get_or_create(
            user=application.applicant, organization=organization, defaults={"roles": roles}
        )
        record_audit(
            actor=actor,
            action="application.approved",
            organization=organization,
            target=application.applicant.email,
            standing=standing,
            roles=roles,
        )
        record_audit(
            actor=actor,
            action="membership.created",
            organization=organization,
            target=application.applicant.email,
            roles=roles,
        )
    emails.queue_registry_email(kind="application_decided", object_id=application.pk)
    return application


def reject_application(*, actor, application: Application, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason; the applicant will read it.")})
    with transaction.atomic():
        application = _decide(application, actor=actor, status=ApplicationStatus.REJECTED, reason=reason)
        if application.kind == ApplicationKind.NEW_ORGANIZATION:
            change_standing(
                actor=actor, organization=application.organization, standing=Standing.REJECTED, reason=reason
            )
        record_audit(
            actor=actor,
            action="application.rejected",
            organization=application.organization,
            target=application.applicant.email,
            reason=reason,
        )
    emails.queue_registry_email(kind="application_decided", object_id=application.pk)
    return application
