from allauth.account.forms import ResetPasswordForm
from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import RolesField
from . import selectors


class IdentityProviderForm(forms.Form):
    issuer = forms.URLField(
        label=_("Issuer"),
        max_length=300,
        assume_scheme="https",
        help_text=_("The provider's address; its discovery document is at /.well-known/openid-configuration."),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=200)
    # Never shown back: left empty, the stored secret is kept.
    client_secret = forms.CharField(
        label=_("Client secret"), max_length=300, required=False, widget=forms.PasswordInput(render_value=False)
    )
    email_domains = forms.CharField(
        label=_("Email domains"), max_length=2000, help_text=_("One or more, separated by spaces or commas.")
    )
    allow_signup = forms.BooleanField(label=_("New people who sign in join this organisation"), required=False)
    default_roles = RolesField(label=_("with the roles"))
    require_sso = forms.BooleanField(label=_("Refuse password sign-in for these domains"), required=False)
    counts_as_second_factor = forms.BooleanField(
        label=_("A sign-in through this provider counts as the second factor"), required=False
    )


class OrganizationSignInForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class PasswordResetForm(ResetPasswordForm):
    """allauth's password reset, refused for an address of an organisation that requires single
    sign-on: its provider looks after the password, and a portal password would open nothing.
    Decided by the domain alone, so it says nothing about whether the account exists."""

    def clean_email(self):
        email = super().clean_email()
        config = selectors.provider_requiring_sso(email)
        if config is not None:
            self.organization_sign_in = config.organization
            raise forms.ValidationError(
                _(
                    "%(organization)s signs its people in through its own provider, which looks after their "
                    "passwords: no email is sent. Use “Sign in with your organisation” instead."
                )
                % {"organization": config.organization.name}
            )
        return email
