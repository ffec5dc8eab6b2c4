"""The demo community that `manage.py seed_demo` loads, and the logins `manage.py
demo_logins` prints.

Idempotent: every row is found by its natural key (an organisation's name, a user's
email, a membership's user and organisation, an application's applicant and
organisation, an invitation's organisation and email) and created only when missing.
An organisation's dated standing history is written only together with the
organisation itself, so a second run adds nothing and never rewrites what people
have changed through the site since.

Other apps seed themselves: after the registry, `seed_demo` calls
`seed_demo(*, stdout)` on every installed AppConfig that defines it, in
INSTALLED_APPS order (commitments before incidents), each after the registry is in
place. Such a hook must be idempotent too, and may rely on the organisations and
logins named here (for example `SECRETARIAT_EMAIL`, `DEMO_GOVERNMENT`, `DEMO_PROVIDER`).
The registry's rows are written directly (to keep their historical dates), so no
`standing_changed` signal is sent for them: a hook creates what its app needs for
the organisations it finds.

Everything here is demo data: nothing is marked for translation.
"""

import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify

from .models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Standing,
    StandingChange,
    User,
)

DEMO_PASSWORD = "demo-password-2019"
SECRETARIAT_EMAIL = "secretariat@example.org"
# Base32, shared by every demo login with two-factor, so codes can be reproduced anywhere.
DEMO_TOTP_SECRET = "CALLPORTALDEMOSECRETFORTOTPCODES"
DEMO_GOVERNMENT = "Government of New Zealand"
DEMO_PROVIDER = "Streamwave"

GOV, OSP, CSO, PARTNER = (
    OrganizationKind.GOVERNMENT,
    OrganizationKind.PROVIDER,
    OrganizationKind.CIVIL_SOCIETY,
    OrganizationKind.PARTNER,
)
SUPPORTER, ENDORSES, SUSPENDED, WITHDRAWN = (
    Standing.SUPPORTER,
    Standing.ENDORSES,
    Standing.SUSPENDED,
    Standing.WITHDRAWN,
)
LAUNCH, UNGA_2019, SUMMIT_2021, SUMMIT_2022, SUMMIT_2023 = (
    "2019-05-15",
    "2019-09-23",
    "2021-05-14",
    "2022-09-20",
    "2023-11-10",
)


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    kind: str
    country: str
    # (date, standing, reason) after the application, oldest first; the first is the approval.
    history: tuple[tuple[str, str, str], ...]
    website: str = ""
    description: str = ""


def _joined(date: str, standing: str = SUPPORTER) -> tuple[tuple[str, str, str], ...]:
    return ((date, standing, "Application approved"),)


def _government(country: str, name: str, date: str) -> DemoOrganization:
    return DemoOrganization(
        name=f"Government of {name}",
        kind=GOV,
        country=country,
        history=_joined(date),
        description=f"The government of {name.removeprefix('the ')}.",
    )


GOVERNMENTS = [
    *(
        _government(code, name, LAUNCH)
        for code, name in [
            ("NZ", "New Zealand"),
            ("FR", "France"),
            ("AU", "Australia"),
            ("CA", "Canada"),
            ("DE", "Germany"),
            ("ID", "Indonesia"),
            ("IN", "India"),
            ("IE", "Ireland"),
            ("IT", "Italy"),
            ("JP", "Japan"),
            ("JO", "Jordan"),
            ("NL", "the Netherlands"),
            ("NO", "Norway"),
            ("SN", "Senegal"),
            ("ES", "Spain"),
            ("SE", "Sweden"),
            ("GB", "the United Kingdom"),
        ]
    ),
    *(
        _government(code, name, UNGA_2019)
        for code, name in [
            ("AR", "Argentina"),
            ("AT", "Austria"),
            ("BE", "Belgium"),
            ("BG", "Bulgaria"),
            ("CL", "Chile"),
            ("CO", "Colombia"),
            ("CR", "Costa Rica"),
            ("CY", "Cyprus"),
            ("DK", "Denmark"),
            ("FI", "Finland"),
            ("GE", "Georgia"),
            ("GH", "Ghana"),
            ("GR", "Greece"),
            ("IS", "Iceland"),
            ("KE", "Kenya"),
            ("LV", "Latvia"),
            ("LT", "Lithuania"),
            ("LU", "Luxembourg"),
            ("MX", "Mexico"),
            ("KR", "the Republic of Korea"),
        ]
    ),
    _government("PT", "Portugal", "2020-02-11"),
    _government("CH", "Switzerland", SUMMIT_2022),
    DemoOrganization(
        name="Government of the United States",
        kind=GOV,
        country="US",
        history=(
            (LAUNCH, ENDORSES, "Endorsed the goals without joining"),
            ("2021-05-07", SUPPORTER, "Joined as a supporter"),
        ),
        description="The government of the United States.",
    ),
]

