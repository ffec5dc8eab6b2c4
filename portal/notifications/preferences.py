"""Digest preferences: reading them (with the default for users who never chose) and
changing them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Membership
from ..services.accounts import set_user_language
from . import registry
from .models import DigestFrequency, DigestPreference, DigestScope

MAX_TOPICS = 100


def default_preference(user, *, is_member: bool | None = None) -> DigestPreference:
    """Members get a weekly digest of the whole community (own organisation first) until
    they choose otherwise; everyone else gets none. `is_member`, when the caller read it already."""
    if is_member is None:
        is_member = Membership.objects.filter(user=user).exists()
    return DigestPreference(
        user=user,
        frequency=DigestFrequency.WEEKLY if is_member else DigestFrequency.OFF,
        scope=DigestScope.COMMUNITY,
        commitment_codes=[],
    )


def preference_for(user, *, is_member: bool | None = None) -> DigestPreference:
    """The saved preference, or the default (unsaved) one."""
    try:
        return user.digest_preference
    except DigestPreference.DoesNotExist:
        return default_preference(user, is_member=is_member)


def update_digest_preference(
    *, user, frequency: str, scope: str, commitment_codes: list[str] | None = None, language: str = ""
) -> DigestPreference:
    """Validates every field together; nothing is saved if one is wrong. `language`, when
    given, is the user's one language (pages, digests, alerts, reminders alike), saved on the
    account, not a digest setting of its own."""
    errors = {}
    if frequency not in DigestFrequency.values:
        errors["frequency"] = _("Choose how often you want a digest.")
    if scope not in DigestScope.values:
        errors["scope"] = _("Choose what your digest covers.")
    known = {code for code, _label in registry.topic_choices()}
    codes = list(dict.fromkeys(str(code).strip() for code in (commitment_codes or []) if str(code).strip()))
    unknown = [code for code in codes if code not in known]
    if unknown:
        errors["commitment_codes"] = _("Unknown commitments: %(codes)s") % {"codes": ", ".join(unknown[:10])}
    elif len(codes) > MAX_TOPICS:
        errors["commitment_codes"] = _("Choose at most %(n)d commitments.") % {"n": MAX_TOPICS}
    elif scope == DigestScope.COMMITMENTS and not codes:
        errors["commitment_codes"] = _("Choose at least one commitment to follow.")
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the site's languages.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        preference, _created = DigestPreference.objects.update_or_create(
            user=user,
            defaults={
                "frequency": frequency,
                "scope": scope,
                "commitment_codes": codes,
                "updated_at": timezone.now(),
            },
        )
        if language:
            set_user_language(user=user, language=language)
    return preference


def unsubscribe_from_digests(*, user) -> DigestPreference:
    """Turns digests off and keeps the rest of the choice, so switching back is one click."""
    with transaction.atomic():
        current = preference_for(user)
        preference, _created = DigestPreference.objects.update_or_create(
            user=user,
            defaults={
                "frequency": DigestFrequency.OFF,
                "scope": current.scope,
                "commitment_codes": current.commitment_codes,
                "updated_at": timezone.now(),
            },
        )
    return preference
