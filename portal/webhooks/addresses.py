"""Where a webhook may be sent: https only, and never to this machine or a private network
(unless WEBHOOKS_ALLOW_PRIVATE), so an endpoint cannot make the portal probe its own
infrastructure. Checked at registration and again before every send, on every address
the name resolves to; the send then connects to an address that passed the check."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from . import conf


class RefusedAddressError(ValueError):
    """The URL is malformed, not https, or its host resolves to an address we do not call."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    addresses: tuple[str, ...]


def _is_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an acceptable URL, or RefusedAddressError."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        raise RefusedAddressError(_("Enter a valid URL.")) from None
    allowed = ("https", "http") if conf.allow_private() else ("https",)
    if parts.scheme not in allowed:
        raise RefusedAddressError(_("The URL must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise RefusedAddressError(_("Enter a valid URL with a host name and no credentials."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str) -> Target:
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedAddressError(_("The host name %(host)s does not resolve.") % {"host": host}) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise RefusedAddressError(_("The host name %(host)s does not resolve.") % {"host": host})
    if not conf.allow_private() and any(_is_refused(address) for address in addresses):
        raise RefusedAddressError(
            _("%(host)s resolves to a private, loopback or otherwise reserved address; webhooks cannot go there.")
            % {"host": host}
        )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
