"""Activation requests: a supporter's responder asks, the secretariat confirms (which
declares the incident, with the activation criteria it decided on) or declines with
a reason. Deciding is a conditional update on `pending`, so two secretariat members
deciding at once produce one decision."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Organization
from portal.services import record_audit

from .. import inbox, permissions
from ..models import ActivationRequest, Incident, RequestStatus, Tier, Tlp
from .audit import record_incident_audit
from .lifecycle import clean_participants, declare_incident, require_incident_manager

CRITERIA = ("ongoing_violent_event", "perpetrator_produced", "livestreamed", "spreading_across_platforms")
MAX_REASON = 2000


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
