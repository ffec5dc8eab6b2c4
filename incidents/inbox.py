"""What incidents put in people's notification centres (portal.notifications.inbox).

Each function is called by the service or task that owns the event, once, and decides who
hears of it then, by the incident's audience rules (permissions.incident_audience), as the
emails do. The text names the incident by number and tier only, whatever its TLP: a
notification, like an AMBER+STRICT or RED email, carries no content of the incident.
Keys make each event once per person, whatever reruns."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from portal.models import Membership, User
from portal.notifications import inbox

from .models import ActionItem, ActivationRequest, Incident, RequestStatus
from .permissions import incident_audience


def _incident_url(incident_id: int) -> str:
    return reverse("incidents:detail", args=[incident_id])


def _involved(incident: Incident, organization_ids) -> list[int]:
    """The members of these invited organisations, and the named recipients, in the audience now."""
    members = Membership.objects.filter(organization_id__in=list(organization_ids)).values("user_id")
    named = incident.named_recipients.values("user_id")
    candidates = User.objects.filter(Q(pk__in=members) | Q(pk__in=named))
    return list(incident_audience(incident, candidates).values_list("pk", flat=True))


def incident_declared(*, incident: Incident, organization_ids, actor) -> None:
    """Declared, or an organisation invited later: its people hear that the incident involves them."""
    recipients = [pk for pk in _involved(incident, organization_ids) if pk != getattr(actor, "pk", None)]
    inbox.notify(
        recipients=recipients,
        kind="incident.declared",
        key=f"incident.declared:{incident.pk}",
        message=gettext_noop("Incident #%(number)s was declared."),
        params={"number": incident.pk},
        url=_incident_url(incident.pk),
    )


def incident_escalated(*, incident: Incident, tier: int, actor) -> None:
    organization_ids = incident.invitations.values_list("organization_id", flat=True)
    recipients = [pk for pk in _involved(incident, organization_ids) if pk != getattr(actor, "pk", None)]
    inbox.notify(
        recipients=recipients,
        kind="incident.escalated",
        key=f"incident.escalated:{incident.pk}:{tier}",
        message=gettext_noop("Incident #%(number)s was escalated to tier %(tier)s."),
        params={"number": incident.pk, "tier": tier},
        url=_incident_url(incident.pk),
    )


def alert_opened(*, incident: Incident, tier: int, recipients) -> None:
    """The responders alerted for this tier (selectors.alerts.alert_recipients, read when sending)."""
    inbox.notify(
        recipients=recipients,
        kind="alert.opened",
        key=f"alert:{incident.pk}:{tier}",
        message=gettext_noop("Incident #%(number)s needs your organisation's acknowledgement"),
        params={"number": incident.pk},
        url=_incident_url(incident.pk),
    )


def escalation_reached(*, incident: Incident, acknowledgement_id: int, recipients) -> None:
    """An organisation's unacknowledged alert escalated to its admins and the secretariat."""
    inbox.notify(
        recipients=recipients,
        kind="alert.escalated",
        key=f"alert.escalated:{acknowledgement_id}",
        message=gettext_noop("Incident #%(number)s: an acknowledgement is overdue and escalated to you."),
        params={"number": incident.pk},
        url=_incident_url(incident.pk),
    )


def chain_step_reached(*, incident: Incident, acknowledgement_id: int, step: int, user) -> None:
    """Step `step` of the organisation's escalation chain: once per step, whatever reruns."""
    inbox.notify(
        recipients=[user],
        kind="alert.chain_step",
        key=f"alert.chain_step:{acknowledgement_id}:{step}",
        message=gettext_noop("Incident #%(number)s is not acknowledged: you are step %(step)s of the chain."),
        params={"number": incident.pk, "step": step},
        url=_incident_url(incident.pk),
    )


def activation_requested(*, request: ActivationRequest) -> None:
    """The secretariat decides activation requests: every active member of it hears at once."""
    inbox.notify(
        recipients=User.objects.filter(is_secretariat=True, is_active=True).values_list("pk", flat=True),
        kind="activation.requested",
        key=f"activation.requested:{request.pk}",
        message=gettext_noop("%(organization)s requests the activation of the crisis protocol: %(title)s"),
        params={"organization": request.organization.name, "title": request.title},
        url=reverse("incidents:request_detail", args=[request.pk]),
    )


def activation_decided(*, request: ActivationRequest) -> None:
    """The requester hears the decision, with the reason when it was declined."""
    if request.status == RequestStatus.CONFIRMED:
        message = gettext_noop("Your activation request “%(title)s” was confirmed: incident #%(number)s.")
        params, url = {"title": request.title, "number": request.incident_id}, _incident_url(request.incident_id)
    else:
        message = gettext_noop("Your activation request “%(title)s” was declined: %(reason)s")
        params = {"title": request.title, "reason": request.decline_reason}
        url = reverse("incidents:request_detail", args=[request.pk])
    inbox.notify(
        recipients=[request.requested_by_id],
        kind="activation.decided",
        key=f"activation.decided:{request.pk}",
        message=message,
        params=params,
        url=url,
    )


def action_assigned(*, action: ActionItem, actor) -> None:
    """The assigned organisation's people who are in the incident's audience."""
    members = Membership.objects.filter(organization_id=action.assigned_organization_id).values("user_id")
    audience = incident_audience(action.incident, User.objects.filter(pk__in=members)).exclude(pk=actor.pk)
    inbox.notify(
        recipients=audience.values_list("pk", flat=True),
        kind="action.assigned",
        key=f"action.assigned:{action.pk}",
        message=gettext_noop("Incident #%(number)s: an action was assigned to your organisation."),
        params={"number": action.incident_id},
        url=_incident_url(action.incident_id),
    )