PROVIDERS = [
    DemoOrganization(
        "Streamwave",
        OSP,
        "US",
        _joined(LAUNCH),
        "https://streamwave.example",
        "Live video streaming for creators and their audiences.",
    ),
    DemoOrganization(
        "Chirpline", OSP, "US", _joined(LAUNCH), "https://chirpline.example", "Short public posts and conversation."
    ),
    DemoOrganization(
        "Vidora", OSP, "IE", _joined(LAUNCH), "https://vidora.example", "Video hosting and recommendations."
    ),
    DemoOrganization(
        "Loopcast", OSP, "GB", _joined(LAUNCH), "https://loopcast.example", "Podcasts and live audio rooms."
    ),
    DemoOrganization(
        "Threadnest", OSP, "CA", _joined(UNGA_2019), "https://threadnest.example", "Community discussion forums."
    ),
    DemoOrganization(
        "Kindlechat", OSP, "JP", _joined(UNGA_2019), "https://kindlechat.example", "Messaging with public channels."
    ),
    DemoOrganization(
        "Murmur Social", OSP, "FR", _joined("2020-03-02"), "https://murmur.example", "A social network for groups."
    ),
    DemoOrganization(
        "Gathrly", OSP, "DE", _joined("2020-11-18"), "https://gathrly.example", "Events and community pages."
    ),
    DemoOrganization(
        "Echoboard", OSP, "KR", _joined(SUMMIT_2021), "https://echoboard.example", "Image boards and fan communities."
    ),
    DemoOrganization(
        "Snapnest", OSP, "AU", _joined(SUMMIT_2021), "https://snapnest.example", "Photo sharing and stories."
    ),
    DemoOrganization(
        "Tumbleleaf", OSP, "SE", _joined(SUMMIT_2022), "https://tumbleleaf.example", "Blogging and reblogging."
    ),
    DemoOrganization(
        "Clipcircle", OSP, "IN", _joined(SUMMIT_2023), "https://clipcircle.example", "Short video for mobile."
    ),
    DemoOrganization(
        "Hearthside Forums", OSP, "NZ", _joined("2024-02-06"), "https://hearthside.example", "Hosted forum software."
    ),
    DemoOrganization(
        "Pixelhaven",
        OSP,
        "NL",
        _joined(SUMMIT_2022, ENDORSES),
        "https://pixelhaven.example",
        "Game streaming and chat; endorses the goals while it reviews its policies.",
    ),
    DemoOrganization(
        "Relaywire",
        OSP,
        "US",
        (
            ("2020-06-09", SUPPORTER, "Application approved"),
            ("2024-03-12", SUSPENDED, "No transparency report for two reporting cycles"),
        ),
        "https://relaywire.example",
        "File sharing and link hosting.",
    ),
]

CIVIL_SOCIETY = [
    DemoOrganization(
        "Open Net Rights Collective",
        CSO,
        "DE",
        _joined(LAUNCH),
        "https://opennetrights.example",
        "Defends freedom of expression online.",
    ),
    DemoOrganization(
        "Digital Dignity Forum", CSO, "FR", _joined(UNGA_2019), "https://digitaldignity.example", "Human rights online."
    ),
    DemoOrganization(
        "Survivors Against Online Hate",
        CSO,
        "NZ",
        _joined(UNGA_2019),
        "https://survivorsagainsthate.example",
        "Victims and survivors of violent extremism.",
    ),
    DemoOrganization(
        "Centre for Safe Platforms Research",
        CSO,
        "GB",
        _joined("2020-01-20"),
        "https://safeplatforms.example",
        "Independent research on platform safety.",
    ),
    DemoOrganization(
        "Pacific Internet Society Network",
        CSO,
        "FJ",
        _joined("2020-09-15"),
        "https://pacificnet.example",
        "Internet users across the Pacific.",
    ),
    DemoOrganization(
        "Youth Voices Online",
        CSO,
        "KE",
        _joined(SUMMIT_2021),
        "https://youthvoices.example",
        "Young people on digital safety.",
    ),
    DemoOrganization(
        "Interfaith Digital Alliance",
        CSO,
        "CA",
        _joined(SUMMIT_2021),
        "https://interfaithdigital.example",
        "Faith communities against online hate.",
    ),
    DemoOrganization(
        "Tech Accountability Lab",
        CSO,
        "US",
        _joined(SUMMIT_2022),
        "https://techaccountability.example",
        "Audits of content moderation.",
    ),
    DemoOrganization(
        "Counter-Extremism Research Unit",
        CSO,
        "AU",
        _joined(SUMMIT_2023),
        "https://cerunit.example",
        "Research on radicalisation pathways online.",
    ),
    DemoOrganization(
        "Free Expression Watch",
        CSO,
        "GB",
        (
            ("2019-11-04", SUPPORTER, "Application approved"),
            ("2023-06-30", WITHDRAWN, "Withdrew to campaign independently"),
        ),
        "https://freeexpressionwatch.example",
        "Monitors takedowns and over-removal.",
    ),
]

