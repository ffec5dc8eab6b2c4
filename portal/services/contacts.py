"""Responders' contact details and organisations' escalation chains.

Both services validate everything before they write and replace the whole set in one
transaction, so bad input changes nothing. Callers authorise (portal.permissions:
can_keep_contact, can_manage_escalation_chain); the services check again what a caller cannot
get wrong: whose contact it is, and that every step names a member who may be called."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber, to_python

from .. import permissions
from ..contacts.choices import (
    LANGUAGE_NAMES,
    MAX_CHAIN_STEPS,
    MAX_LANGUAGES,
    MAX_NUMBERS,
    MAX_WAIT_MINUTES,
    MIN_WAIT_MINUTES,
    PhoneLabel,
    is_time_zone,
)
from ..contacts.models import ContactNumber, EscalationStep, ResponderContact
from ..contacts.selectors import CHAIN_ROLES
from ..models import Membership, Organization
from ..roles import holding
from .audit import record_audit


@dataclass(frozen=True)
class NumberInput:
    label: str
    number: str


@dataclass(frozen=True)
class StepInput:
    membership_id: int
    wait_minutes: int


def _clean_numbers(numbers: list[NumberInput]) -> list[tuple[str, PhoneNumber]]:
    if len(numbers) > MAX_NUMBERS:
        raise ValidationError({"numbers": _("Give at most %(n)s numbers.") % {"n": MAX_NUMBERS}})
    cleaned, seen = [], set()
    for entry in numbers:
        if entry.label not in PhoneLabel.values:
            raise ValidationError({"numbers": _("Choose a label for each number.")})
        number = to_python(entry.number)
        if not isinstance(number, PhoneNumber) or not number.is_valid():
            raise ValidationError(
                {
                    "numbers": _("%(number)s is not a valid international number: start with + and the country code.")
                    % {"number": entry.number}
                }
            )
        if number.as_e164 in seen:
            raise ValidationError({"numbers": _("%(number)s is given twice.") % {"number": number.as_e164}})
        seen.add(number.as_e164)
        cleaned.append((entry.label, number))
    return cleaned


def _clean_languages(languages: list[str]) -> list[str]:
    unknown = [code for code in languages if code not in LANGUAGE_NAMES]
    if unknown:
        raise ValidationError({"languages": _("Choose languages from the list.")})
    unique = list(dict.fromkeys(languages))
    if len(unique) > MAX_LANGUAGES:
        raise ValidationError({"languages": _("Choose at most %(n)s languages.") % {"n": MAX_LANGUAGES}})
    return unique


def update_contact(
    *, actor, user, numbers: list[NumberInput], time_zone: str, languages: list[str]
) -> ResponderContact:
    """Replaces the user's numbers, time zone and languages. Only the user keeps their own."""
    if actor is None or actor.pk != user.pk or not permissions.can_keep_contact(user):
        raise PermissionDenied
    cleaned = _clean_numbers(numbers)
    if time_zone and not is_time_zone(time_zone):
        raise ValidationError({"time_zone": _("Choose a time zone from the list, such as Europe/Paris.")})
    languages = _clean_languages(languages)
    with transaction.atomic():
        contact, _created = ResponderContact.objects.select_for_update().get_or_create(user=user)
        contact.time_zone = time_zone
        contact.languages = languages
        contact.updated_at = timezone.now()
        contact.save(update_fields=["time_zone", "languages", "updated_at"])
        ContactNumber.objects.filter(user=user).delete()
        ContactNumber.objects.bulk_create(
            ContactNumber(user=user, label=label, number=number, position=index)
            for index, (label, number) in enumerate(cleaned, start=1)
        )
        # The numbers themselves stay out of the log, which organisation admins read.
        record_audit(
            actor=actor, action="contact.updated", target=user.email, numbers=len(cleaned), time_zone=time_zone
        )
    return contact


def set_escalation_chain(*, actor, organization: Organization, steps: list[StepInput]) -> list[EscalationStep]:
    """Replaces the organisation's chain with these steps, in this order. Every step must be a
    responder or admin of the organisation, once, waiting 1 to 240 minutes."""
    if not permissions.can_manage_escalation_chain(actor, organization):
        raise PermissionDenied
    if len(steps) > MAX_CHAIN_STEPS:
        raise ValidationError({"steps": _("A chain has at most %(n)s steps.") % {"n": MAX_CHAIN_STEPS}})
    for step in steps:
        if not (MIN_WAIT_MINUTES <= step.wait_minutes <= MAX_WAIT_MINUTES):
            raise ValidationError(
                {
                    "steps": _("Wait between %(min)s and %(max)s minutes at each step.")
                    % {"min": MIN_WAIT_MINUTES, "max": MAX_WAIT_MINUTES}
                }
            )
    ids = [step.membership_id for step in steps]
    if len(set(ids)) != len(ids):
        raise ValidationError({"steps": _("Each person can be in the chain once.")})
    with transaction.atomic():
        # One change at a time per organisation: the positions are replaced as a whole.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        members = {
            m.pk: m
            for m in Membership.objects.filter(
                holding(*CHAIN_ROLES), pk__in=ids, organization=organization, user__is_active=True
            ).select_related("user")
        }
        if len(members) != len(ids):
            raise ValidationError(
                {"steps": _("Only this organisation's responders and admins can be in its escalation chain.")}
            )
        EscalationStep.objects.filter(organization=organization).delete()
        created = EscalationStep.objects.bulk_create(
            EscalationStep(
                organization=organization,
                membership=members[step.membership_id],
                position=index,
                wait_minutes=step.wait_minutes,
            )
            for index, step in enumerate(steps, start=1)
        )
        record_audit(
            actor=actor,
            action="escalation_chain.changed",
            organization=organization,
            target=organization.name,
            steps=[[members[s.membership_id].user.email, s.wait_minutes] for s in steps],
        )
    return created
