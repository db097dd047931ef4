"""The SSRF guard of /api/scrape: `dataops_spiders.netguard`, which the crawl of a scrape task
uses too, so the API and the crawler judge an address the same way."""

from dataops_spiders.netguard import (
    METADATA_ADDRESSES,
    METADATA_NAMES,
    NAT64,
    SCHEMES,
    Address,
    Allowed,
    Resolver,
    UnsafeURL,
    check_resolved,
    check_url,
    embedded_ipv4,
    parse_ip,
    system_resolver,
    unsafe_reason,
)

__all__ = [
    "METADATA_ADDRESSES",
    "METADATA_NAMES",
    "NAT64",
    "SCHEMES",
    "Address",
    "Allowed",
    "Resolver",
    "UnsafeURL",
    "check_resolved",
    "check_url",
    "embedded_ipv4",
    "parse_ip",
    "system_resolver",
    "unsafe_reason",
]
