"""The fetch guard's rules: which URLs and addresses it refuses, FETCH_ALLOW_HOSTS (the
exceptions) and its typed errors. Kept apart from the network code (hub/fetch_guard.py) so
the rules read as a list and test without sockets.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


class FetchError(Exception):
    """A fetch that did not deliver: `code` is stable (kebab-case), `message` German."""

    def __init__(self, code: str, message: str, url: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url


class FetchRefused(FetchError):
    """The guard refused the URL or a redirect target before any byte was sent to it."""


class FetchFailed(FetchError):
    """The fetch was allowed but failed: network, deadline, size, malformed answer."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services answer with credentials; they stay refused even for an allowed host
# name, unless the address itself is listed. (AWS/GCP/OpenStack, AWS ECS, Alibaba, Azure, AWS v6.)
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"))
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_metadata(address: IPAddress) -> bool:
    """A cloud metadata address, also when carried inside an IPv6 address."""
    return address in METADATA or embedded_ipv4(address) in METADATA


def forbidden_reason(address: IPAddress) -> str | None:
    """Why the guard refuses `address` (German), or None for a public address."""
    if address in METADATA:
        return "Metadaten-Dienst einer Cloud"
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = forbidden_reason(inner)
        if reason is not None:
            return f"{reason}, eingebettet in IPv6"
    checks = (("is_unspecified", "nicht angegebene Adresse"), ("is_loopback", "Loopback"),
              ("is_link_local", "link-lokale Adresse"), ("is_multicast", "Multicast"),
              ("is_private", "privates Netz"), ("is_reserved", "reservierte Adresse"))
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if not address.is_global:  # e.g. 100.64.0.0/10 (carrier NAT), documentation ranges
        return "nicht öffentliche Adresse"
    return None


@dataclass(frozen=True)
class AllowList:
    """FETCH_ALLOW_HOSTS: host names (exact) and addresses or networks (CIDR) to allow."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    def allows(self, host: str, address: IPAddress) -> bool:
        """True when `address`, reached as `host`, may be fetched although not public."""
        if any(address in network for network in self.networks):
            return True
        # An allowed name never opens a metadata service: its DNS could point anywhere.
        return not is_metadata(address) and host.lower().rstrip(".") in self.names

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)


def parse_allow_hosts(value: str | Iterable[str] | None) -> AllowList:
    """An AllowList from "a.example, 10.0.0.0/8 ::1" (commas or blanks) or a list of entries.

    Raises ValueError (German) for an entry that is neither a host name nor an address/network.
    """
    if value is None:
        return AllowList()
    entries = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip().strip("[]").lower().rstrip(".")
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        if "/" in entry or ":" in entry or not all(c.isalnum() or c in ".-" for c in entry):
            raise ValueError(f"FETCH_ALLOW_HOSTS: „{raw}“ ist weder Hostname noch IP-Adresse "
                             "oder Netz (z. B. intranet.kreis.de, 10.1.2.3, 10.0.0.0/8).")
        names.add(entry.encode("idna").decode("ascii"))
    return AllowList(frozenset(names), tuple(networks))


@dataclass(frozen=True)
class Target:
    """A checked URL: scheme, host (lower case, IDNA, no brackets), port, request path."""

    url: str
    scheme: str
    host: str
    port: int
    path: str


def check_url(url: str) -> Target:
    """Parse `url` and refuse what is never fetched: other schemes, credentials in the URL,
    no host, odd IPv4 spellings (2130706433, 0x7f.1, 0177.0.0.1) that hide an address."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchRefused("url-invalid", f"„{url}“ ist keine gültige Adresse.", url) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(
            "scheme-not-allowed",
            f"„{url}“: nur http- und https-Adressen werden abgerufen, nicht „{scheme or '(ohne)'}“.",
            url)
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials-in-url",
                           f"„{url}“: Zugangsdaten in der Adresse werden nicht verwendet.", url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchRefused("host-missing", f"„{url}“ nennt keinen Server.", url)
    if not is_ip_literal(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchRefused("url-invalid", f"„{url}“: ungültiger Servername.", url) from None
        if _is_odd_ipv4(host):
            raise FetchRefused(
                "ip-notation",
                f"„{url}“: IP-Adressen nur in der üblichen Schreibweise (z. B. 192.0.2.1), "
                "nicht als Zahl, hexadezimal oder oktal.", url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if any(ord(c) <= 32 or ord(c) == 127 for c in path):
        raise FetchRefused("url-invalid",
                           f"„{url}“ enthält Leer- oder Steuerzeichen; bitte kodieren (%20).", url)
    # The request line is ASCII: non-ASCII path characters go out percent-encoded (UTF-8).
    path = quote(path, safe="".join(chr(i) for i in range(33, 127)))
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80), path)


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_odd_ipv4(host: str) -> bool:
    """True for names the C resolver would read as an IPv4 address in a non-dotted-quad form."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True
