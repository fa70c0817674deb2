"""Where Vigil may connect to: one policy per purpose (cameras, webhooks), checked on every address a host
resolves to, right before connecting, so a name cannot hide an internal address.

The policy itself is pure (`OutboundPolicy.refusal`); `resolve_and_check` adds the one I/O step, a
resolver (the system's `getaddrinfo`, or a test's), and is called off the event loop. Callers connect to
the address they checked (`pinned_netloc`), not to the name again, so a second DNS answer cannot differ.

Order of the checks for one address: the administrator's deny list, this server's own port on a local
address, the purpose's allow list, then the purpose's default refusals.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""(host, port) → the addresses (as text) a connection to host would try."""


class OutboundRefusedError(ValueError):
    """The target is, or resolves to, an address this purpose may not reach."""

    def __init__(self, purpose: str, host: str, reason: str) -> None:
        super().__init__(f"{purpose} may not connect to {host}: {reason}")
        self.purpose = purpose
        self.host = host
        self.reason = reason


class UnresolvableHostError(OSError):
    """The host name does not resolve (or the resolver failed)."""


@dataclass(frozen=True, slots=True)
class Rule:
    network: IPNetwork
    reason: str


def _rules(reason: str, *networks: str) -> tuple[Rule, ...]:
    return tuple(Rule(ipaddress.ip_network(network), reason) for network in networks)


