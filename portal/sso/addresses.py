"""Where the server may call an organisation's identity provider.

An admin chooses the issuer, and the issuer's discovery document chooses the token, userinfo and
keys endpoints: every one of them is a URL the server itself requests. Unchecked, an admin (or a
provider) could make the portal call its own infrastructure (SSRF: a cloud metadata address, a
database port on the private network). So, with the rules webhooks and Web Push already follow
(webhooks/addresses.py): https only, and never a host that resolves to a private, loopback,
link-local or otherwise reserved address. Checked when the admin saves the issuer, and again on
every request allauth makes to the provider (ProviderSession), which then connects to the address
that passed (push_endpoints.PinnedAdapter), with no proxy and no redirect, so a DNS answer that
changes in between cannot reach an internal address.

SSO_ALLOW_HOSTS names hosts exempt from both rules (http, local addresses): a provider on this
machine in development, and the test suite's own provider. Never a public deployment's need."""

import logging
from urllib.parse import urlsplit

import requests
from allauth.socialaccount import app_settings as socialaccount_settings
from django.conf import settings
from django.utils.translation import gettext as _

from ..notifications import push_endpoints
from ..webhooks import addresses

logger = logging.getLogger(__name__)


class RefusedProviderAddressError(requests.exceptions.ConnectionError):
    """The provider's URL is malformed, not https, or resolves to an address the portal does not
    call. A ConnectionError, so allauth's callback treats it as the provider being unreachable."""


def allowed_hosts() -> set[str]:
    return {str(host).lower() for host in getattr(settings, "SSO_ALLOW_HOSTS", ())}


def check(url: str, *, unresolved_ok: bool = False) -> addresses.Target | None:
    """The URL's target with the addresses its host resolves to now, or RefusedProviderAddressError.
    With `unresolved_ok`, a host that does not resolve (yet) gives None instead: an admin may
    register the provider before its name is published; every request checks again."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        raise RefusedProviderAddressError(_("Enter the provider's https address (its issuer).")) from None
    host = (parts.hostname or "").lower()
    exempt = host in allowed_hosts()
    if not host or parts.username or parts.password:
        raise RefusedProviderAddressError(_("Enter the provider's https address (its issuer)."))
    if parts.scheme != "https" and not (exempt and parts.scheme == "http"):
        raise RefusedProviderAddressError(_("Enter the provider's https address (its issuer)."))
    default_port = 443 if parts.scheme == "https" else 80
    found = addresses.addresses_of(host, port or default_port)
    if not found:
        if unresolved_ok:
            return None
        raise RefusedProviderAddressError(_("The host name %(host)s does not resolve.") % {"host": host})
    if not exempt and (address := addresses.first_refused(host, found)):
        raise RefusedProviderAddressError(
            _(
                "%(host)s resolves to %(address)s, a private, loopback, link-local or reserved address: "
                "the portal does not call an identity provider there."
            )
            % {"host": host, "address": address}
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return addresses.Target(scheme=parts.scheme, host=host, port=port or default_port, path=path, addresses=found)


class ProviderSession(requests.Session):
    """The session allauth calls every provider with (SocialAccountAdapter.get_requests_session):
    each request checked, then sent to the checked address, with allauth's timeout."""

    def __init__(self):
        super().__init__()
        self.trust_env = False

    def request(self, method, url, **kwargs):
        try:
            target = check(url)
        except RefusedProviderAddressError as refused:
            logger.warning("single sign-on: %s refused: %s", str(url)[:300], refused)
            raise
        kwargs.setdefault("timeout", socialaccount_settings.REQUESTS_TIMEOUT)
        with push_endpoints.pinned_session(target) as pinned:
            return pinned.request(method, url, **kwargs)
