"""SSRF guard for company-supplied webhook URLs (requirements.md E15).

https only (plain http only where configuration allows it, i.e. development); the host is
resolved and *every* address must be public: private, loopback, link-local (cloud metadata
at 169.254.169.254), CGNAT, multicast, reserved and unspecified ranges are refused, as are
IPv4-mapped IPv6 forms of them. Checked at registration and again right before each send
(DNS may have changed since: rebinding). Redirects are never followed by the sender.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Sequence[str]]


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; ``reason`` is a stable code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(
    url: str,
    *,
    allow_http: bool = False,
    allow_private: bool = False,
    resolver: Resolver = system_resolver,
) -> list[str]:
    """The resolved addresses of a safe URL, or ``UnsafeUrl``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("malformed_url") from None
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_http):
        raise UnsafeUrl("https_required")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeUrl("malformed_url")
    if parts.fragment:
        raise UnsafeUrl("malformed_url")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = list(resolver(parts.hostname, port))
    except (OSError, UnicodeError):
        raise UnsafeUrl("unresolvable_host") from None
    if not addresses:
        raise UnsafeUrl("unresolvable_host")
    if not allow_private:
        for address in addresses:
            try:
                public = _public(address)
            except ValueError:
                raise UnsafeUrl("unresolvable_host") from None
            if not public:
                raise UnsafeUrl("private_address")
    return addresses
