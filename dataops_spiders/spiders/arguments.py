"""The IntentSpider's `-a` arguments, checked before any crawl starts.

The project's `scrapy crawl` command calls `parse_arguments` first, so a bad argument ends with
one clear line and exit code 2 instead of a traceback from inside the crawler.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError

from dataops_spiders.store.errors import StoreError
from dataops_spiders.store.templates import (
    TemplateNotStored,
    TemplateVersionMissing,
    read_stored_template,
)
from dataops_spiders.templates import (
    DATASET_NAME,
    FETCH_STRATEGIES,
    STRATEGIES,
    TEMPLATE_NAME,
    IntentTemplate,
    TemplateError,
    load_template,
    parse_template,
    resolve_template_path,
)

DATASET_NAME_RE = re.compile(DATASET_NAME)
STORED_NAME_RE = re.compile(TEMPLATE_NAME)  # a stored template is asked for by name


def runs_root() -> Path:
    """Where runs go by default: under $DATAOPS_DATA_DIR when set (Scrapyd jobs run in Scrapyd's
    folder, so a relative path would scatter them), else ./runs."""
    data_dir = os.environ.get("DATAOPS_DATA_DIR")
    return Path(data_dir) / "runs" if data_dir else Path("runs")


@dataclass(frozen=True)
class CrawlArguments:
    template: IntentTemplate
    start_urls: list[str]
    strategy: str
    max_pages: int | None
    max_depth: int | None
    run_dir: str
    dataset: str  # the dataset this run versions (default: the template's name)
    task: int | None = None  # the control API's task this crawl runs
    fetch: str = "static"  # static | browser | auto (-a fetch=, default the template's)
    template_version: int | None = None  # the stored template's version it runs


def _split_urls(value: str | None) -> list[str]:
    return [u.strip() for u in re.split(r"[,\s]+", value or "") if u.strip()]


def _positive_int(name: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"-a {name}= takes a whole number, got {value!r}") from None
    if number < 0:
        raise UsageError(f"-a {name}= must not be negative, got {number}")
    return number


def _stored_template(
    ref: str, version: int | None, store_url: str | None, not_stored: str
) -> tuple[IntentTemplate, int]:
    """A template the API stored under ``ref`` (its latest version, or ``version``);
    ``not_stored`` says what to tell when there is none."""
    if not STORED_NAME_RE.match(ref):
        raise UsageError(not_stored)
    try:
        stored = read_stored_template(ref, version, store_url)
    except TemplateVersionMissing as exc:
        raise UsageError(str(exc)) from None
    except TemplateNotStored:
        raise UsageError(f"{not_stored}, nor in the store") from None
    except StoreError as exc:  # its message names the database (password masked)
        raise UsageError(
            f"template {ref!r} is not a file or a shipped template, and the store could not be "
            f"searched: {exc}"
        ) from None
    try:
        return parse_template(stored.text, stored.source), stored.version
    except TemplateError as exc:
        raise UsageError(f"template {ref!r} cannot be used:\n{exc}") from None


def resolve_template(
    ref: str, version=None, store_url: str | None = None
) -> tuple[IntentTemplate, int | None]:
    """``ref`` as a file path, a template in the template folders or shipped with the code, or
    a template stored through the control API, in that order; (template, stored version). With
    a version (the API pins one on every task) it is the stored template, even where a file of
    the same name lies on this node: the API, too, takes its stored template first."""
    number = _positive_int("template_version", version)
    if number == 0:
        raise UsageError("-a template_version= counts from 1, got 0")
    try:
        path = resolve_template_path(ref)
    except TemplateError as missing:
        return _stored_template(
            ref, number, store_url, f"template {ref!r} cannot be used:\n{missing}"
        )
    if number is not None:
        not_stored = (
            f"-a template_version= is for templates stored through the API; {ref!r} is only "
            f"the file {path}, which has no versions"
        )
        return _stored_template(ref, number, store_url, not_stored)
    try:
        return load_template(ref), None
    except TemplateError as exc:
        raise UsageError(f"template {ref!r} cannot be used:\n{exc}") from None


def parse_arguments(
    template: str | None = None,
    start_urls: str | None = None,
    urls_file: str | None = None,
    max_pages=None,
    max_depth=None,
    strategy: str | None = None,
    run_dir: str | None = None,
    dataset: str | None = None,
    task=None,
    template_version=None,
    store_url: str | None = None,
    fetch: str | None = None,
    **_other,
) -> CrawlArguments:
    """Resolve the spider's arguments against its template; UsageError says what is wrong.

    ``store_url`` is where stored templates are looked up (default: the store's URL from the
    environment, see store.config)."""
    if not template:
        raise UsageError("IntentSpider needs a template: -a template=PATH_OR_NAME")
    task_id = _positive_int("task", task)
    if task_id == 0:
        raise UsageError("-a task= takes a task id (1 or more), got 0")
    loaded, stored_version = resolve_template(template, template_version, store_url)
    crawl = loaded.crawl
    urls = _split_urls(start_urls)
    if urls_file:
        try:
            urls += _split_urls(Path(urls_file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"-a urls_file={urls_file}: {exc.strerror}") from None
    urls = urls or list(loaded.start_urls)
    bad = [u for u in urls if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).netloc]
    if bad:
        raise UsageError(f"start URLs must be absolute http(s) URLs: {', '.join(bad)}")
    if not urls:
        raise UsageError(
            f"template {loaded.name!r} has no start_urls; give some with "
            "-a start_urls=URL[,URL...] or -a urls_file=FILE"
        )
    strategy = strategy or crawl.strategy
    if strategy not in STRATEGIES:
        raise UsageError(f"-a strategy= takes one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if dataset is not None and not DATASET_NAME_RE.match(dataset):
        raise UsageError(
            f"-a dataset= takes a name of letters, digits, '.', '_' or '-' (at most 64), "
            f"got {dataset!r}"
        )
    fetch = fetch or loaded.fetch.strategy
    if fetch not in FETCH_STRATEGIES:
        raise UsageError(f"-a fetch= takes one of {', '.join(FETCH_STRATEGIES)}, got {fetch!r}")
    given_depth = _positive_int("max_depth", max_depth)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return CrawlArguments(
        template=loaded,
        start_urls=urls,
        strategy=strategy,
        max_pages=_positive_int("max_pages", max_pages) or crawl.max_pages,
        max_depth=given_depth if given_depth is not None else crawl.max_depth,
        run_dir=str(Path(run_dir or runs_root() / loaded.name / stamp).resolve()),
        dataset=dataset or loaded.name,
        task=task_id,
        template_version=stored_version,
        fetch=fetch,
    )
