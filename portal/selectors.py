"""Every read of the registry, already scoped to the user and with its related
rows fetched, so a page runs a fixed number of queries."""

from django.db.models import Count, Prefetch, Q, QuerySet

from . import permissions
from .models import (
    PUBLIC_STANDINGS,
    ApiToken,
    Application,
    ApplicationStatus,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
    StandingChange,
    User,
)
from .roles import holding


def list_directory(*, kind: str = "", country: str = "", standing: str = "", q: str = "") -> QuerySet[Organization]:
    """The public directory: supporters and endorsers (and those that left or
    were suspended, so the record stays honest), filtered in SQL."""
    qs = Organization.objects.filter(standing__in=PUBLIC_STANDINGS)
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(country=country.upper())
    if standing:
        qs = qs.filter(standing=standing)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name")


def active_user_by_email(email) -> User | None:
    """The active account with this address (any case), or None: how forms name a person."""
    email = str(email or "").strip()
    return User.objects.filter(email__iexact=email, is_active=True).first() if email else None


def directory_countries() -> list[str]:
    """The countries of the organisations the public directory lists."""
    qs = Organization.objects.filter(standing__in=PUBLIC_STANDINGS).exclude(country="")
    return list(qs.values_list("country", flat=True).distinct().order_by("country"))


def directory_counts(*, country: str = "", standing: str = "") -> dict[str, int]:
    """Counts by kind over the public directory (ignoring the kind filter)."""
    qs = list_directory(country=country, standing=standing)
    return dict(qs.values_list("kind").annotate(n=Count("id")).order_by())


def list_organizations_for(user) -> QuerySet[Organization]:
    """Organisations the user may see through the API."""
    qs = Organization.objects.all()
    if permissions.is_secretariat(user):
        return qs
    visible = Q(standing__in=PUBLIC_STANDINGS)
    if user is not None and user.is_authenticated:
        visible |= Q(memberships__user=user)
    return qs.filter(visible).distinct()


def get_organization_page(organization: Organization) -> Organization:
    return Organization.objects.prefetch_related(
        Prefetch("standing_changes", queryset=StandingChange.objects.order_by("changed_at", "id"))
    ).get(pk=organization.pk)


def list_memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def list_members(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def list_memberships_for(user) -> QuerySet[Membership]:
    """Memberships the user may see: those of their own organisations (all, for the secretariat)."""
    qs = Membership.objects.select_related("user", "organization").order_by("organization__name", "user__email")
    if permissions.is_secretariat(user):
        return qs
    return qs.filter(organization__memberships__user=user).distinct()


def list_open_invitations(organization: Organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def list_pending_applications_for(user) -> QuerySet[Application]:
    """The review queue: new organisations for the secretariat; join requests for
    the secretariat and the organisation's admins. Never one's own."""
    qs = Application.objects.filter(status=ApplicationStatus.PENDING).select_related("organization", "applicant")
    qs = qs.exclude(applicant=user)
    if permissions.is_secretariat(user):
        return qs
    admin_of = Membership.objects.filter(holding(Role.ADMIN), user=user).values("organization_id")
    return qs.filter(kind="join", organization_id__in=admin_of)


def list_applications_of(user) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("organization").order_by("-created_at")


def list_audit_events_for(user, *, organization: Organization | None = None) -> QuerySet[AuditEvent]:
    """The whole log for the secretariat; one organisation's events for its admins and the
    secretariat (those who manage it); nothing for anyone else. Incident events carry no
    organisation, so they are the secretariat's alone, whatever the incident's TLP level."""
    qs = AuditEvent.objects.select_related("actor", "organization")
    if organization is None:
        return qs if permissions.is_secretariat(user) else qs.none()
    if permissions.can_manage_members(user, organization):
        return qs.filter(organization=organization).exclude(action__startswith="incident.")
    return qs.none()


def list_api_tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
