"""Incident alert and escalation emails: their rendering (in the recipient's language), their
links, the signed acknowledge token, and the keys of their delivery records.

At AMBER+STRICT and RED an email carries the incident's number and links that need signing
in, never its title or summary (permissions.shares_content). The signed token is the
responder's credential for acknowledging; it is re-checked each time it is used."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from portal.emails import language_for
from portal.models import Organization, User

from .models import Incident
from .permissions import acknowledging_memberships, shares_content

# The salt's value predates this module: links already sent must keep working.
ACKNOWLEDGE_SALT = "incidents.alerts.acknowledge"
ACKNOWLEDGE_MAX_AGE = 7 * 24 * 60 * 60
ALERT_KIND = "incident_alert"
ESCALATION_KIND = "incident_escalation"
CHAIN_STEP_KIND = "incident_chain_step"


# --- Delivery keys --------------------------------------------------------------------------
# One delivery record per email, keyed (portal.notifications.deliveries):
#   incident_alert:<incident>:<tier>:<user>
#   incident_escalation:<incident>:<organisation>:<tier>:<user>
#   incident_chain_step:<incident>:<organisation>:<tier>:<step>:<user>  (services.chains)
# and its period is "tier<tier>".


@dataclass(frozen=True)
class DeliveryKey:
    kind: str
    incident_id: int
    tier: int
    organization_id: int | None = None  # escalations only: the organisation that did not acknowledge
    user_id: int | None = None


def _key_parts(kind: str, incident_id, tier, organization_id) -> list:
    if kind == ESCALATION_KIND:
        return [kind, incident_id, organization_id, tier]
    if kind == ALERT_KIND:
        return [kind, incident_id, tier]
    raise ValueError(f"not an incident alert kind: {kind}")


def delivery_key(kind: str, *, incident_id: int, tier: int, organization_id: int | None = None, user_id=None) -> str:
    """The key of one recipient's email; without user_id, the prefix shared by every key of
    that round (an alert round of a tier, or one organisation's escalation at a tier)."""
    prefix = ":".join(str(part) for part in _key_parts(kind, incident_id, tier, organization_id)) + ":"
    return prefix if user_id is None else f"{prefix}{user_id}"


def delivery_key_prefix_sql(kind: str, *, incident_id: str, tier: str, organization_id: str | None = None) -> Concat:
    """delivery_key's round prefix built in SQL from these field names, to match rows against it."""
    parts = []
    for part in _key_parts(kind, incident_id, tier, organization_id)[1:]:
        parts += [Cast(part, CharField()), Value(":")]
    return Concat(Value(f"{kind}:"), *parts)


def parse_delivery_key(key: str) -> DeliveryKey | None:
    """What a key made by delivery_key stands for; None for any other string."""
    kind, *numbers = key.split(":")
    if kind not in (ALERT_KIND, ESCALATION_KIND) or not all(n.isdigit() for n in numbers):
        return None
    numbers = [int(n) for n in numbers]
    if kind == ALERT_KIND and len(numbers) == 3:
        incident_id, tier, user_id = numbers
        return DeliveryKey(kind=kind, incident_id=incident_id, tier=tier, user_id=user_id)
    if kind == ESCALATION_KIND and len(numbers) == 4:
        incident_id, organization_id, tier, user_id = numbers
        return DeliveryKey(
            kind=kind, incident_id=incident_id, tier=tier, organization_id=organization_id, user_id=user_id
        )
    return None


def chain_step_key(*, incident_id: int, organization_id: int, tier: int, step: int, user_id: int) -> str:
    """One step of an organisation's escalation chain at a tier: the step is in the key, so each
    step emails its person once, however often the sweep or a retry runs."""
    return f"{CHAIN_STEP_KIND}:{incident_id}:{organization_id}:{tier}:{step}:{user_id}"


def delivery_period(tier: int) -> str:
    return f"tier{tier}"


def delivery_period_sql(tier_field: str) -> Concat:
    return Concat(Value("tier"), Cast(tier_field, CharField()))


def tier_of_period(period: str) -> int | None:
    tier = period.removeprefix("tier")
    return int(tier) if period.startswith("tier") and tier.isdigit() else None


# --- The signed acknowledge link ------------------------------------------------------------


def _site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def acknowledge_token(*, incident_id: int, organization_id: int, user_id: int) -> str:
    return signing.dumps({"i": incident_id, "o": organization_id, "u": user_id}, salt=ACKNOWLEDGE_SALT)


def acknowledge_url(*, incident_id: int, organization_id: int, user_id: int) -> str:
    token = acknowledge_token(incident_id=incident_id, organization_id=organization_id, user_id=user_id)
    return _site_url() + reverse("incidents:acknowledge", args=[token])


@dataclass(frozen=True)
class AcknowledgeClaim:
    incident: Incident
    organization: Organization
    user: User


def read_acknowledge_token(token: str) -> AcknowledgeClaim | None:
    """What a signed link stands for, checked now, each time it is used: None when it is
    tampered or expired, or its responder may no longer acknowledge for that organisation
    (can_acknowledge_for: no longer active, a responder, invited, or in the incident's
    audience, after a TLP raise say). None says nothing about the incident."""
    try:
        data = signing.loads(token, salt=ACKNOWLEDGE_SALT, max_age=ACKNOWLEDGE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("i", "o", "u")):
        return None
    incident = Incident.objects.filter(pk=data["i"]).first()
    if incident is None:
        return None
    membership = (
        acknowledging_memberships(incident=incident, user_id=data["u"])
        .filter(organization_id=data["o"])
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        return None
    return AcknowledgeClaim(incident=incident, organization=membership.organization, user=membership.user)


# --- Rendering ------------------------------------------------------------------------------


def _render(*, template: str, context: dict, to: str, language: str) -> EmailMultiAlternatives:
    context = {**context, "site_url": _site_url()}
    with translation.override(language):
        subject = " ".join(render_to_string(f"incidents/email/{template}_subject.txt", context).split())
        body = render_to_string(f"incidents/email/{template}_body.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def _incident_link(incident: Incident) -> str:
    """The incident page; where the email withholds the content, through the sign-in page,
    since the incident page answers a visitor who is not signed in as if it did not exist."""
    next_path = reverse("incidents:detail", args=[incident.pk])
    if shares_content(incident):
        return _site_url() + next_path
    return _site_url() + reverse("account_login") + "?" + urlencode({REDIRECT_FIELD_NAME: next_path})


def _context(*, incident: Incident, tier: int, organization: Organization, window: int) -> dict:
    return {
        "incident": incident,
        "withheld": not shares_content(incident),
        "tier": tier,
        "organization": organization,
        "window": window,
        "incident_url": _incident_link(incident),
    }


def render_alert(
    *, incident: Incident, tier: int, organization: Organization, user: User, window: int
) -> EmailMultiAlternatives:
    """The alert to one responder, who acknowledges for `organization` within `window` minutes."""
    context = _context(incident=incident, tier=tier, organization=organization, window=window)
    context["acknowledge_url"] = acknowledge_url(
        incident_id=incident.pk, organization_id=organization.pk, user_id=user.pk
    )
    return _render(template="alert", context=context, to=user.email, language=language_for(user))


def render_escalation(
    *, incident: Incident, tier: int, organization: Organization, user: User, window: int
) -> EmailMultiAlternatives:
    """To an admin of `organization` or the secretariat: it did not acknowledge within `window` minutes."""
    context = _context(incident=incident, tier=tier, organization=organization, window=window)
    return _render(template="escalation", context=context, to=user.email, language=language_for(user))
