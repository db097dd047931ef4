"""The API's settings, read once from the environment; unsafe values are refused outside
development (a warning in development, so a laptop set-up still starts).

    DATAOPS_ENVIRONMENT         development (default) | production
    DATABASE_URL                the store (default: a SQLite file in the data directory)
    DATAOPS_SCRAPYD_URLS        comma-separated Scrapyd nodes; empty: embedded mode
    DATAOPS_SCRAPYD_USERNAME    basic-auth user for every node
    DATAOPS_SCRAPYD_PASSWORD    its password
    DATAOPS_SCRAPE_ALLOW_HOSTS  comma-separated hosts, IPs or CIDR networks that /api/scrape may
                                fetch although they are loopback or private (the SSRF allow-list)
    DATAOPS_HEALTH_TIMEOUT      seconds a readiness check waits for a node (default 2)
    DATAOPS_DISPATCH_INTERVAL   seconds between two passes of the task dispatcher (default 2)
    DATAOPS_NODE_GRACE          seconds a node may stop answering before its running tasks end
                                failed (default 60)
    DATAOPS_HEARTBEAT_TIMEOUT   seconds of silence after which a crawl whose Scrapyd job is gone
                                counts as dead (default 30: several progress intervals)
    DATAOPS_DISPATCH            false: no dispatcher thread in this process (another API process
                                runs it, or a test drives Dispatcher.run_once itself)
"""

from __future__ import annotations

import ipaddress
import warnings
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# METADATA_ADDRESSES: cloud metadata services, which no allow-list may open (any environment).
from dataops_spiders.netguard import METADATA_ADDRESSES
from dataops_spiders.store.config import database_url

DEVELOPMENT = "development"
# Placeholder secrets seen in examples and compose files: never acceptable in production.
PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "changeme", "password", "secret", "postgres", "admin"}
)


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        validate_by_name=True,  # ApiSettings(database_url=...) in code and tests
        hide_input_in_errors=True,  # a refused value may hold a password
    )

    environment: Literal["development", "production"] = Field(
        DEVELOPMENT, validation_alias="DATAOPS_ENVIRONMENT"
    )
    database_url: str = Field(
        default_factory=database_url, validation_alias="DATABASE_URL", repr=False
    )
    scrapyd_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="DATAOPS_SCRAPYD_URLS"
    )
    scrapyd_username: str | None = Field(None, validation_alias="DATAOPS_SCRAPYD_USERNAME")
    scrapyd_password: SecretStr | None = Field(None, validation_alias="DATAOPS_SCRAPYD_PASSWORD")
    scrape_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="DATAOPS_SCRAPE_ALLOW_HOSTS"
    )
    # Readiness must answer before an orchestrator's probe gives up on it.
    health_timeout: float = Field(2.0, gt=0, validation_alias="DATAOPS_HEALTH_TIMEOUT")
    dispatch: bool = Field(True, validation_alias="DATAOPS_DISPATCH")
    dispatch_interval: float = Field(2.0, gt=0, validation_alias="DATAOPS_DISPATCH_INTERVAL")
    node_grace: float = Field(60.0, ge=0, validation_alias="DATAOPS_NODE_GRACE")
    heartbeat_timeout: float = Field(30.0, gt=0, validation_alias="DATAOPS_HEARTBEAT_TIMEOUT")

    @field_validator("scrapyd_urls", "scrape_allow_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("scrapyd_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for position, url in enumerate(urls, start=1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                # by position: the entry may carry a password
                raise ValueError(f"entry {position} is not an http(s)://host:port/ URL")
        return urls

    @field_validator("scrape_allow_hosts")
    @classmethod
    def _no_metadata_or_wildcards(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if host in ("*", "0.0.0.0/0", "::/0"):
                raise ValueError(f"{host!r} would allow every address: list hosts one by one")
            network = _as_network(host)
            if network is not None and any(a in network for a in METADATA_ADDRESSES):
                raise ValueError(f"{host!r} covers a cloud metadata address; it is never allowed")
        return [host.lower().rstrip(".") for host in hosts]

    @property
    def development(self) -> bool:
        return self.environment == DEVELOPMENT

    @model_validator(mode="after")
    def _refuse_unsafe_values(self) -> Self:
        for problem in self._unsafe_values():
            if self.development:
                warnings.warn(problem, stacklevel=2)
            else:
                raise ValueError(
                    f"{problem} (refused because DATAOPS_ENVIRONMENT={self.environment})"
                )
        return self

    def _unsafe_values(self) -> list[str]:
        problems = []
        password = _url_password(self.database_url)
        if password is not None and password.lower() in PLACEHOLDER_SECRETS:
            problems.append("DATABASE_URL uses a placeholder password")
        scrapyd_password = self.scrapyd_password
        if scrapyd_password and scrapyd_password.get_secret_value().lower() in PLACEHOLDER_SECRETS:
            problems.append("DATAOPS_SCRAPYD_PASSWORD is a placeholder")
        for position, url in enumerate(self.scrapyd_urls, start=1):
            parts = urlsplit(url)
            sends_password = parts.password is not None or self.scrapyd_password is not None
            if sends_password and parts.scheme == "http" and not _is_internal(parts.hostname):
                problems.append(
                    f"DATAOPS_SCRAPYD_URLS entry {position} sends basic-auth credentials in clear "
                    "text to a public host: use https"
                )
        for host in self.scrape_allow_hosts:
            network = _as_network(host)
            if network is not None and network.num_addresses > 256:
                problems.append(
                    f"DATAOPS_SCRAPE_ALLOW_HOSTS entry {host!r} opens {network.num_addresses} "
                    "addresses to /api/scrape"
                )
        return problems


def _as_network(host: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(host.strip("[]"), strict=False)
    except ValueError:
        return None


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _is_internal(host: str | None) -> bool:
    """Loopback or private address, or a single-label name (a compose service, say)."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host or host == "localhost" or host.endswith(".localhost")
    return address.is_private or address.is_loopback
