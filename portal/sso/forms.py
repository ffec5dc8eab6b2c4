from allauth.account.forms import ResetPasswordForm
from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import RolesField
from . import selectors
from .models import Protocol

COMMON_FIELDS = ("email_domains", "allow_signup", "default_roles", "require_sso", "counts_as_second_factor")


class IdentityProviderForm(forms.Form):
    """Both protocols on one form: the fields of the one chosen are passed on, and the services
    (portal.sso.services) say which of them are missing or wrong."""

    protocol = forms.ChoiceField(
        label=_("Protocol"), choices=Protocol.choices, initial=Protocol.OIDC, required=False, widget=forms.RadioSelect
    )
    issuer = forms.URLField(
        label=_("Issuer"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_(
            "OpenID Connect: the provider's address; its discovery document is at /.well-known/openid-configuration."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=200, required=False)
    # Never shown back: left empty, the stored secret is kept.
    client_secret = forms.CharField(
        label=_("Client secret"), max_length=300, required=False, widget=forms.PasswordInput(render_value=False)
    )
    entity_id = forms.CharField(label=_("SAML: the identity provider's entity ID"), max_length=300, required=False)
    sso_url = forms.URLField(
        label=_("SAML: its single sign-on URL"), max_length=300, required=False, assume_scheme="https"
    )
    certificate = forms.CharField(
        label=_("SAML: its signing certificate (PEM)"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
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

    def service_arguments(self) -> tuple[str, dict]:
        """The protocol chosen, and the arguments of its service."""
        data = self.cleaned_data
        protocol = data.get("protocol") or Protocol.OIDC  # left out: OpenID Connect, as before SAML
        saml = protocol == Protocol.SAML
        own = ("entity_id", "sso_url", "certificate") if saml else ("issuer", "client_id", "client_secret")
        return protocol, {name: data[name] for name in (*own, *COMMON_FIELDS)}


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
