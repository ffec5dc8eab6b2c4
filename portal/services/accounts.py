"""A user's own account settings."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import User


def set_user_language(*, user, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language the site offers.")})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
