from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import HeldRoles, Organization


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class OrganizationIdentityProvider(HeldRoles):
    """An organisation's identity provider, OpenID Connect or SAML 2.0. allauth reads the
    SocialApp that portal.sso.services keeps in step with this row (provider_id = the
    organisation's slug). Its roles are the default roles of a membership created at first sign-in.
    For SAML, `issuer` holds the IdP's entity ID and the client fields stay empty."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="identity_provider")
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices, default=Protocol.OIDC)
    issuer = models.CharField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client ID"), max_length=200, blank=True)
    client_secret = models.CharField(_("client secret"), max_length=300, blank=True)
    # SAML: where the browser is sent to sign in (HTTP-Redirect binding), and the IdP's signing
    # certificate (PEM body) that every assertion must be signed with.
    saml_sso_url = models.URLField(_("SAML single sign-on URL"), max_length=300, blank=True)
    saml_certificate = models.TextField(_("SAML signing certificate"), blank=True)
    # Lower-case domains, without "@"; one organisation per domain (the service checks it).
    email_domains = models.JSONField(_("email domains"), default=list)
    allow_signup = models.BooleanField(_("new people join the organisation"), default=False)
    require_sso = models.BooleanField(_("members must sign in through it"), default=False)
    counts_as_second_factor = models.BooleanField(_("its sign-in counts as the second factor"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.organization} ({self.issuer})"

    @property
    def provider_id(self) -> str:
        return self.organization.slug
