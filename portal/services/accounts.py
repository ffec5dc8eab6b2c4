"""A user's own account settings."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..contacts.choices import is_time_zone
from ..models import Membership, Role, User
from ..roles import holding
from .audit import record_audit

PROFILE_FIELDS = ("full_name", "pronouns", "job_title", "time_zone")


def set_user_language(*, user, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language the site offers.")})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def update_profile(
    *, user, full_name: str, pronouns: str = "", job_title: str = "", time_zone: str | None = None
) -> list[str]:
    """Sets how the user is shown to others (display name, pronouns, job title) and the time
    zone their pages show times in ("" for automatic, None to keep it), and returns the fields
    that changed. Audited: the name others see in rooms and annotations is theirs to choose,
    and the log says when it changed."""
    values = {"full_name": full_name.strip(), "pronouns": pronouns.strip(), "job_title": job_title.strip()}
    values["time_zone"] = user.time_zone if time_zone is None else str(time_zone).strip()
    if not values["full_name"]:
        raise ValidationError({"full_name": _("Enter the name to show to other people.")})
    if values["time_zone"] and not is_time_zone(values["time_zone"]):
        raise ValidationError({"time_zone": _("Choose a time zone from the list, such as Europe/Paris.")})
    for field, value in values.items():
        limit = User._meta.get_field(field).max_length
        if len(value) > limit:
            raise ValidationError({field: _("Use at most %(limit)d characters.") % {"limit": limit}})
    changed = [field for field in PROFILE_FIELDS if getattr(user, field) != values[field]]
    if not changed:
        return []
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**values)
        record_audit(actor=user, action="account.profile_updated", target=f"user #{user.pk}", fields=changed)
    for field, value in values.items():
        setattr(user, field, value)
    return changed


def delete_account(*, user, confirm_email: str) -> None:
    """Deletes the person's account (#14 data rights). Refused while they are the only admin of an
    organisation with other members (it would be left with nobody to manage it). What others rely
    on stays, without them: room items keep their organisation, progress updates and audit events
    keep their place (the log says "deleted user #N")."""
    if str(confirm_email or "").strip().lower() != user.email.lower():
        raise ValidationError({"confirm_email": _("Type your email address to confirm.")})
    sole = [
        m.organization.name
        for m in Membership.objects.filter(holding(Role.ADMIN), user=user).select_related("organization")
        if not Membership.objects.filter(holding(Role.ADMIN), organization=m.organization).exclude(user=user).exists()
        and Membership.objects.filter(organization=m.organization).exclude(user=user).exists()
    ]
    if sole:
        raise ValidationError(
            _("You are the only admin of %(names)s: make someone else admin first.") % {"names": ", ".join(sole)}
        )
    with transaction.atomic():
        ref = user.pk
        record_audit(actor=user, action="account.deleted", target=f"user #{ref}")
        User.objects.filter(pk=ref).delete()