LINK_LOCAL = "a link-local address (where cloud metadata services answer)"
# Refused to every purpose unless an allow list names them.
NEVER: tuple[Rule, ...] = (
    *_rules("this host (0.0.0.0/8, the unspecified address)", "0.0.0.0/8", "::/128"),
    *_rules(LINK_LOCAL, "169.254.0.0/16", "fe80::/10"),
    *_rules("a cloud metadata address", "100.100.100.200/32", "fd00:ec2::254/128"),
    *_rules("a multicast address", "224.0.0.0/4", "ff00::/8"),
    *_rules("a reserved or broadcast address", "240.0.0.0/4"),
)
# Refused to webhooks unless allowed: whatever is not the public internet.
NOT_PUBLIC: tuple[Rule, ...] = (
    *_rules("a loopback address", "127.0.0.0/8", "::1/128"),
    *_rules("a private network address", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
    *_rules("a shared (carrier-grade NAT) address", "100.64.0.0/10"),
)
SPECIAL = "a special-purpose address (not on the public internet)"
OWN_PORT = "this server's own port"
DENIED = "an address denied by VIGIL_OUTBOUND_DENY"
NAT64 = ipaddress.ip_network("64:ff9b::/96")

_AtonPart = re.compile(r"^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$", re.IGNORECASE)


def parse_networks(text: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """`"10.0.0.0/8, 127.0.0.1"` → networks (a bare address is a /32 or /128). Raises ValueError."""
    items = text.split(",") if isinstance(text, str) else list(text)
    networks: list[IPNetwork] = []
    for item in (part.strip() for part in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"{item!r} is not a network (write it as 10.0.0.0/8 or fd00::/8)") from error
    return tuple(networks)


def numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host names, in every spelling the C library accepts: `127.1`,
    `0x7f000001`, `2130706433`, `0177.0.0.1`, `[::1]`, `::ffff:127.0.0.1`. None for a name."""
    text = host.strip("[]")
    try:
        return canonical(ipaddress.ip_address(text))
    except ValueError:
        pass
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_AtonPart.match(part) for part in parts):
        return None
    values = [int(part, 16) if part[:2].lower() == "0x" else int(part, 8 if part.startswith("0") else 10)
              for part in parts]  # fmt: skip
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (4 - len(leading)):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def canonical(address: IPAddress) -> IPAddress:
    """IPv4-mapped IPv6 (`::ffff:127.0.0.1`) as the IPv4 address it is; no IPv6 scope."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return ipaddress.IPv6Address(int(address))
    return address


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """IPv4 addresses an IPv6 address carries (6to4, Teredo, NAT64): each is checked as well."""
    if not isinstance(address, ipaddress.IPv6Address):
        return ()
    found: list[ipaddress.IPv4Address] = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return tuple(found)


def is_local(address: IPAddress, local_addresses: frozenset[IPAddress]) -> bool:
    """An address of this machine: loopback, unspecified (0.0.0.0 reaches this host) or an interface's."""
    return (
        address.is_loopback
        or address.is_unspecified
        or address in ipaddress.ip_network("0.0.0.0/8")
        or address in local_addresses
    )


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    purpose: str
    refused: tuple[Rule, ...]
    refuse_non_global: bool = False
    allowed: tuple[IPNetwork, ...] = ()
    denied: tuple[IPNetwork, ...] = ()
    own_ports: frozenset[int] = frozenset()
    local_addresses: frozenset[IPAddress] = frozenset()
    allow_setting: str = ""

    def refusal(self, address: IPAddress, port: int | None = None) -> str | None:
        """Why `address:port` may not be reached for this purpose, or None when it may."""
        first = canonical(address)
        for candidate in (first, *embedded_ipv4(first)):
            reason = self._refusal(candidate, port)
            if reason is not None:
                return reason
        return None

    def _refusal(self, address: IPAddress, port: int | None) -> str | None:
        if any(address in network for network in self.denied):
            return DENIED
        if port is not None and port in self.own_ports and is_local(address, self.local_addresses):
            return OWN_PORT
        if any(address in network for network in self.allowed):
            return None
        for rule in self.refused:
            if address in rule.network:
                return rule.reason
        if self.refuse_non_global and not address.is_global:
            return SPECIAL
        return None

    def check_literal(self, host: str, port: int | None) -> None:
        """Refuse a host that names a refused address without DNS (a numeric host or `localhost`).
        Raises `OutboundRefusedError`; a name that needs DNS passes (it is checked when connecting)."""
        for address in literal_addresses(host):
            reason = self.refusal(address, port)
            if reason is not None:
                raise OutboundRefusedError(self.purpose, host, self._advice(reason))

    def check_addresses(self, host: str, port: int | None, addresses: Iterable[IPAddress]) -> None:
        for address in addresses:
            reason = self.refusal(address, port)
            if reason is not None:
                raise OutboundRefusedError(self.purpose, host, self._advice(reason))

    def _advice(self, reason: str) -> str:
        if self.allow_setting and reason not in (OWN_PORT, DENIED):
            return f"{reason} (an administrator may allow it with {self.allow_setting})"
        return reason


def literal_addresses(host: str) -> tuple[IPAddress, ...]:
    """The addresses a host names without DNS: a numeric host, or `localhost` (RFC 6761)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return (ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1"))
    address = numeric_host(host)
    return () if address is None else (address,)


def system_resolver(host: str, port: int) -> list[str]:
    """What the C library (and so FFmpeg, httpx) would connect to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve_and_check(
    policy: OutboundPolicy, host: str, port: int, resolver: Resolver = system_resolver
) -> tuple[IPAddress, ...]:
    """Every address `host` resolves to, each allowed by `policy` (blocking: call it in a thread).
    Raises `OutboundRefusedError` if any is refused, `UnresolvableHostError` if none is found."""
    policy.check_literal(host, port)
    try:
        answers = resolver(host.strip("[]"), port)
    except (OSError, UnicodeError) as error:
        raise UnresolvableHostError(f"cannot resolve {host}") from error
    addresses: list[IPAddress] = []
    for text in answers:
        try:
            address = canonical(ipaddress.ip_address(text))
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHostError(f"cannot resolve {host}")
    policy.check_addresses(host, port, addresses)
    return tuple(addresses)


def pinned_host(address: IPAddress) -> str:
    """The address as a URL's host: IPv6 in brackets."""
    return f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)


@dataclass(frozen=True, slots=True)
class PinnedUrl:
    """An http(s) URL whose host was resolved and checked: `url` names the checked address; the name it
    had goes in the `Host` header and, for a name (not a literal address), in TLS's server name."""

    url: str
    host_header: str
    sni_hostname: str | None


def pin_http_url(url: str, policy: OutboundPolicy, resolver: Resolver) -> PinnedUrl:
    """Resolve the URL's host and check every address (blocking: call it in a thread), then point the URL
    at the first one, so that a second DNS answer cannot differ. Raises `OutboundRefusedError` or
    `UnresolvableHostError`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve_and_check(policy, host, port, resolver)
    userinfo, at, host_header = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{pinned_host(addresses[0])}" + (f":{parts.port}" if parts.port else "")
    sni = None if numeric_host(host) is not None else host
    return PinnedUrl(urlunsplit(parts._replace(netloc=netloc)), host_header, sni)


@cache
def local_interface_addresses() -> frozenset[IPAddress]:
    """This machine's own addresses (Linux: /proc); empty where they cannot be read."""
    found: set[IPAddress] = set()
    try:
        lines = Path("/proc/net/fib_trie").read_text().splitlines()
    except OSError:
        lines = []
    for previous, line in itertools.pairwise(lines):
        if "/32 host LOCAL" in line:
            candidate = previous.strip().lstrip("|-+ ").strip()
            try:
                found.add(ipaddress.IPv4Address(candidate))
            except ValueError:
                continue
    try:
        for row in Path("/proc/net/if_inet6").read_text().splitlines():
            hexa = row.split()[0]
            found.add(ipaddress.IPv6Address(int(hexa, 16)))
    except (OSError, IndexError, ValueError):
        pass
    return frozenset(found)


def camera_policy(
    allowed: Sequence[IPNetwork] = (),
    denied: Sequence[IPNetwork] = (),
    own_ports: Iterable[int] = (),
    local_addresses: frozenset[IPAddress] | None = None,
) -> OutboundPolicy:
    """Cameras live on private networks and on this machine (a local restreamer), so those are allowed;
    link-local and metadata addresses, 0.0.0.0 and this server's own port are not."""
    return OutboundPolicy(
        purpose="cameras",
        refused=NEVER,
        allowed=tuple(allowed),
        denied=tuple(denied),
        own_ports=frozenset(own_ports),
        local_addresses=local_interface_addresses() if local_addresses is None else local_addresses,
        allow_setting="VIGIL_OUTBOUND_ALLOW_CAMERAS",
    )


def webhook_policy(
    allowed: Sequence[IPNetwork] = (),
    denied: Sequence[IPNetwork] = (),
    own_ports: Iterable[int] = (),
    local_addresses: frozenset[IPAddress] | None = None,
) -> OutboundPolicy:
    """Webhooks go to the public internet: loopback, private, link-local and every other special-purpose
    address is refused unless an allow list names it."""
    return OutboundPolicy(
        purpose="webhooks",
        refused=(*NEVER, *NOT_PUBLIC),
        refuse_non_global=True,
        allowed=tuple(allowed),
        denied=tuple(denied),
        own_ports=frozenset(own_ports),
        local_addresses=local_interface_addresses() if local_addresses is None else local_addresses,
        allow_setting="VIGIL_OUTBOUND_ALLOW_WEBHOOKS",
    )


def push_policy(
    allowed: Sequence[IPNetwork] = (),
    denied: Sequence[IPNetwork] = (),
    own_ports: Iterable[int] = (),
    local_addresses: frozenset[IPAddress] | None = None,
) -> OutboundPolicy:
    """Web Push services are on the public internet (FCM, Mozilla's autopush, Apple's): everything else
    is refused unless an allow list names it, as for webhooks."""
    return OutboundPolicy(
        purpose="push notifications",
        refused=(*NEVER, *NOT_PUBLIC),
        refuse_non_global=True,
        allowed=tuple(allowed),
        denied=tuple(denied),
        own_ports=frozenset(own_ports),
        local_addresses=local_interface_addresses() if local_addresses is None else local_addresses,
        allow_setting="VIGIL_OUTBOUND_ALLOW_PUSH",
    )
