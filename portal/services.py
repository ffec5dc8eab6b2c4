"""Every write to the registry. Each service validates, owns its transaction,
records an audit event and queues its emails after the transaction commits.

Callers authorise first (see permissions.py); services re-check the rules that
depend on the state they lock (the last admin, a pending application).
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from . import permissions, signals
from .models import (
    ApiToken,
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

INVITATION_SALT = "portal.invitation"


def record_audit(*, actor, action: str, organization=None, target: str = "", **data) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        organization=organization,
        action=action,
        target=target[:200],
        data=data,
    )


# --- Organisations --------------------------------------------------------------


def _clean_organization_fields(*, name=None, kind=None, country=None, website=None, exclude_pk=None) -> dict:
    errors = {}
    cleaned = {}
    if name is not None:
        name = " ".join(str(name).split())
        if not name or len(name) > 200:
            errors["name"] = _("Enter a name of at most 200 characters.")
        elif (
            Organization.objects.annotate(lname=Lower("name"))
            .filter(lname=name.lower())
            .exclude(pk=exclude_pk)
            .exists()
        ):
            errors["name"] = _("An organisation with this name already exists.")
        cleaned["name"] = name
    if kind is not None:
        if kind not in OrganizationKind.values:
            errors["kind"] = _("Choose a valid kind of organisation.")
        cleaned["kind"] = kind
    if country is not None:
        country = str(country).strip().upper()
        if country and country not in dict(countries):
            errors["country"] = _("Enter a valid ISO 3166-1 alpha-2 country code.")
        cleaned["country"] = country
    if website is not None:
        from django.core.validators import URLValidator

        website = str(website).strip()
        if website:
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                errors["website"] = _("Enter a valid http or https address.")
        cleaned["website"] = website
    if errors:
        raise ValidationError(errors)
    return cleaned


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_organization(
    *,
    actor,
    name: str,
    kind: str,
    country: str = "",
    website: str = "",
    description: str = "",
    standing: str = Standing.APPLICANT,
    reason: str = "",
) -> Organization:
    cleaned = _clean_organization_fields(name=name, kind=kind, country=country, website=website)
    with transaction.atomic():
        try:
            with transaction.atomic():
                organization = Organization.objects.create(
                    slug=_unique_slug(cleaned["name"]), description=description, standing=standing, **cleaned
                )
        except IntegrityError:  # a concurrent create of the same name in another case
            raise ValidationError({"name": _("An organisation with this name already exists.")}) from None
        StandingChange.objects.create(
            organization=organization, to_standing=standing, actor=_user(actor), reason=reason
        )
        record_audit(actor=actor, action="organization.created", organization=organization, target=organization.name)
    return organization


def update_organization(*, actor, organization: Organization, **fields) -> Organization:
    allowed = {"name", "kind", "country", "website", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    if "kind" in fields and fields["kind"] != organization.kind and not permissions.is_secretariat(actor):
        raise PermissionDenied(_("Only the secretariat can change an organisation's kind."))
    cleaned = _clean_organization_fields(
        name=fields.get("name"),
        kind=fields.get("kind"),
        country=fields.get("country"),
        website=fields.get("website"),
        exclude_pk=organization.pk,
    )
    if "description" in fields:
        cleaned["description"] = str(fields["description"])
    changed = {k: v for k, v in cleaned.items() if getattr(organization, k) != v}
    if not changed:
        return organization
    with transaction.atomic():
        for key, value in changed.items():
            setattr(organization, key, value)
        try:
            with transaction.atomic():
                organization.save(update_fields=list(changed))
        except IntegrityError:
            raise ValidationError({"name": _("An organisation with this name already exists.")}) from None
        record_audit(
            actor=actor,
            action="organization.updated",
            organization=organization,
            target=organization.name,
            fields=sorted(changed),
        )
    return organization


def change_standing(*, actor, organization: Organization, standing: str, reason: str = "") -> Organization:
    if not permissions.can_change_standing(actor):
        raise PermissionDenied
    if standing not in Standing.values:
        raise ValidationError({"standing": _("Choose a valid standing.")})
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.standing == standing:
            return locked
        previous = locked.standing
        now = timezone.now()
        locked.standing, locked.standing_since = standing, now
        locked.save(update_fields=["standing", "standing_since"])
        StandingChange.objects.create(
            organization=locked,
            from_standing=previous,
            to_standing=standing,
            actor=_user(actor),
            reason=reason,
            changed_at=now,
        )
        record_audit(
            actor=actor,
            action="organization.standing_changed",
            organization=locked,
            target=locked.name,
            before=previous,
            after=standing,
            reason=reason,
        )
        member_ids = list(Membership.objects.filter(organization=locked).values_list("user_id", flat=True))
        transaction.on_commit(lambda: _announce_standing(locked.pk, standing, member_ids))
    organization.standing, organization.standing_since = locked.standing, locked.standing_since
    return organization


# --- Applications ---------------------------------------------------------------


def _require_can_apply(user):
    if not permissions.can_apply(user):
        raise PermissionDenied(_("Verify your email address before applying."))


def apply_for_organization(
    *, applicant, name: str, kind: str, country: str = "", website: str = "", description: str = "", message: str = ""
) -> Application:
    _require_can_apply(applicant)
    with transaction.atomic():
        organization = create_organization(
            actor=applicant, name=name, kind=kind, country=country, website=website, description=description
        )
        application = Application.objects.create(
            applicant=applicant, organization=organization, kind=ApplicationKind.NEW_ORGANIZATION, message=message
        )
        record_audit(
            actor=applicant, action="application.submitted", organization=organization, target=organization.name
        )
    _notify_after_commit("application_submitted", application.pk)
    return application


def request_to_join(*, applicant, organization: Organization, message: str = "") -> Application:
    _require_can_apply(applicant)
    if not organization.is_participant:
        raise ValidationError(_("This organisation is not taking new members."))
    if Membership.objects.filter(user=applicant, organization=organization).exists():
        raise ValidationError(_("You are already a member of this organisation."))
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant, organization=organization, kind=ApplicationKind.JOIN, message=message
            )
            record_audit(
                actor=applicant,
                action="application.submitted",
                organization=organization,
                target=applicant.email,
                kind="join",
            )
    except IntegrityError:
        raise ValidationError(_("You already have a pending request for this organisation.")) from None
    _notify_after_commit("join_requested", application.pk)
    return application


def _decide(application: Application, *, actor, status: str, reason: str) -> Application:
    if not permissions.can_review_application(actor, application):
        raise PermissionDenied
    # Conditional update: a second click, or two reviewers at once, decide once.
    changed = Application.objects.filter(pk=application.pk, status=ApplicationStatus.PENDING).update(
        status=status, decision_reason=reason, decided_by=actor, decided_at=timezone.now()
    )
    if not changed:
        raise ValidationError(_("This application has already been decided."))
    application.refresh_from_db()
    return application


def approve_application(*, actor, application: Application, standing: str = Standing.SUPPORTER) -> Application:
    if standing not in (Standing.SUPPORTER, Standing.ENDORSES):
        raise ValidationError({"standing": _("Approve as a supporter or as endorsing the goals only.")})
    with transaction.atomic():
        application = _decide(application, actor=actor, status=ApplicationStatus.APPROVED, reason="")
        organization = application.organization
        if application.kind == ApplicationKind.NEW_ORGANIZATION:
            change_standing(actor=actor, organization=organization, standing=standing, reason=_("Application approved"))
            role = Role.ADMIN
        else:
            role = Role.MEMBER
        Membership.objects.get_or_create(user=application.applicant, organization=organization, defaults={"role": role})
        record_audit(
            actor=actor,
            action="application.approved",
            organization=organization,
            target=application.applicant.email,
            standing=standing,
            role=role,
        )
        record_audit(
            actor=actor,
            action="membership.created",
            organization=organization,
            target=application.applicant.email,
            role=role,
        )
    _notify_after_commit("application_decided", application.pk)
    return application


def reject_application(*, actor, application: Application, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason; the applicant will read it.")})
    with transaction.atomic():
        application = _decide(application, actor=actor, status=ApplicationStatus.REJECTED, reason=reason)
        if application.kind == ApplicationKind.NEW_ORGANIZATION:
            change_standing(
                actor=actor, organization=application.organization, standing=Standing.REJECTED, reason=reason
            )
        record_audit(
            actor=actor,
            action="application.rejected",
            organization=application.organization,
            target=application.applicant.email,
            reason=reason,
        )
    _notify_after_commit("application_decided", application.pk)
    return application


# --- Memberships and invitations --------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.Signer(salt=INVITATION_SALT).sign(str(invitation.pk))


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:invitation_accept", args=[invitation_token(invitation)])


def invite_member(*, actor, organization: Organization, email: str, role: str = Role.MEMBER) -> Invitation:
    if not permissions.can_manage_members(actor, organization):
        raise PermissionDenied
    if not organization.is_participant:
        raise ValidationError(_("Only supporters and endorsers can invite colleagues."))
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
        )
        record_audit(actor=actor, action="invitation.sent", organization=organization, target=email, role=role)
    _notify_after_commit("invitation", invitation.pk)
    return invitation


def get_invitation_from_token(token: str) -> Invitation:
    """The invitation a link names, or ValidationError: tampered, expired, used or revoked."""
    try:
        pk = int(signing.Signer(salt=INVITATION_SALT).unsign(token))
        invitation = Invitation.objects.select_related("organization").get(pk=pk)
    except (signing.BadSignature, ValueError, Invitation.DoesNotExist):
        raise ValidationError(_("This invitation link is not valid.")) from None
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation has been withdrawn."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    return invitation


def accept_invitation(*, user, token: str) -> Membership:
    invitation = get_invitation_from_token(token)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation was sent to another email address. Sign in as %(email)s to accept it.")
            % {"email": invitation.email}
        )
    with transaction.atomic():
        # Single use, even when the link is opened twice at once.
        used = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            accepted_at=timezone.now(), accepted_by=user
        )
        if not used:
            raise ValidationError(_("This invitation has already been used."))
        membership, created = Membership.objects.get_or_create(
            user=user, organization=invitation.organization, defaults={"role": invitation.role}
        )
        if created:
            record_audit(
                actor=user,
                action="membership.created",
                organization=invitation.organization,
                target=user.email,
                role=invitation.role,
                via="invitation",
            )
    permissions.forget_roles(user)
    return membership


def revoke_invitation(*, actor, invitation: Invitation) -> None:
    if not permissions.can_manage_members(actor, invitation.organization):
        raise PermissionDenied
    with transaction.atomic():
        changed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            record_audit(
                actor=actor, action="invitation.revoked", organization=invitation.organization, target=invitation.email
            )


def _lock_admins(organization_id) -> list[int]:
    return list(
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )


def change_role(*, actor, membership: Membership, role: str) -> Membership:
    if not permissions.can_manage_members(actor, membership.organization):
        raise PermissionDenied
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    with transaction.atomic():
        admins = _lock_admins(membership.organization_id)
        current = Membership.objects.select_for_update().get(pk=membership.pk)
        if current.role == role:
            return current
        if current.role == Role.ADMIN and admins == [current.pk]:
            raise ValidationError(_("An organisation needs at least one admin. Make someone else admin first."))
        previous = current.role
        current.role = role
        current.save(update_fields=["role"])
        record_audit(
            actor=actor,
            action="membership.role_changed",
            organization=current.organization,
            target=current.user.email,
            before=previous,
            after=role,
        )
        _announce_access_after_commit([current.user_id])
    permissions.forget_roles(current.user)
    return current


def remove_member(*, actor, membership: Membership) -> None:
    if not (permissions.can_manage_members(actor, membership.organization) or actor.pk == membership.user_id):
        raise PermissionDenied
    with transaction.atomic():
        admins = _lock_admins(membership.organization_id)
        if admins == [membership.pk]:
            raise ValidationError(_("An organisation needs at least one admin. Make someone else admin first."))
        deleted, _rows = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            record_audit(
                actor=actor,
                action="membership.removed",
                organization=membership.organization,
                target=membership.user.email,
                role=membership.role,
            )
            _announce_access_after_commit([membership.user_id])


# --- API tokens -------------------------------------------------------------------


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_token(*, user, name: str = "", by_operator: bool = False) -> tuple[ApiToken, str]:
    """Returns the token and its key. The key is not stored and cannot be shown again.
    `user` is the request's (its credential must have passed two-factor where the user must use
    it); `by_operator` is the create_api_token command's: the operator vouches, the device must exist."""
    name = (name or "").strip()[:100] or _("API token")
    if not user.is_active:
        raise ValidationError(_("This account is not active."))
    allowed = permissions.can_issue_api_token(user) if by_operator else permissions.can_create_api_token(user)
    if not allowed:
        raise PermissionDenied(_("Set up two-factor authentication before creating an API token."))
    key = "cp_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=hash_token_key(key))
        record_audit(actor=user, action="api_token.created", target=f"{user.email}: {name}", prefix=token.prefix)
    return token, key


