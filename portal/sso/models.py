from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import HeldRoles, Organization


class OrganizationIdentityProvider(HeldRoles):
    """An organisation's OpenID Connect provider. allauth reads the SocialApp that
    portal.sso.services keeps in step with this row (provider_id = the organisation's slug).
    Its roles are the default roles of a membership created at first sign-in."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="identity_provider")
    issuer = models.URLField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client ID"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=300)
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
