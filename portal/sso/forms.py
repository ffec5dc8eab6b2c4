from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import RolesField


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
