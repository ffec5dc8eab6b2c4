from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils import translation
from django.utils.translation import gettext as _

from .sso import selectors as sso_selectors


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # A new account keeps the language it signed up in, for its emails.
        user.language = translation.get_language() or ""
        if user.language not in ("en", "fr", "ar"):
            user.language = ""
        return super().save_user(request, user, form, commit=commit)

    def pre_authenticate(self, request, **credentials):
        # An organisation that requires single sign-on: no password sign-in for its domains,
        # whether or not the password is right (checked before it is, so nothing is guessed).
        config = sso_selectors.provider_requiring_sso(credentials.get("email"))
        if config is not None:
            raise forms.ValidationError(
                _("%(organization)s signs its people in through its own provider: sign in with your organisation.")
                % {"organization": config.organization.name}
            )
        super().pre_authenticate(request, **credentials)

    def get_login_stages(self) -> list[str]:
        # allauth's two-factor step, except after a sign-in through an organisation's provider
        # that the organisation counts as the second factor (portal/sso/stages.py).
        return [
            "portal.sso.stages.SecondFactorStage" if stage == "allauth.mfa.stages.AuthenticateStage" else stage
            for stage in super().get_login_stages()
        ]

    def login(self, request, user):
        # The rest of this request (the "Successfully signed in" message above all) speaks the
        # user's saved language, as every later page will; the middleware chose it while the
        # visitor was still anonymous.
        super().login(request, user)
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
