"""May our crawler fetch this URL? robots.txt read as the crawl reads it (Protego, our user-agent
token), from the source profile when a crawl or an earlier check fetched it recently, else
fetched now through the SSRF guard and kept in the profile.

Fetch failures follow RFC 9309 §2.3.1: a 4xx means "no rules" (everything allowed); a 5xx, a
network failure or a body that cannot be read means the rules are unreachable and the crawler
must assume complete disallow, so the answer is ``allowed: false`` with the reason (nothing is
kept in the profile: the next check tries again). More than five redirects count as 4xx
(§2.3.1.2: "MAY assume that the robots.txt file is unavailable").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from protego import Protego
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from control_api.errors import ApiError
from dataops_spiders.netguard import (
    Allowed,
    UnsafeURL,
    check_resolved,
    check_url,
    parse_ip,
    system_resolver,
)
from dataops_spiders.settings import ROBOTSTXT_USER_AGENT, USER_AGENT
from dataops_spiders.store.models import SourceProfile, utcnow

if TYPE_CHECKING:
    import httpx

FRESH_FOR = timedelta(hours=24)
FETCH_TIMEOUT = 5.0  # seconds, for the whole fetch with its redirects
MAX_BYTES = 512 * 1024  # Google reads 500 KiB; what follows is ignored, as RFC 9309 allows
MAX_REDIRECTS = 5
PROFILE, FETCHED = "profile", "fetched"


class RefusedURL(ApiError):
    """The URL (or a redirect of its robots.txt) may not be fetched: the SSRF guard said no."""

    status_code, code = 400, "refused_url"


@dataclass
class RobotsAnswer:
    url: str
    robots_url: str
    allowed: bool
    user_agent: str
    source: str  # profile | fetched
    fetched_at: datetime | None
    robots_status: int | None
    rule: dict[str, str] | None = None  # the directive that decided, and its group
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class _Fetched:
    status: int | None  # None: unreachable
    text: str | None = None
    problem: str = ""


def robots_url_of(url: str) -> tuple[str, str]:
    """(robots.txt URL, netloc) of ``url``; RefusedURL when it is no http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise RefusedURL(f"not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RefusedURL("only http and https URLs with a host have a robots.txt")
    netloc = parts.netloc.lower()
    return f"{parts.scheme.lower()}://{netloc}/robots.txt", netloc


def check(
    session: Session,
    write_sessions: sessionmaker[Session],
    url: str,
    allow_hosts: list[str],
    refresh: bool = False,
) -> RobotsAnswer:
    """The verdict on ``url`` for our crawler; writes the source profile when it fetched."""
    robots_url, netloc = robots_url_of(url)
    profile = session.scalar(select(SourceProfile).where(SourceProfile.domain == netloc))
    known_at = _known_at(profile)
    if not refresh and known_at is not None and utcnow() - known_at < FRESH_FOR:
        return _answer(
            url, robots_url, profile.robots_status, profile.robots_rules, PROFILE, known_at
        )
    session.rollback()  # no transaction stays open while the fetch waits on the network
    fetched = fetch(robots_url, allow_hosts)
    now = utcnow()
    if fetched.status is None or fetched.status >= 500:
        reason = fetched.problem or f"robots.txt answered {fetched.status}"
        return RobotsAnswer(
            url=url,
            robots_url=robots_url,
            allowed=False,
            user_agent=ROBOTSTXT_USER_AGENT,
            source=FETCHED,
            fetched_at=now,
            robots_status=fetched.status,
            reason=f"{reason}: RFC 9309 says to assume complete disallow while it is unreachable",
        )
    answer = _answer(url, robots_url, fetched.status, fetched.text, FETCHED, now)
    with write_sessions() as writing:
        _keep(writing, netloc, fetched, answer, now)
        writing.commit()
    return answer


def _keep(
    session: Session, netloc: str, fetched: _Fetched, answer: RobotsAnswer, now: datetime
) -> None:
    """Store what was fetched in the source profile (not through update_source_profile: that
    would date a crawl now)."""
    profile = session.scalar(select(SourceProfile).where(SourceProfile.domain == netloc))
    if profile is None:
        profile = SourceProfile(domain=netloc, pages=0, errors=0, latency_samples=0)
        session.add(profile)
    profile.robots_rules, profile.robots_status = fetched.text, fetched.status
    profile.crawl_delay, profile.sitemaps = answer.crawl_delay, answer.sitemaps
    profile.robots_fetched_at = now


def _known_at(profile: SourceProfile | None) -> datetime | None:
    """When the profile's robots facts were fetched, if it holds usable ones."""
    if profile is None or profile.robots_status is None or profile.robots_status >= 500:
        return None
    if 200 <= profile.robots_status < 300 and profile.robots_rules is None:
        return None
    # Not last_crawl_at: a crawl that did not fetch robots.txt says nothing of its rules' age.
    return profile.robots_fetched_at


def _answer(
    url: str,
    robots_url: str,
    status: int | None,
    text: str | None,
    source: str,
    fetched_at: datetime | None,
) -> RobotsAnswer:
    answer = RobotsAnswer(
        url=url,
        robots_url=robots_url,
        allowed=True,
        user_agent=ROBOTSTXT_USER_AGENT,
        source=source,
        fetched_at=fetched_at,
        robots_status=status,
    )
    if status is None or not 200 <= status < 300:
        answer.reason = f"robots.txt answered {status}: no rules apply (RFC 9309)"
        return answer
    parser = Protego.parse(text or "")
    answer.allowed = parser.can_fetch(url, ROBOTSTXT_USER_AGENT)
    answer.crawl_delay = parser.crawl_delay(ROBOTSTXT_USER_AGENT)
    answer.sitemaps = list(parser.sitemaps)
    answer.rule = deciding_rule(parser, url)
    if answer.rule is None:
        answer.reason = "no rule of robots.txt matches this URL"
    else:
        verb = "allows" if answer.allowed else "disallows"
        answer.reason = f"{answer.rule['directive']}: {answer.rule['pattern']} {verb} it"
    return answer


def deciding_rule(parser: Protego, url: str) -> dict[str, str] | None:
    """The Allow/Disallow line that decides ``url`` for our token (the longest match wins)."""
    try:  # Protego does not publish which rule matched: read its rule set the way it does
        from protego._utils import _quote_path

        rule_set = parser._get_matching_rule_set(ROBOTSTXT_USER_AGENT)
        if rule_set is None:
            return None
        quoted = _quote_path(url)
        for rule in rule_set._rules:
            if rule.value.match(quoted):
                return {
                    "directive": rule.field,
                    "pattern": rule.value._pattern,
                    "user_agent": rule_set.user_agent,
                }
    except (AttributeError, ImportError):  # a Protego release that changed its insides
        return None
    return None


def fetch(robots_url: str, allow_hosts: list[str]) -> _Fetched:
    """GET robots.txt: every hop checked by the SSRF guard, 5 s in all, 512 KiB at most."""
    import httpx  # here: importing it loads its CLI (rich, pygments), slowing the API's start

    deadline = time.monotonic() + FETCH_TIMEOUT
    allowed = Allowed(allow_hosts)
    target = robots_url
    headers = {"User-Agent": USER_AGENT}
    with httpx.Client(follow_redirects=False, timeout=FETCH_TIMEOUT, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                url, pinned = pin_to_checked_address(target, allowed)
            except UnsafeURL as exc:
                raise RefusedURL(f"refused to fetch {target}: {exc}") from None
            left = deadline - time.monotonic()
            if left <= 0:
                return _Fetched(None, problem=f"no answer within {FETCH_TIMEOUT:g} s")
            try:
                with client.stream(
                    "GET", url, headers=headers | pinned.headers, extensions=pinned.extensions,
                    timeout=left,
                ) as response:  # fmt: skip
                    location = response.headers.get("location")
                    if response.is_redirect and location:
                        target = urljoin(target, location)
                        continue
                    if not 200 <= response.status_code < 300:
                        return _Fetched(response.status_code)
                    return _Fetched(response.status_code, _read_text(response, deadline))
            except (
                httpx.HTTPError,
                httpx.InvalidURL,
                httpx.StreamError,
                TimeoutError,
                UnicodeError,
            ) as exc:
                return _Fetched(None, problem=f"robots.txt could not be fetched: {_say(exc)}")
    return _Fetched(404, problem=f"more than {MAX_REDIRECTS} redirects")


@dataclass(frozen=True)
class _Pinned:
    headers: dict[str, str] = field(default_factory=dict)  # Host, when the URL holds the IP
    extensions: dict[str, str] = field(default_factory=dict)  # the TLS name, likewise


def pin_to_checked_address(url: str, allowed: Allowed) -> tuple[str, _Pinned]:
    """``url`` with its host name replaced by an address the SSRF guard checked, and what the
    request then needs to still name the host (Host header, TLS server name). Resolving once
    and connecting there is what keeps a name from answering a public address to the check and
    an internal one to the connection (DNS rebinding). Literal and allow-listed hosts are kept
    as they are. UnsafeURL when the guard refuses."""
    check_url(url, allowed, resolve=None)  # scheme, credentials, literals, metadata names
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parse_ip(host) is not None or host.removesuffix(".") in allowed.names:
        return url, _Pinned()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = system_resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"{host} does not resolve: {exc}") from None
    if not addresses:
        raise UnsafeURL(f"{host} does not resolve")
    check_resolved(host, addresses, allowed)
    address = addresses[0] if ":" not in addresses[0] else f"[{addresses[0]}]"
    netloc = f"{address}:{parts.port}" if parts.port else address
    pinned = _Pinned(headers={"Host": parts.netloc.rsplit("@", 1)[-1]})
    if parts.scheme == "https":
        pinned = _Pinned(pinned.headers, {"sni_hostname": host})
    return urlunsplit(parts._replace(netloc=netloc)), pinned


def _read_text(response: httpx.Response, deadline: float) -> str:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= MAX_BYTES:
            del body[MAX_BYTES:]
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"took more than {FETCH_TIMEOUT:g} s")
    return body.decode("utf-8", "replace")


def _say(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:299] + "…"
