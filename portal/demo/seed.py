"""Loading the demo community (portal.demo.data): the registry's rows, then every other
app's own demo seed.

Idempotent: every row is found by its natural key (an organisation's name, a user's
email, a membership's user and organisation, an application's applicant and
organisation, an invitation's organisation and email) and created only when missing.
An organisation's dated standing history is written only together with the
organisation itself, so a second run adds nothing and never rewrites what people
have changed through the site since. The rows are written directly, not through the
services, to keep their historical dates.
"""

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ..models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditEvent,
    ContactNumber,
    EscalationStep,
    Invitation,
    Membership,
    Organization,
    OrganizationKind,
    ResponderContact,
    Role,
    Standing,
    StandingChange,
    User,
)
from ..services.organizations import unique_slug
from .data import (
    DEMO_CHAINS,
    DEMO_CONTACTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    OPEN_INVITATIONS,
    ORGANIZATIONS,
    PENDING_APPLICATIONS,
    SECRETARIAT_EMAIL,
    DemoApplication,
    DemoContact,
    DemoLogin,
    DemoOrganization,
)
from .quiet import emails_held_back


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    organizations: dict[str, int] = field(default_factory=dict)
    pending_applications: int = 0

    def count(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1


def _at(date: str) -> datetime:
    return datetime.fromisoformat(date).replace(hour=9, tzinfo=UTC)


def seed_demo(*, stdout) -> SeedSummary:
    """Loads the registry's demo community, then lets every other app seed itself
    (each hook gets the same `stdout` for its own short summary). The notifications the
    seeding causes are held back (portal.demo.quiet)."""
    with emails_held_back() as held:
        summary = seed_registry()
        stdout.write(format_summary(summary))
        for config in apps.get_app_configs():
            hook = getattr(config, "seed_demo", None)
            if config.label != "portal" and callable(hook):
                hook(stdout=stdout)
    if held:
        stdout.write(f"{len(held)} notification emails to the demo's fictional people were held back, not sent")
    return summary


def seed_registry() -> SeedSummary:
    summary = SeedSummary()
    with transaction.atomic():
        users = {login.email: _ensure_login(login, summary) for login in DEMO_LOGINS}
        secretariat = users[SECRETARIAT_EMAIL]
        organizations = {spec.name: _ensure_organization(spec, secretariat, summary) for spec in ORGANIZATIONS}
        for login in DEMO_LOGINS:
            if login.organization:
                _ensure_membership(users[login.email], organizations[login.organization], login.role, summary)
        for spec in PENDING_APPLICATIONS:
            _ensure_pending_application(spec, organizations, summary)
        for org_name, email, role in OPEN_INVITATIONS:
            _ensure_invitation(organizations[org_name], email, role, users, summary)
        for contact in DEMO_CONTACTS:
            _ensure_contact(users[contact.email], contact, summary)
        for org_name, chain in DEMO_CHAINS.items():
            _ensure_chain(organizations[org_name], chain, summary)
    by_kind = Organization.objects.filter(name__in=organizations).values_list("kind").annotate(n=Count("id"))
    summary.organizations = dict(by_kind.order_by())
    summary.pending_applications = Application.objects.filter(
        applicant__email__in=[spec.email for spec in PENDING_APPLICATIONS], status=ApplicationStatus.PENDING
    ).count()
    return summary


def format_summary(summary: SeedSummary) -> str:
    kinds = dict(OrganizationKind.choices)
    counts = ", ".join(f"{summary.organizations.get(k, 0)} {kinds[k].lower()}" for k in OrganizationKind.values)
    created = ", ".join(f"{what} {n}" for what, n in summary.created.items()) or "nothing (already loaded)"
    return (
        f"Demo registry: {counts}; {summary.pending_applications} applications waiting for review.\n"
        f"Created: {created}.\n"
    )


# --- Rows ----------------------------------------------------------------------------


def _ensure_user(email: str, full_name: str, summary: SeedSummary, *, secretariat=False, language="") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, full_name=full_name, is_secretariat=secretariat, language=language)
        user.password = _demo_password_hash()
        user.save()
        summary.count("users")
    _, created = EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if created:
        summary.count("verified addresses")
    return user


def _demo_password_hash() -> str:
    return _hash_demo_password(get_hasher().algorithm)


@functools.cache
def _hash_demo_password(algorithm: str) -> str:
    return make_password(DEMO_PASSWORD, hasher=algorithm)  # once: every demo login shares the published password


def _ensure_login(login: DemoLogin, summary: SeedSummary) -> User:
    user = _ensure_user(login.email, login.full_name, summary, secretariat=login.secretariat, language=login.language)
    if login.two_factor:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            summary.count("TOTP authenticators")
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
            RecoveryCodes.activate(user)
            summary.count("recovery code sets")
    return user


