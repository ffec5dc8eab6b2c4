"""Activation requests: a supporter's responder asks, the secretariat confirms (which
declares the incident, with the activation criteria it decided on) or declines with
a reason. Deciding is a conditional update on `pending`, so two secretariat members
deciding at once produce one decision."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.emails import language_for
from portal.models import Organization, User
from portal.notifications import deliveries
from portal.services import record_audit

from .. import inbox, permissions
from ..models import ActivationRequest, Incident, RequestStatus, Tier, Tlp
from .audit import record_incident_audit
from .lifecycle import clean_participants, declare_incident, require_incident_manager

logger = logging.getLogger(__name__)

CRITERIA = ("ongoing_violent_event", "perpetrator_produced", "livestreamed", "spreading_across_platforms")
MAX_REASON = 2000
# The email of each stage, beside the in-app notification and its Web Push (inbox.py):
# "requested" to every active secretariat member, "decided" to the requester.
EMAIL_KIND = "activation_email"
REQUESTED, DECIDED = "requested", "decided"


def request_activation(
    *,
    actor,
    organization: Organization,
    title: str,
    summary: str = "",
    is_exercise: bool = False,
    ongoing_violent_event: bool = False,
    perpetrator_produced: bool = False,
    livestreamed: bool = False,
    spreading_across_platforms: bool = False,
) -> ActivationRequest:
    if not permissions.can_request_activation(actor, organization):
        raise PermissionDenied(_("Only a supporter's responders with two-factor authentication request activation."))
    title = " ".join(str(title or "").split())
    if not title or len(title) > 200:
        raise ValidationError({"title": _("Enter a title of at most 200 characters.")})
    with transaction.atomic():
        request = ActivationRequest.objects.create(
            title=title,
            summary=str(summary or ""),
            is_exercise=bool(is_exercise),
            ongoing_violent_event=bool(ongoing_violent_event),
            perpetrator_produced=bool(perpetrator_produced),
            livestreamed=bool(livestreamed),
            spreading_across_platforms=bool(spreading_across_platforms),
            organization=organization,
            requested_by=actor,
        )
        record_audit(
            actor=actor,
            action="incident.activation_requested",
            target=title,
            activation_request=request.pk,
            requesting_organization=organization.pk,
        )
        inbox.activation_requested(request=request)
        _queue_emails(request.pk, REQUESTED)
    return request


def _decide(request: ActivationRequest, **fields) -> None:
    changed = ActivationRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(**fields)
    if not changed:
        raise ValidationError(_("This request has already been decided."))
    for name, value in fields.items():
        setattr(request, name, value)


def confirm_activation(
    *,
    actor,
    request: ActivationRequest,
    tier: int = Tier.COORDINATED,
    tlp: str = Tlp.AMBER,
    organizations=(),
    criteria: dict | None = None,
) -> Incident:
    """Declares the incident. The criteria are the secretariat's answers (defaulting to the
    requester's) and are recorded with who decided and when; the requesting organisation
    is invited, and the incident is an exercise if the request was."""
    require_incident_manager(actor)
    if not request.is_pending:
        raise ValidationError(_("This request has already been decided."))
    answers = {name: getattr(request, name) for name in CRITERIA}
    unknown = set(criteria or {}) - set(CRITERIA)
    if unknown:
        raise ValidationError({"criteria": _("Unknown criteria: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
    answers.update({name: bool(value) for name, value in (criteria or {}).items()})
    invited = {o.pk: o for o in clean_participants([request.organization, *organizations])}
    with transaction.atomic():
        incident = declare_incident(
            actor=actor,
            title=request.title,
            summary=request.summary,
            tier=tier,
            tlp=tlp,
            is_exercise=request.is_exercise,
            organizations=invited.values(),
            **answers,
        )
        _decide(
            request,
            status=RequestStatus.CONFIRMED,
            decided_by=actor,
            decided_at=incident.criteria_decided_at,
            incident=incident,
        )
        record_incident_audit(
            actor=actor, action="activation_confirmed", incident=incident, activation_request=request.pk
        )
        inbox.activation_decided(request=request)
        _queue_emails(request.pk, DECIDED)
    return incident


def decline_activation(*, actor, request: ActivationRequest, reason: str) -> None:
    require_incident_manager(actor)
    reason = str(reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Give a reason of at most %(n)d characters.") % {"n": MAX_REASON}})
    with transaction.atomic():
        _decide(
            request, status=RequestStatus.DECLINED, decided_by=actor, decided_at=timezone.now(), decline_reason=reason
        )
        record_audit(
            actor=actor,
            action="incident.activation_declined",
            target=request.title,
            activation_request=request.pk,
            reason=reason,
        )
        inbox.activation_decided(request=request)
        _queue_emails(request.pk, DECIDED)


def _queue_emails(request_id: int, stage: str) -> None:
    from .. import tasks

    # robust: a broker outage must not undo the request or the decision; the in-app
    # notification is stored with it either way.
    transaction.on_commit(
        lambda: tasks.send_activation_email_task.delay(request_id=request_id, stage=stage), robust=True
    )


def send_activation_emails(*, request_id: int, stage: str) -> int:
    """Emails a stage of an activation request, on the crisis queue: the request to every active
    secretariat member while it waits (a request decided meanwhile needs no email), the
    decision to the requester, with the reason when declined. One delivery record per
    recipient and stage, so a rerun sends nothing twice. Returns how many were sent; raises
    deliveries.TransientDeliveryError when a send may be retried."""
    request = (
        ActivationRequest.objects.select_related("organization", "requested_by", "incident")
        .filter(pk=request_id)
        .first()
    )
    if request is None or stage not in (REQUESTED, DECIDED) or (stage == REQUESTED) != request.is_pending:
        logger.info("activation request %s: nothing to email at stage %s", request_id, stage)
        return 0
    if stage == REQUESTED:
        recipients = list(User.objects.filter(is_secretariat=True, is_active=True).order_by("pk"))
    else:
        requester = request.requested_by
        recipients = [requester] if requester is not None and requester.is_active else []
    sent = 0
    for user in recipients:
        delivery = deliveries.ensure_delivery(
            key=f"{EMAIL_KIND}:{request.pk}:{stage}:{user.pk}",
            kind=EMAIL_KIND,
            recipient=user,
            to_address=user.email,
            object_id=request.pk,
            period=stage,
        )
        outcome = deliveries.deliver(delivery.pk, lambda _delivery, user=user: _activation_email(request, user, stage))
        sent += outcome == deliveries.Outcome.SENT
    return sent


def _activation_email(request: ActivationRequest, user, stage: str) -> EmailMultiAlternatives:
    context = {
        "request": request,
        "url": settings.SITE_URL.rstrip("/") + reverse("incidents:request_detail", args=[request.pk]),
    }
    with translation.override(language_for(user)):
        subject = " ".join(render_to_string(f"incidents/email/activation_{stage}_subject.txt", context).split())
        body = render_to_string(f"incidents/email/activation_{stage}_body.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
