"""Which addresses the fetch guard refuses, and FETCH_ALLOW_HOSTS, the exceptions to it.

Kept apart from the network code so the rules read as a list and test without sockets.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

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

    def allows(self, host: str, address: IPAddress, reason: str | None = None) -> bool:
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