def _ensure_organization(
    spec: DemoOrganization,
    secretariat: User | None,
    summary: SeedSummary,
    *,
    applied: datetime | None = None,
    applicant: User | None = None,
) -> Organization:
    """The organisation named `spec.name` (in any case); a new one gets its whole dated history:
    applied three weeks before its approval (or at `applied`), then each change in `spec.history`."""
    existing = Organization.objects.filter(name__iexact=spec.name).first()
    if existing is not None:
        return existing
    applied_at = applied or _at(spec.history[0][0]) - timedelta(days=21)
    steps = [(applied_at, Standing.APPLICANT, "", applicant)]
    steps += [(_at(date), standing, reason, secretariat) for date, standing, reason in spec.history]
    organization = Organization.objects.create(
        name=spec.name,
        slug=unique_slug(spec.name),
        kind=spec.kind,
        country=spec.country,
        website=spec.website,
        description=spec.description,
        standing=steps[-1][1],
        standing_since=steps[-1][0],
    )
    Organization.objects.filter(pk=organization.pk).update(created_at=applied_at)
    previous = ""
    for changed_at, standing, reason, actor in steps:
        StandingChange.objects.create(
            organization=organization,
            from_standing=previous,
            to_standing=standing,
            reason=reason,
            actor=actor,
            changed_at=changed_at,
        )
        AuditEvent.objects.create(
            actor=actor,
            actor_ref=actor.pk if actor else None,
            organization=organization,
            action="organization.standing_changed" if previous else "organization.created",
            target=organization.name,
            data={"before": previous, "after": standing, "reason": reason} if previous else {},
            created_at=changed_at,
        )
        previous = standing
    summary.count("organisations")
    return organization


def _ensure_membership(user: User, organization: Organization, role: str, summary: SeedSummary) -> None:
    _, created = Membership.objects.get_or_create(user=user, organization=organization, defaults={"roles": [role]})
    if created:
        AuditEvent.objects.create(
            organization=organization, action="membership.created", target=user.email, data={"roles": [role]}
        )
        summary.count("memberships")


def _ensure_pending_application(spec: DemoApplication, organizations: dict, summary: SeedSummary) -> None:
    applicant = _ensure_user(spec.email, spec.full_name, summary)
    submitted = timezone.now() - timedelta(days=spec.days_ago)
    if isinstance(spec.organization, str):
        organization, kind = organizations[spec.organization], ApplicationKind.JOIN
    else:
        existing = Organization.objects.filter(name__iexact=spec.organization.name).first()
        if existing is not None and not Application.objects.filter(organization=existing).exists():
            return  # someone else's organisation by that name: leave it alone
        organization = existing or _ensure_organization(
            spec.organization, None, summary, applied=submitted, applicant=applicant
        )
        kind = ApplicationKind.NEW_ORGANIZATION
    if Application.objects.filter(applicant=applicant, organization=organization).exists():
        return  # pending, or decided since the last run: either way, not ours to redo
    Application.objects.create(
        applicant=applicant, organization=organization, kind=kind, message=spec.message, created_at=submitted
    )
    AuditEvent.objects.create(
        actor=applicant,
        actor_ref=applicant.pk,
        organization=organization,
        action="application.submitted",
        target=organization.name if kind == ApplicationKind.NEW_ORGANIZATION else applicant.email,
        data={} if kind == ApplicationKind.NEW_ORGANIZATION else {"kind": "join"},
        created_at=submitted,
    )
    summary.count("applications")


def _ensure_invitation(organization: Organization, email: str, role: str, users: dict, summary: SeedSummary) -> None:
    if Invitation.objects.filter(organization=organization, email=email).exists():
        return
    inviter = next(
        users[login.email]
        for login in DEMO_LOGINS
        if login.organization == organization.name and login.role == Role.ADMIN
    )
    Invitation.objects.create(
        organization=organization,
        email=email,
        roles=[role],
        invited_by=inviter,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    AuditEvent.objects.create(
        actor=inviter,
        actor_ref=inviter.pk if inviter else None,
        organization=organization,
        action="invitation.sent",
        target=email,
        data={"roles": [role]},
    )
    summary.count("invitations")


def _ensure_contact(user: User, spec: DemoContact, summary: SeedSummary) -> None:
    """The person's contact row, and their numbers while they have none (what they changed stays)."""
    _contact, created = ResponderContact.objects.get_or_create(
        user=user, defaults={"time_zone": spec.time_zone, "languages": list(spec.languages)}
    )
    if created:
        summary.count("contacts")
    if not ContactNumber.objects.filter(user=user).exists():
        ContactNumber.objects.bulk_create(
            ContactNumber(user=user, label=label, number=number, position=position)
            for position, (label, number) in enumerate(spec.numbers, start=1)
        )


def _ensure_chain(organization: Organization, chain: list[tuple[str, int]], summary: SeedSummary) -> None:
    """The organisation's escalation chain, while it has none (one set since on its page stays)."""
    if EscalationStep.objects.filter(organization=organization).exists():
        return
    memberships = {
        m.user.email: m
        for m in Membership.objects.filter(
            organization=organization, user__email__in=[e for e, _m in chain]
        ).select_related("user")
    }
    EscalationStep.objects.bulk_create(
        EscalationStep(organization=organization, membership=memberships[email], position=position, wait_minutes=wait)
        for position, (email, wait) in enumerate(chain, start=1)
    )
    summary.count("escalation chains")
