from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # A new account keeps the language it signed up in, for its emails.
        user.language = translation.get_language() or ""
        if user.language not in ("en", "fr", "ar"):
            user.language = ""
        return super().save_user(request, user, form, commit=commit)

    def login(self, request, user):
        # The rest of this request (the "Successfully signed in" message above all) speaks the
        # user's saved language, as every later page will; the middleware chose it while the
        # visitor was still anonymous.
        super().login(request, user)
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
