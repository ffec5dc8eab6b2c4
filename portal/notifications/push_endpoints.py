"""Where a Web Push message may go, and a connection that goes only there.

A subscription's endpoint is a URL a browser gave us, and the worker POSTs to it: unchecked, it
would let anyone make the portal call its own infrastructure (SSRF). So, as for webhooks
(webhooks/addresses.py, whose address rules this reuses): https only, and never an address that
is private, loopback, link-local or otherwise reserved, on any address the name resolves to;
checked when a browser subscribes and again before every send. The send then connects to the
address that passed the check (the URL's host still named in SNI, the certificate check and the
Host header), with no proxy and no redirect, so a DNS answer that changes between the check and
the connection (rebinding) cannot reach an internal address.

WEB_PUSH_ALLOW_HOSTS names hosts exempt from both rules (http, local addresses): for tests and
development, where a local receiver plays the push service. Never set it in production."""

import ipaddress
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

from ..webhooks import addresses


class RefusedEndpointError(ValueError):
    """The endpoint is malformed, not https, or resolves to an address the portal does not call."""


def allowed_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "WEB_PUSH_ALLOW_HOSTS", ())}


def check(endpoint: str) -> addresses.Target:
    """The endpoint's target with the addresses it resolves to now, or RefusedEndpointError."""
    try:
        parts = urlsplit(str(endpoint).strip())
        port = parts.port
    except ValueError:
        raise RefusedEndpointError(_("Enter a valid URL.")) from None
    host = (parts.hostname or "").lower()
    exempt = host in allowed_hosts()
    if not host or parts.username or parts.password:
        raise RefusedEndpointError(_("Enter a valid URL with a host name and no credentials."))
    if parts.scheme != "https" and not (exempt and parts.scheme == "http"):
        raise RefusedEndpointError(_("A push endpoint must start with https://."))
    found = addresses.addresses_of(host, port or 443)
    if not found:
        raise RefusedEndpointError(_("The host name %(host)s does not resolve.") % {"host": host})
    if not exempt and (address := addresses.first_refused(host, found)):
        raise RefusedEndpointError(
            _(
                "The push endpoint %(host)s resolves to %(address)s, a private, loopback, link-local or "
                "reserved address; the portal sends nothing there."
            )
            % {"host": host, "address": address}
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    return addresses.Target(scheme=parts.scheme, host=host, port=port or default_port, path=path, addresses=found)


class PinnedAdapter(HTTPAdapter):
    """Connects every request to the target's first checked address. TLS still verifies the
    certificate for, and sends SNI with, the URL's host; the Host header names it too. A request
    for any other origin (nothing but a redirect could make one) is refused."""

    def __init__(self, target: addresses.Target):
        self.target = target
        super().__init__(max_retries=0)

    def _address(self) -> str:
        address = self.target.addresses[0].split("%", 1)[0]
        return f"[{address}]" if ipaddress.ip_address(address).version == 6 else address

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        parts = urlsplit(request.url)
        default_port = 443 if parts.scheme == "https" else 80
        if (parts.scheme, (parts.hostname or "").lower(), parts.port or default_port) != (
            self.target.scheme,
            self.target.host,
            self.target.port,
        ):
            raise RefusedEndpointError(f"{request.url} is not the checked push endpoint")
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = self._address()
        if parts.scheme == "https":
            pool_kwargs |= {"server_hostname": self.target.host, "assert_hostname": self.target.host}
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def send(self, request, **kwargs):
        default_port = 443 if self.target.scheme == "https" else 80
        port = "" if self.target.port == default_port else f":{self.target.port}"
        host = f"[{self.target.host}]" if ":" in self.target.host else self.target.host
        request.headers["Host"] = f"{host}{port}"
        return super().send(request, **kwargs)


class _PinnedSession(requests.Session):
    def request(self, method, url, **kwargs):
        kwargs["allow_redirects"] = False  # a 3xx is the push service's answer, never a new target
        return super().request(method, url, **kwargs)


def pinned_session(target: addresses.Target) -> requests.Session:
    session = _PinnedSession()
    session.trust_env = False  # no proxy from the environment: the connection goes where we checked
    adapter = PinnedAdapter(target)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
