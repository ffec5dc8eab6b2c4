"""The signatory registry: accounts, organisations, memberships, applications,
invitations, API tokens and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_secretariat=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    # The name the person chose to be shown by (their display name); blank until they do.
    full_name = models.CharField(_("display name"), max_length=150, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # The IANA zone every time is shown in; blank: the browser's, then the organisation's country's
    # (portal.time_zones).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    is_secretariat = models.BooleanField(_("secretariat"), default=False)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # The bell's count, kept by portal.notifications.inbox beside the notifications it counts,
    # so a page shows it without a query of its own.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        """The chosen name, else a number: never part of the address, which only the secretariat
        and the person's organisations' admins see (portal.permissions.can_see_email)."""
        return User.display_name_of(self.pk, self.full_name)

    @staticmethod
    def display_name_of(pk: int, full_name: str) -> str:
        """display_name from the two columns it reads, for lists read without model instances."""
        return full_name or gettext("Member #%(number)s") % {"number": pk}


class OrganizationKind(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    PROVIDER = "provider", _("Online service provider")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    PARTNER = "partner", _("Partner / intergovernmental")


class Standing(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    SUPPORTER = "supporter", _("Supporter")
    ENDORSES = "endorses", _("Endorses goals only")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", pgettext_lazy("organisation standing", "Withdrawn")


# Standings the public directory lists.
PUBLIC_STANDINGS = (Standing.SUPPORTER, Standing.ENDORSES, Standing.SUSPENDED, Standing.WITHDRAWN)
# Standings that take part: in incidents, progress, annotations, webhooks and contact checks.
PARTICIPATING_STANDINGS = (Standing.SUPPORTER, Standing.ENDORSES)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    standing = models.CharField(_("standing"), max_length=20, choices=Standing.choices, default=Standing.APPLICANT)
    standing_since = models.DateTimeField(_("standing since"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organization_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values), name="organization_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(standing__in=Standing.values), name="organization_standing_valid"
            ),
        ]
        indexes = [models.Index(fields=["standing", "kind"]), models.Index(fields=["country"])]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    @property
    def is_participant(self):
        """Supporters and endorsers take part; applicants, rejected, suspended and withdrawn do not."""
        return self.standing in PARTICIPATING_STANDINGS


class StandingChange(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="standing_changes")
    from_standing = models.CharField(max_length=20, choices=Standing.choices, blank=True)
    to_standing = models.CharField(max_length=20, choices=Standing.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    REPORTER = "reporter", _("Reporter")
    RESPONDER = "responder", _("Responder")
    MEMBER = "member", _("Member")


# The column that says a row holds each role; holding none of them is being a plain member.
ROLE_FIELDS = {Role.ADMIN: "is_admin", Role.REPORTER: "is_reporter", Role.RESPONDER: "is_responder"}


def roles_from_flags(flags) -> list[str]:
    """The roles that ROLE_FIELDS' flags, in their order, say are held; ["member"] when none."""
    return [role for role, held in zip(ROLE_FIELDS, flags, strict=True) if held] or [Role.MEMBER.value]


class HeldRoles(models.Model):
    """Several roles at once (a one-person platform reports and responds): one boolean per role,
    so "who holds role X" is a plain column filter, the same on PostgreSQL and SQLite, with no
    join and nothing to prefetch. Read and test them through portal.roles, not the columns."""

    is_admin = models.BooleanField(_("admin"), default=False)
    is_reporter = models.BooleanField(_("reporter"), default=False)
    is_responder = models.BooleanField(_("responder"), default=False)

    class Meta:
        abstract = True

    @property
    def roles(self) -> list[str]:
        """The roles held, in Role's order; ["member"] when none."""
        return roles_from_flags(getattr(self, name) for name in ROLE_FIELDS.values())

    @roles.setter
    def roles(self, values) -> None:
        for role, name in ROLE_FIELDS.items():
            setattr(self, name, role in values)

    @property
    def role(self) -> str:
        """Deprecated: the first role held in Role's order (admin, reporter, responder, member)."""
        return self.roles[0]

    @role.setter
    def role(self, value) -> None:
        self.roles = [value]

    def get_roles_display(self) -> str:
        return ", ".join(str(Role(role).label) for role in self.roles)


class Membership(HeldRoles):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)
    # A responder's last confirmation that they are still the contact (notifications/contact_checks.py).
    contact_confirmed_at = models.DateTimeField(_("contact confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({', '.join(self.roles)})"


class ApplicationKind(models.TextChoices):
    NEW_ORGANIZATION = "new", _("New organisation")
    JOIN = "join", _("Join an organisation")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


class Application(models.Model):
    """A verified user's request: a new organisation (reviewed by the secretariat)
    or to join an existing one (reviewed by its admins or the secretariat)."""

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="applications")
    kind = models.CharField(max_length=10, choices=ApplicationKind.choices)
    status = models.CharField(max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING)
    message = models.TextField(_("message"), blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "organization"],
                condition=models.Q(status="pending"),
                name="one_pending_application_per_org",
            )
        ]


class Invitation(HeldRoles):
    """Its roles are those the invited person's membership will hold."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_active(self):
        return self.revoked_at is None


class AuditLogAppendOnlyError(Exception):
    """Raised for any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    # Deleting a user or an organisation still empties actor/organization (SET_NULL): Django's
    # deletion goes through the base manager, not this queryset, and the PostgreSQL trigger
    # (migration 0004) allows exactly that change.
    def update(self, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogAppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Append-only record of who changed what: the app refuses to update or delete one, and
    on PostgreSQL so does the database (portal/migrations/0004_auditevent_append_only.py)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The actor's id, kept when the account is deleted: the log then says "deleted user #123".
    actor_ref = models.PositiveIntegerField(null=True, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("Audit events cannot be deleted.")


# The models of portal/notifications/, webhooks/, contacts/, sso/ and calendar/: Django finds an app's models here.
from .calendar.models import CalendarFeed  # noqa: E402, F401
from .contacts.models import ContactNumber, Deputy, EscalationStep, ResponderContact  # noqa: E402, F401
from .notifications.models import Delivery, DigestPreference  # noqa: E402, F401
from .notifications.push_models import PushSubscription  # noqa: E402, F401
from .notifications.stream_models import Notification, NotificationStream  # noqa: E402, F401
from .sso.models import OrganizationIdentityProvider  # noqa: E402, F401
from .webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
