"""allauth's hooks for sign-in through an organisation's provider: which addresses a provider
may vouch for, and who may sign up through it."""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import addresses, selectors


def _config(sociallogin):
    return selectors.provider_by_id(sociallogin.provider.app.provider_id)


def _own_domain(config, email) -> bool:
    return config is not None and selectors.email_domain(email) in config.email_domains


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        # A provider speaks only for its organisation's domains: otherwise one organisation's
        # IdP could sign in as anyone's address.
        config = _config(sociallogin)
        emails = [address.email for address in sociallogin.email_addresses]
        if not emails or not all(_own_domain(config, email) for email in emails):
            messages.error(request, _("Your organisation's sign-in did not give an address in its own email domains."))
            raise ImmediateHttpResponse(redirect("account_login"))

    def can_authenticate_by_email(self, sociallogin, email) -> bool:
        # Turns allauth's email authentication on for the organisation's own domains alone. Only
        # verified addresses reach here (allauth trusts the `email_verified` claim alone).
        return _own_domain(_config(sociallogin), email)

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return _config(sociallogin) is not None

    def get_requests_session(self):
        # Every call to a provider (discovery, token, userinfo, keys) goes only to a public
        # address, or a host SSO_ALLOW_HOSTS names (portal/sso/addresses.py).
        return addresses.ProviderSession()
