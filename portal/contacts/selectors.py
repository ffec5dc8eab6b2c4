"""Reads of contacts and escalation chains, each in a fixed number of queries. Callers
authorise: the chain page checks can_manage_escalation_chain, the incidents board shows the
chains only to those who may enter the room (incidents.selectors.alerts)."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..models import Membership, Organization, Role, User
from ..roles import holding
from .choices import LANGUAGE_NAMES, is_time_zone, language_name
from .models import Deputy, EscalationStep, ResponderContact

# Who may be a step of the chain: those alerted (responders) and those who answer for the
# organisation (admins). A step whose member no longer has one of these roles is skipped.
CHAIN_ROLES = (Role.RESPONDER, Role.ADMIN)


@dataclass(frozen=True)
class ContactCard:
    """A person's contact details, read from a user whose `responder_contact` and
    `contact_numbers` were fetched with them (or are fetched here, for one user)."""

    user: User
    contact: ResponderContact | None
    numbers: list = field(default_factory=list)

    @classmethod
    def of(cls, user: User) -> "ContactCard":
        # A missing reverse one-to-one raises an AttributeError subclass, so getattr's default applies.
        return cls(
            user=user, contact=getattr(user, "responder_contact", None), numbers=list(user.contact_numbers.all())
        )

    @property
    def time_zone(self) -> str:
        return self.contact.time_zone if self.contact else ""

    @property
    def language_names(self) -> list[str]:
        codes = self.contact.languages if self.contact else []
        return [language_name(code) for code in codes if code in LANGUAGE_NAMES]

    @property
    def numbers_confirmed_at(self):
        return self.contact.numbers_confirmed_at if self.contact else None

    def local_time(self, now: datetime | None = None) -> datetime | None:
        """The person's wall-clock time now, or None when they gave no time zone."""
        if not is_time_zone(self.time_zone):
            return None
        return (now or timezone.now()).astimezone(ZoneInfo(self.time_zone))


@dataclass(frozen=True)
class ChainStep:
    position: int
    wait_minutes: int
    membership: Membership
    card: ContactCard


def users_with_contacts(qs: QuerySet) -> QuerySet:
    """A User queryset with each user's contact row and numbers fetched along."""
    return qs.select_related("responder_contact").prefetch_related("contact_numbers")


def contact_card(user: User) -> ContactCard:
    return ContactCard.of(users_with_contacts(User.objects.filter(pk=user.pk)).get())


def member_cards(organization: Organization) -> list[tuple[Membership, ContactCard]]:
    """Every member of the organisation with their contact details, for those who manage it."""
    memberships = (
        Membership.objects.filter(organization=organization)
        .select_related("user__responder_contact")
        .prefetch_related("user__contact_numbers")
        .order_by("user__email")
    )
    return [(m, ContactCard.of(m.user)) for m in memberships]


def callable_steps() -> QuerySet[EscalationStep]:
    """The steps a chain is read with: members whose role no longer qualifies, and inactive
    users, are left out (other apps filter it further, by organisation, in SQL)."""
    return EscalationStep.objects.filter(
        holding(*CHAIN_ROLES, through="membership__"), membership__user__is_active=True
    )


def escalation_chains(organization_ids) -> dict[int, list[ChainStep]]:
    """The chains of these organisations, in order, in two queries whatever their number and
    length (callable_steps)."""
    steps = (
        callable_steps()
        .filter(organization_id__in=list(organization_ids))
        .select_related("membership__user__responder_contact")
        .prefetch_related("membership__user__contact_numbers")
        .order_by("organization_id", "position")
    )
    chains: dict[int, list[ChainStep]] = {}
    for step in steps:
        chains.setdefault(step.organization_id, []).append(
            ChainStep(
                position=step.position,
                wait_minutes=step.wait_minutes,
                membership=step.membership,
                card=ContactCard.of(step.membership.user),
            )
        )
    return chains


def escalation_chain(organization: Organization) -> list[ChainStep]:
    return escalation_chains([organization.pk]).get(organization.pk, [])


def covering_now(now=None) -> Q:
    """A filter on memberships: deputies whose period covers `now`, of a responder who is still
    an active responder. They receive that responder's alerts and may acknowledge them."""
    now = now or timezone.now()
    covered = Deputy.objects.filter(
        holding(Role.RESPONDER, through="membership__"),
        deputy=OuterRef("pk"),
        starts_at__lte=now,
        ends_at__gt=now,
        membership__user__is_active=True,
    )
    return Q(Exists(covered))


def responding_q() -> Q:
    """A filter on memberships: responders, and deputies covering a responder now (they act as
    the responder: alerted, in the AMBER+STRICT audience, acknowledging)."""
    return holding(Role.RESPONDER) | covering_now()


def deputies_covering(membership, now=None) -> list:
    """The users covering this responder now (their deputies, active, period running), who
    receive what is sent to the responder, such as a step of the escalation chain."""
    now = now or timezone.now()
    return [
        row.deputy.user
        for row in Deputy.objects.filter(
            membership=membership, starts_at__lte=now, ends_at__gt=now, deputy__user__is_active=True
        ).select_related("deputy__user")
    ]


def list_deputies(organization: Organization) -> QuerySet[Deputy]:
    """The organisation's deputies whose period has not ended, soonest first: who covers whom."""
    return (
        Deputy.objects.filter(membership__organization=organization, ends_at__gt=timezone.now())
        .select_related("membership__user", "deputy__user")
        .order_by("starts_at", "pk")
    )