PARTNERS = [
    DemoOrganization(
        "Global Internet Safety Forum",
        PARTNER,
        "US",
        _joined(UNGA_2019),
        "https://gisf.example",
        "Industry forum for shared hash lists and crisis response.",
    ),
    DemoOrganization(
        "Intergovernmental Digital Policy Council",
        PARTNER,
        "FR",
        _joined("2020-10-05"),
        "https://idpc.example",
        "Intergovernmental body on digital policy.",
    ),
    DemoOrganization(
        "Online Crisis Response Network",
        PARTNER,
        "NZ",
        _joined(SUMMIT_2021),
        "https://ocrn.example",
        "Coordinates crisis protocols across platforms.",
    ),
    DemoOrganization(
        "Regional Cyber Cooperation Office",
        PARTNER,
        "SG",
        _joined(SUMMIT_2023, ENDORSES),
        "https://rcco.example",
        "Regional cooperation on cyber policy; endorses the goals.",
    ),
]

ORGANIZATIONS = [*GOVERNMENTS, *PROVIDERS, *CIVIL_SOCIETY, *PARTNERS]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    organization: str = ""
    role: str = ""
    secretariat: bool = False
    language: str = ""

    @property
    def two_factor(self) -> bool:
        return self.secretariat or self.role == Role.RESPONDER


def _org_logins(organization: str, domain: str, names: dict[str, str]) -> list[DemoLogin]:
    return [DemoLogin(f"{role}@{domain}", names[role], organization, role) for role in Role.values]


DEMO_LOGINS = [
    DemoLogin(SECRETARIAT_EMAIL, "Secretariat Desk", secretariat=True),
    *_org_logins(
        DEMO_GOVERNMENT,
        "nz.gov.example",
        {"admin": "Aroha Ngata", "reporter": "Tom Reid", "responder": "Mere Tawhai", "member": "Liam Chen"},
    ),
    *_org_logins(
        DEMO_PROVIDER,
        "streamwave.example",
        {"admin": "Priya Raman", "reporter": "Jonas Weber", "responder": "Ana Souza", "member": "Sophie Martin"},
    ),
    DemoLogin("applicant@example.org", "Maya Okafor"),
]
APPLICANT_EMAIL = "applicant@example.org"


@dataclass(frozen=True)
class DemoApplication:
    email: str
    full_name: str
    organization: DemoOrganization | str  # a new organisation, or the name of one to join
    days_ago: int
    message: str


PENDING_APPLICATIONS = [
    DemoApplication(
        APPLICANT_EMAIL,
        "Maya Okafor",
        DemoOrganization(
            "Kestrel Streams", OSP, "CA", (), "https://kestrelstreams.example", "Live streaming for local news."
        ),
        2,
        "We stream local news and events and would like to join the Call.",
    ),
    DemoApplication(
        "digital.policy@uy.gov.example",
        "Lucia Pereira",
        DemoOrganization("Government of Uruguay", GOV, "UY", (), "", "The government of Uruguay."),
        5,
        "Uruguay's digital agency applies on behalf of the government.",
    ),
    DemoApplication(
        "hello@saferscreens.example",
        "Thandi Mokoena",
        DemoOrganization(
            "Safer Screens Initiative", CSO, "ZA", (), "https://saferscreens.example", "Media literacy for schools."
        ),
        9,
        "We teach media literacy and would like to contribute to the advisory network.",
    ),
    DemoApplication(
        "newcomer@streamwave.example",
        "Kai Tanaka",
        DEMO_PROVIDER,
        1,
        "I joined Streamwave's trust and safety team this month.",
    ),
]

OPEN_INVITATIONS = [(DEMO_PROVIDER, "new.colleague@streamwave.example", Role.REPORTER)]


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
    (each hook gets the same `stdout` for its own short summary)."""
    summary = seed_registry()
    stdout.write(format_summary(summary))
    for config in apps.get_app_configs():
        hook = getattr(config, "seed_demo", None)
        if config.label != "portal" and callable(hook):
            hook(stdout=stdout)
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


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


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
        slug=_unique_slug(spec.name),
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
    _, created = Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})
    if created:
        AuditEvent.objects.create(
            organization=organization, action="membership.created", target=user.email, data={"role": role}
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
        role=role,
        invited_by=inviter,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    AuditEvent.objects.create(
        actor=inviter, organization=organization, action="invitation.sent", target=email, data={"role": role}
    )
    summary.count("invitations")


# --- Logins ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoFactorDetails:
    secret: str
    uri: str
    code: str
    seconds_left: int
    recovery_codes: list[str]


def two_factor_details(user: User) -> TwoFactorDetails | None:
    """The user's actual TOTP secret (read back, in case it was reset since seeding),
    the code valid now, and their unused recovery codes."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = decrypt(authenticator.data["secret"])
    now, period = int(time.time()), mfa_settings.TOTP_PERIOD
    recovery = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    return TwoFactorDetails(
        secret=secret,
        uri=get_mfa_adapter().build_totp_url(user, secret),
        code=format_hotp_value(hotp_value(secret, now // period)),
        seconds_left=period - now % period,
        recovery_codes=RecoveryCodes(recovery).get_unused_codes() if recovery else [],
    )