def revoke_api_token(*, actor, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not permissions.is_secretariat(actor):
        raise PermissionDenied
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if changed:
            record_audit(
                actor=actor, action="api_token.revoked", target=f"{token.user.email}: {token.name}", prefix=token.prefix
            )
            # Room connections opened with this token close (incidents re-checks their credential).
            user_ids = [token.user_id]
            transaction.on_commit(lambda: signals.access_changed.send(sender=ApiToken, user_ids=user_ids), robust=True)
    token.refresh_from_db()
    return token


def authenticate_api_key(key: str) -> User | None:
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=hash_token_key(key), revoked_at__isnull=True)
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # throttled: not a write per request
    return token.user


# --- Accounts ---------------------------------------------------------------------


def set_user_language(*, user, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language the site offers.")})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


# --- Helpers ----------------------------------------------------------------------


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _announce_standing(organization_id: int, standing: str, member_ids: list[int]) -> None:
    signals.standing_changed.send(sender=Organization, organization_id=organization_id, standing=standing)
    signals.access_changed.send(sender=Organization, user_ids=member_ids)


def _announce_access_after_commit(user_ids: list[int]) -> None:
    transaction.on_commit(lambda: signals.access_changed.send(sender=Membership, user_ids=user_ids))


def _notify_after_commit(kind: str, object_id: int) -> None:
    from .tasks import send_registry_email_task

    transaction.on_commit(lambda: send_registry_email_task.delay(kind=kind, object_id=object_id))
