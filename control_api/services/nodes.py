"""The Scrapyd node pool of the API's settings (None in embedded mode, before `dataops serve`
has started its own node and put its URL in the settings)."""

from __future__ import annotations

from control_api.config import ApiSettings
from dataops_spiders.runner.client import DEFAULT_TIMEOUT
from dataops_spiders.runner.nodes import (
    PASSWORD_VARIABLE,
    URLS_VARIABLE,
    USERNAME_VARIABLE,
    NodePool,
)


def node_pool(settings: ApiSettings, timeout: float = DEFAULT_TIMEOUT) -> NodePool | None:
    if not settings.scrapyd_urls:
        return None
    password = settings.scrapyd_password
    environ = {
        URLS_VARIABLE: ",".join(settings.scrapyd_urls),
        USERNAME_VARIABLE: settings.scrapyd_username or "",
        PASSWORD_VARIABLE: password.get_secret_value() if password is not None else "",
    }
    return NodePool.from_env(environ, timeout=timeout)
