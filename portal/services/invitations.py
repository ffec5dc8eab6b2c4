"""Invitations by email: an organisation's admin invites a colleague, who accepts through
a signed, single-use link that expires after INVITATION_MAX_AGE_DAYS, or the admin
withdraws it. The invitation email is queued after the invitation commits."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import emails, permissions
from ..models import Invitation, Membership, Organization, Role
from ..notifications import inbox
from ..roles import clean_roles
from ..selectors import active_user_by_email
from .audit import record_audit

INVITATION_SALT = "portal.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.Signer(salt=INVITATION_SALT).sign(str(invitation.pk))


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:invitation_accept", args=[invitation_token(invitation)])


def invite_member(*, actor, organization: Organization, email: str, roles: list[str] = (Role.MEMBER,)) -> Invitation:
    if not permissions.can_manage_members(actor, organization):
        raise PermissionDenied
    if not organization.is_participant:
        raise ValidationError(_("Only supporters and endorsers can invite colleagues."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    roles = clean_roles(roles)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            roles=roles,
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
        )
        record_audit(actor=actor, action="invitation.sent", organization=organization, target=email, roles=roles)
    emails.queue_registry_email(kind="invitation", object_id=invitation.pk)
    _notify_invitee(invitation)
    return invitation


def _notify_invitee(invitation: Invitation) -> None:
    """Someone who already has an account hears of it in their notification centre too."""
    invitee = active_user_by_email(invitation.email)
    if invitee is not None:
        inbox.notify(
            recipients=[invitee],
            kind="invitation",
            key=f"invitation:{invitation.pk}",
            message=gettext_noop("You are invited to join %(organization)s."),
            params={"organization": invitation.organization.name},
            url=reverse("portal:invitation_accept", args=[invitation_token(invitation)]),
        )


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
            user=user, organization=invitation.organization, defaults={"roles": invitation.roles}
        )
        if created:
            record_audit(
                actor=user,
                action="membership.created",
                organization=invitation.organization,
                target=user.email,
                roles=invitation.roles,
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
