"""Where a webhook may be sent: https only, and never to this machine or a private network
(unless WEBHOOKS_ALLOW_PRIVATE), so an endpoint cannot make the portal probe its own
infrastructure. An IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4,
Teredo) is judged by that IPv4 address too. Checked at registration and again before every
send, on every address the name resolves to; the send then connects to an address that
passed the check, so a name that changes its answer between the two cannot slip past."""

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


# 6to4 and Teredo relays, and local-use NAT64 (RFC 8215, where the operator chooses where the
# IPv4 address sits), forward to a destination that cannot be read back or that a relay we do not
# know chooses: refused whatever they carry.
_OPAQUE_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("2002::/16", "2001::/32", "64:ff9b:1::/48"))
# NAT64's well-known prefix (RFC 6052) and the old IPv4-compatible form carry the IPv4 address in
# the low 32 bits. Both lie in ::/8, which ipaddress counts as reserved, so they stay refused even
# when that IPv4 address is public; the check below names the address when it is not.
_LOW_32_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::/96"))


def _is_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a relay or translator would send traffic for this address to."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in network for network in _LOW_32_NETWORKS):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [ipv4 for ipv4 in found if ipv4 is not None]


def refusal(host: str, address: str) -> str | None:
    """Why the portal does not call this resolved address, or None when it may (push_endpoints.py
    asks it too)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and not (ip.is_loopback or ip.is_unspecified):
        for ipv4 in _embedded_ipv4(ip):
            if _is_refused(ipv4):
                return _(
                    "%(host)s resolves to %(address)s, which leads to %(ipv4)s, a private, loopback or otherwise "
                    "reserved address; webhooks cannot go there."
                ) % {"host": host, "address": address, "ipv4": ipv4}
        if any(ip in network for network in _OPAQUE_NETWORKS):
            return _(
                "%(host)s resolves to %(address)s, a 6to4, Teredo or local NAT64 address whose destination "
                "the portal cannot check; webhooks cannot go there."
            ) % {"host": host, "address": address}
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    if _is_refused(ip):
        return _(
            "%(host)s resolves to a private, loopback or otherwise reserved address; webhooks cannot go there."
        ) % {"host": host}
    return None


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


def addresses_of(host: str, port: int) -> tuple[str, ...]:
    """Every address `host` resolves to, each once, in the resolver's order; () when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return ()
    return tuple(dict.fromkeys(info[4][0] for info in infos))


def first_refused(host: str, addresses: tuple[str, ...]) -> str | None:
    """The first of `addresses` the portal must not call (private, loopback, reserved...), if any."""
    return next((address for address in addresses if refusal(host, address)), None)


def resolve(url: str) -> Target:
    scheme, host, port, path = parse(url)
    addresses = addresses_of(host, port)
    if not addresses:
        raise RefusedAddressError(_("The host name %(host)s does not resolve.") % {"host": host})
    if not conf.allow_private() and (refused := first_refused(host, addresses)):
        raise RefusedAddressError(refusal(host, refused))
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
