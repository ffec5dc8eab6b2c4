from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class UserLocaleMiddleware(LocaleMiddleware):
    """The language follows the signed-in user's saved preference, then the
    cookie set by the switcher, then the browser's Accept-Language.
    Runs after AuthenticationMiddleware so that it can read the user."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
