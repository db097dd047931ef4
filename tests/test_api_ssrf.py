"""The SSRF guard of /api/scrape, as tables: every way of writing a non-public address is
refused, public ones pass, and the allow-list opens exactly what it names."""

from __future__ import annotations

import pytest

from dataops_spiders.netguard import UnsafeURL, check_url, parse_ip


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} must be judged without DNS")


def dns(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return table[host]

    return resolve


REFUSED_LITERALS = [
    # (url, what the refusal names)
    ("http://127.0.0.1/", "loopback"),
    ("http://127.0.0.1:6800/schedule.json", "loopback"),
    ("http://2130706433/", "loopback"),  # decimal
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://017700000001/", "loopback"),  # octal, one part
    ("http://0x7f.0.0.1/", "loopback"),  # hex
    ("http://0x7f000001/", "loopback"),  # hex, one part
    ("http://127.1/", "loopback"),  # short form
    ("http://127.0.1/", "loopback"),
    ("http://127.0.0.1./", "loopback"),  # trailing dot
    ("http://%31%32%37.0.0.1/", "loopback"),  # percent-encoded
    ("http://１２７.０.０.１/", "loopback"),  # full-width digits
    ("http://127。0。0。1/", "loopback"),  # ideographic full stops
    ("http://[::1]/", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://[64:ff9b::127.0.0.1]/", "loopback"),  # NAT64
    ("http://[2002:7f00:1::]/", "loopback"),  # 6to4
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),  # broadcast
    ("http://100.64.0.1/", "non-public"),  # shared address space (CGNAT)
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://2852039166/latest/meta-data/", "cloud metadata"),  # 169.254.169.254 in decimal
    ("http://0xa9fea9fe/", "cloud metadata"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
    ("http://[fd00:ec2::254]/", "cloud metadata"),
    ("http://100.100.100.200/", "cloud metadata"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_LITERALS)
def test_non_public_addresses_are_refused_in_every_notation(url, reason):
    with pytest.raises(UnsafeURL, match=reason):
        check_url(url, resolve=no_dns)


REFUSED_URLS = [
    ("ftp://example.com/file", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http:///nohost", "no host"),
    ("http://user:pw@example.com/", "user:password"),
    ("http://example.com@127.0.0.1/", "user:password"),
    ("http://127.0.0.1\\@example.com/", "backslashes"),
    ("http://example.com /", "spaces"),
    ("http://exa\tmple.com/", "control"),
    ("http://256.0.0.1/", "not a valid IPv4"),
    ("http://1.2.3.4.5/", "not a valid IPv4"),
    ("http://09.0.0.1/", "not a valid IPv4"),
    ("http://foo.0x10/", "not a valid IPv4"),
    ("http://[::ffff:zz]/", "not a valid"),
    ("http://example.com:99999/", "not a valid URL"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://instance-data/latest/", "metadata"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS)
def test_other_schemes_and_ambiguous_urls_are_refused(url, reason):
    with pytest.raises(UnsafeURL, match=reason):
        check_url(url, resolve=no_dns)


@pytest.mark.parametrize(
    "url", ["http://8.8.8.8/", "https://1.1.1.1:8443/x?y=1", "http://[2606:4700:4700::1111]/"]
)
def test_public_addresses_pass_without_dns(url):
    check_url(url, resolve=no_dns)


PUBLIC_DNS = {
    "shop.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "rebind.example": ["93.184.215.14", "127.0.0.1"],  # one good address is not enough
    "inside.example": ["10.20.30.40"],
    "v6-loop.example": ["::1"],
    "mapped.example": ["::ffff:192.168.0.1"],
}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://shop.example/p/1", None),
        ("http://SHOP.example./p/1", None),
        ("http://rebind.example/", "loopback"),
        ("http://inside.example/", "private"),
        ("http://v6-loop.example/", "loopback"),
        ("http://mapped.example/", "private"),
        ("http://unknown.example/", "does not resolve"),
    ],
)
def test_every_resolved_address_must_be_public(url, reason):
    resolve = dns(PUBLIC_DNS)
    if reason is None:
        check_url(url, resolve=resolve)
    else:
        with pytest.raises(UnsafeURL, match=reason):
            check_url(url, resolve=resolve)


def test_localhost_is_refused_after_real_resolution():
    with pytest.raises(UnsafeURL, match="loopback"):
        check_url("http://localhost:8000/")


@pytest.mark.parametrize(
    ("url", "allow", "allowed"),
    [
        ("http://127.0.0.1:8000/", ["127.0.0.1"], True),
        ("http://2130706433:8000/", ["127.0.0.1"], True),  # the same address, however written
        ("http://[::ffff:127.0.0.1]/", ["127.0.0.1"], True),
        ("http://127.0.0.2/", ["127.0.0.1"], False),
        ("http://127.0.0.2/", ["127.0.0.0/8"], True),
        ("http://10.0.0.1/", ["127.0.0.1"], False),
        ("http://site.test/", ["site.test"], True),  # a named host: trusted as named
        ("http://other.test/", ["site.test"], False),
        ("http://inside.example/", ["10.20.30.40"], True),  # resolves to an allowed address
        ("http://rebind.example/", ["site.test"], False),
        ("http://169.254.169.254/", ["127.0.0.1"], False),
    ],
)
def test_the_allow_list_opens_exactly_what_it_names(url, allow, allowed):
    resolve = dns({**PUBLIC_DNS, "other.test": ["127.0.0.1"]})
    if allowed:
        check_url(url, allow, resolve=resolve)
    else:
        with pytest.raises(UnsafeURL):
            check_url(url, allow, resolve=resolve)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("0x", "0.0.0.0"),
        ("example.com", None),
        ("1.2.3.com", None),
    ],
)
def test_ipv4_hosts_are_read_as_browsers_read_them(host, address):
    parsed = parse_ip(host)
    assert (str(parsed) if parsed is not None else None) == address
