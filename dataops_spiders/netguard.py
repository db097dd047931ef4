"""The SSRF guard: may we fetch this URL for someone else? (No Scrapy import: the control API
checks /api/scrape URLs with it, and the crawl of a scrape task checks every request with it.)

Only http and https. The host is read the way browsers and crawlers read it (WHATWG URL rules):
an IPv4 address may be written in decimal (``2130706433``), octal (``0177.0.0.1``), hex
(``0x7f.1``), with fewer parts (``127.1``) or percent-encoded; an IPv6 address may carry an IPv4
one (``::ffff:127.0.0.1``, NAT64, 6to4). Every address the host stands for (after DNS
resolution: every one it resolves to) must be a public unicast address: loopback, private,
link-local, multicast, reserved, unspecified, shared (CGNAT) and cloud metadata addresses are
refused, unless the allow-list names the host, the address, or a network holding it.

The caller must check each redirect's target too, and should connect to an address it checked:
in a crawl, ``dataops_spiders.middlewares.ssrf`` checks every request's URL (`check_url` with
``resolve=None``: literal addresses and metadata names) and ``dataops_spiders.resolver`` checks
every address DNS gives (`check_resolved`), which is the address the connection then uses.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

SCHEMES = ("http", "https")
# Addresses of cloud metadata services: no allow-list opens them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254")
)
# Names of metadata services that may not resolve from where the check runs but do where the
# fetch runs.
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Characters that make parsers disagree on where the host is: "http://a\\@127.0.0.1/".
_AMBIGUOUS = re.compile(r"[\x00-\x20\x7f\\]")
# Dots that IDNA maps to ".": a host written with them is still a dotted address.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


class UnsafeURL(ValueError):
    """The URL may not be fetched; the message says why."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(
    url: str, allow_hosts: Iterable[str] | Allowed = (), resolve: Resolver | None = system_resolver
) -> None:
    """Return if ``url`` is safe to fetch; raise UnsafeURL saying why not.

    ``resolve=None`` judges the URL without DNS: a host name (other than a metadata service's)
    passes, and its addresses must then be checked where they are resolved (`check_resolved`).
    """
    if _AMBIGUOUS.search(url):
        raise UnsafeURL("the URL holds spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeURL(f"only http and https URLs can be fetched, not {parts.scheme or 'none'!r}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("URLs with user:password@ are refused")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    host = _normalise_host(parts.hostname)
    allowed = allow_hosts if isinstance(allow_hosts, Allowed) else Allowed(allow_hosts)
    name = host.removesuffix(".")  # "example.com." is example.com
    if name in allowed.names:
        return
    address = parse_ip(host)
    if address is not None:
        _check_address(address, allowed, host)
        return
    if name in METADATA_NAMES:
        raise UnsafeURL(f"{name} is a cloud metadata service")
    if resolve is None:
        return
    try:
        resolved = resolve(name, port or (443 if parts.scheme.lower() == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"{name} does not resolve: {exc}") from None
    if not resolved:
        raise UnsafeURL(f"{name} does not resolve")
    check_resolved(name, resolved, allowed)


def check_resolved(name: str, addresses: Iterable[str], allowed: Allowed) -> None:
    """Raise UnsafeURL unless every address ``name`` resolved to may be reached (or the
    allow-list names the host itself)."""
    name = _normalise_host(name).removesuffix(".")
    if name in allowed.names:
        return
    for text in addresses:
        _check_address(ipaddress.ip_address(text), allowed, name)


def _normalise_host(hostname: str) -> str:
    """Percent-decoded, NFKC-normalised (full-width digits are digits), lower case."""
    return unicodedata.normalize("NFKC", unquote(hostname)).translate(_DOTS).lower()


class Allowed:
    """The allow-list: host names, addresses and networks."""

    def __init__(self, entries: Iterable[str]):
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            text = entry.strip().lower().rstrip(".").strip("[]")
            try:
                self.networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                self.names.add(text)

    def permits(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def _check_address(address: Address, allowed: Allowed, host: str) -> None:
    target = embedded_ipv4(address) or address
    if target in METADATA_ADDRESSES:
        shown = host if str(target) == host else f"{host} ({target})"
        raise UnsafeURL(f"{shown} is not a public address: cloud metadata")
    if allowed.permits(target):
        return
    reason = unsafe_reason(target)
    if reason is not None:
        shown = host if str(target) == host else f"{host} ({target})"
        raise UnsafeURL(f"{shown} is not a public address: {reason}")


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64): what it reaches."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def unsafe_reason(address: Address) -> str | None:
    """What kind of non-public address this is, or None for a public unicast address."""
    checks = (
        (address in METADATA_ADDRESSES, "cloud metadata"),
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "non-public"),  # shared (CGNAT), documentation, benchmarking
    )
    return next((reason for unsafe, reason in checks if unsafe), None)


def parse_ip(host: str) -> Address | None:
    """The address a URL host denotes, read as browsers read it; None for a host name.

    Raises UnsafeURL for a host that looks like an IPv4 address but is not a valid one
    (browsers refuse those too).
    """
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeURL(f"{host!r} is not a valid IPv6 address") from None
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not parts or not _looks_numeric(parts[-1]):
        return None  # a name (WHATWG: only a numeric last label makes it an IPv4 address)
    numbers = [_ipv4_number(part, host) for part in parts]
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]):
        raise UnsafeURL(f"{host!r} is not a valid IPv4 address")
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        raise UnsafeURL(f"{host!r} is not a valid IPv4 address")
    value = numbers[-1]
    for position, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - position)
    return ipaddress.IPv4Address(value)


def _looks_numeric(part: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+|0[xX][0-9a-fA-F]*", part))


def _ipv4_number(part: str, host: str) -> int:
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10)
    except ValueError:
        raise UnsafeURL(f"{host!r} is not a valid IPv4 address") from None


def allow_list(value: object) -> list[str]:
    """An allow-list setting as given: a list, a JSON list (``'["127.0.0.1"]'``, how the
    control API passes it to Scrapyd) or comma-separated text."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(f"not a JSON list of hosts: {text!r}") from None
        else:
            value = text.split(",")
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"expected a list of hosts, addresses or networks, got {value!r}")
    return [str(entry).strip() for entry in value if str(entry).strip()]
