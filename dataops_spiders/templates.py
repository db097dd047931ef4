"""Intent templates: the YAML a data team writes to say what it wants from a site.

`load_template()` parses YAML, validates it with pydantic and turns every problem into a
`TemplateProblem` that names the file, the line and the field path, e.g.
``templates/shop.yml:14 fields.price.extract[1]: unknown rule 'csss'``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from dataops_spiders.cleaners import CLEANERS

INTENTS = ("product", "article", "job_posting", "listing", "custom")
FIELD_TYPES = ("string", "text", "int", "decimal", "price", "date", "url", "list", "bool")
RULE_KINDS = ("css", "xpath", "regex", "jsonld", "microdata", "meta")
STRATEGIES = ("full", "navigation", "pagination_only", "direct_item")
FETCH_STRATEGIES = ("static", "browser", "auto")
BLOCKABLE_RESOURCES = ("image", "font", "media", "stylesheet")
LINK_ROLES = ("navigate", "pagination", "item")
REGEX_SCOPES = ("text", "html", "url")
# A template's name and a dataset's (the spider's -a dataset=): file- and URL-safe, so they
# can name files, Scrapyd arguments and API paths. The API validates with the same patterns.
TEMPLATE_NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
DATASET_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_SUFFIXES = (".yml", ".yaml")


def check_expression(kind: str, expr: str) -> str:
    """Compile a selector, XPath or regex once so a typo fails at load, not mid-crawl."""
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError(f"{kind} rule needs a non-empty expression")
    try:
        if kind == "css":
            from parsel.csstranslator import HTMLTranslator

            HTMLTranslator().css_to_xpath(expr)
        elif kind == "xpath":
            from lxml import etree

            etree.XPath(expr)
        elif kind == "regex":
            re.compile(expr)
    except Exception as exc:  # cssselect, lxml and re each raise their own error types
        raise ValueError(f"invalid {kind} {expr!r}: {exc}") from None
    return expr


def _single_kind(data: Any, kinds: tuple[str, ...], what: str) -> dict:
    """Turn ``{css: "h1::text", all: true}`` into ``{kind: "css", expr: "h1::text", all: true}``."""
    if isinstance(data, BaseModel):
        return data.model_dump()
    if not isinstance(data, dict):
        raise ValueError(f"a {what} is a mapping such as {{{kinds[0]}: '...'}}, got {data!r}")
    if "kind" in data:
        return data
    found = [k for k in data if k in kinds]
    if len(found) > 1:
        raise ValueError(f"a {what} has exactly one of {', '.join(kinds)}; got {', '.join(found)}")
    if not found:
        options = {"all", "group", "in", "clean", "role"}
        unknown = [k for k in data if k not in options]
        name = unknown[0] if unknown else None
        if name is not None:
            raise ValueError(f"unknown {what} {name!r} (expected one of {', '.join(kinds)})")
        raise ValueError(f"a {what} needs one of {', '.join(kinds)}")
    kind = found[0]
    rest = {k: v for k, v in data.items() if k != kind}
    return {"kind": kind, "expr": data[kind], **rest}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtractionRule(_Strict):
    """One way of getting a field's value; a field tries its rules in order."""

    kind: Literal["css", "xpath", "regex", "jsonld", "microdata", "meta"]
    expr: str
    all: bool = False  # keep every match (list fields) instead of the first
    group: int | str = 1  # regex: which group is the value
    scope: Literal["text", "html", "url"] = Field("text", alias="in")  # regex: what it reads
    clean: tuple[str, ...] = ()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        return _single_kind(data, RULE_KINDS, "rule")

    @model_validator(mode="after")
    def _check(self) -> ExtractionRule:
        if self.kind in ("css", "xpath", "regex"):
            check_expression(self.kind, self.expr)
        elif not self.expr.strip():
            raise ValueError(f"{self.kind} rule needs a non-empty expression")
        if self.kind == "regex" and isinstance(self.group, int):
            groups = re.compile(self.expr).groups
            if self.group > groups:
                raise ValueError(
                    f"regex {self.expr!r} has {groups} group(s), rule asks for {self.group}"
                )
        return self

    @field_validator("clean")
    @classmethod
    def _known_cleaners(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_cleaners(value)

    def describe(self) -> str:
        return f"{self.kind}:{self.expr}"


def _check_cleaners(names: tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        if name not in CLEANERS:
            raise ValueError(f"unknown cleaner {name!r} (known: {', '.join(sorted(CLEANERS))})")
    return names


class Validators(_Strict):
    """Checks a cleaned value must pass; a failed check lowers confidence, it never drops data."""

    regex: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=0)
    allowed: tuple[Any, ...] | None = None

    @field_validator("regex")
    @classmethod
    def _compile(cls, value: str | None) -> str | None:
        return check_expression("regex", value) if value is not None else None


class FieldSpec(_Strict):
    type: Literal["string", "text", "int", "decimal", "price", "date", "url", "list", "bool"] = (
        "string"
    )
    required: bool = False
    extract: tuple[ExtractionRule, ...] = ()
    clean: tuple[str, ...] = ()
    validate_: Validators = Field(default_factory=Validators, alias="validate")
    intent_default: bool = True  # fall back to the intent's own extractors after the rules

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("clean")
    @classmethod
    def _known_cleaners(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_cleaners(value)


class FollowRule(_Strict):
    """Which links to follow: a CSS/XPath region holding links, or a regex over URLs."""

    kind: Literal["css", "xpath", "regex"]
    expr: str
    role: Literal["navigate", "pagination", "item"] = "navigate"

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        return _single_kind(data, ("css", "xpath", "regex"), "follow rule")

    @model_validator(mode="after")
    def _check(self) -> FollowRule:
        check_expression(self.kind, self.expr)
        return self


class CrawlSpec(_Strict):
    strategy: Literal["full", "navigation", "pagination_only", "direct_item"] = "full"
    follow: tuple[FollowRule, ...] = ()
    allow: tuple[str, ...] = ()  # URL regexes a followed link must match (any)
    deny: tuple[str, ...] = ()  # URL regexes that exclude a link
    item_urls: tuple[str, ...] = ()  # URL regexes of item pages (classification, first)
    listing_urls: tuple[str, ...] = ()  # URL regexes of listing pages
    max_depth: int | None = Field(6, ge=0)  # links away from a start URL; pagination is free
    max_pagination: int | None = Field(500, ge=0)  # pages followed along one pagination chain
    max_pages: int | None = Field(None, ge=1)
    sitemaps: bool = False  # discover sitemaps from robots.txt and read them

    @field_validator("allow", "deny", "item_urls", "listing_urls")
    @classmethod
    def _compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_expression("regex", v) for v in value)

    def kind_of_url(self, url: str) -> str | None:
        """ "item" or "listing" when item_urls or listing_urls say so; None otherwise."""
        if any(re.search(pattern, url) for pattern in self.item_urls):
            return "item"
        if any(re.search(pattern, url) for pattern in self.listing_urls):
            return "listing"
        return None


class LoadMore(_Strict):
    """A "Load more" button the browser clicks until it is gone or max_clicks is reached."""

    css: str
    max_clicks: int = Field(5, ge=1, le=50)

    @field_validator("css")
    @classmethod
    def _selector(cls, value: str) -> str:
        return check_expression("css", value)


class FetchSpec(_Strict):
    """How pages are fetched: static HTTP, a real browser, or auto (static first, the browser
    for pages that turn out to be JavaScript shells); what the browser does on a page; and the
    template's own politeness limits."""

    strategy: Literal["static", "browser", "auto"] = "static"
    wait_for: str | None = None  # CSS selector the browser waits for before reading the page
    scroll: int = Field(0, ge=0, le=50)  # times the browser scrolls to the bottom for more
    load_more: LoadMore | None = None
    block: tuple[Literal["image", "font", "media", "stylesheet"], ...] = ("image", "font", "media")
    page_timeout: float = Field(30.0, gt=0, le=300)  # seconds a browser page may take
    download_delay: float | None = Field(None, ge=0, le=600)  # seconds between requests to a site
    concurrency_per_domain: int | None = Field(None, ge=1, le=64)

    @field_validator("wait_for")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return None if value is None else check_expression("css", value)


class RecordSelector(_Strict):
    kind: Literal["css", "xpath"]
    expr: str

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        return _single_kind(data, ("css", "xpath"), "record selector")

    @model_validator(mode="after")
    def _check(self) -> RecordSelector:
        check_expression(self.kind, self.expr)
        return self


class RecordSpec(_Strict):
    key: tuple[str, ...] = ()  # fields whose values identify a record; default: canonical URL
    each: RecordSelector | None = None  # one record per matching element (listings, tables)


class IntentTemplate(_Strict):
    name: str = Field(pattern=TEMPLATE_NAME)
    intent: Literal["product", "article", "job_posting", "listing", "custom"] = "custom"
    description: str = ""
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    crawl: CrawlSpec = Field(default_factory=CrawlSpec)
    fetch: FetchSpec = Field(default_factory=FetchSpec)
    records: RecordSpec = Field(default_factory=RecordSpec)
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    min_confidence: float = Field(0.6, ge=0.0, le=1.0)

    _source: str = PrivateAttr("<string>")
    _text: str = PrivateAttr("")

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"start URL {url!r} is not an absolute http(s) URL")
        return value

    @field_validator("fields")
    @classmethod
    def _field_names(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for name in value:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise ValueError(f"field name {name!r} must be an identifier")
        return value

    @model_validator(mode="after")
    def _keys_are_fields(self) -> IntentTemplate:
        if self.intent == "custom" and not self.fields:
            raise ValueError("a custom template needs at least one field")
        known = set(self.fields)
        if self.intent != "custom":
            from dataops_spiders.intents import get_intent

            known |= set(get_intent(self.intent).fields)
        for key in self.records.key:
            if key not in known:
                raise ValueError(f"records.key names {key!r}, which is not a field")
        return self

    @property
    def source(self) -> str:
        return self._source

    @property
    def text(self) -> str:
        """The template as written (what a run records, and what content_hash hashes)."""
        return self._text

    @property
    def content_hash(self) -> str:
        """sha256 of the template as written, so a run records exactly what it ran."""
        return hashlib.sha256(self._text.encode()).hexdigest()


# ---------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class TemplateProblem:
    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.source, "line": self.line, "path": self.path, "message": self.message}


class TemplateError(ValueError):
    """A template that cannot be used; `problems` holds one entry per thing to fix."""

    def __init__(self, problems: list[TemplateProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_index(node: yaml.Node, prefix: tuple = (), index: dict | None = None) -> dict:
    """Map every path in the YAML document to the 1-based line it starts on."""
    index = {} if index is None else index
    index.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            index[(*prefix, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*prefix, key), index)
            index[(*prefix, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*prefix, i), index)
    return index


def _duplicate_keys(node: yaml.Node, source: str, prefix: tuple = ()) -> list[TemplateProblem]:
    problems: list[TemplateProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            path = (*prefix, key_node.value)
            if key_node.value in seen:
                line = key_node.start_mark.line + 1
                problems.append(TemplateProblem(source, line, format_path(path), "duplicate key"))
            seen.add(key_node.value)
            problems += _duplicate_keys(value_node, source, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, source, (*prefix, i))
    return problems


# Aliases (`in`, `validate`) are what users write; the model's own names must not leak out.
_ALIASES = {"validate_": "validate", "scope": "in"}


def _problem_from_error(err: dict, lines: dict, source: str) -> TemplateProblem:
    loc = tuple(_ALIASES.get(p, p) for p in err["loc"])
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif err["type"] == "missing":
        message = "is required"
    line = None
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    return TemplateProblem(source, line, format_path(loc), message)


def parse_template(text: str, source: str = "<string>") -> IntentTemplate:
    """Validate template YAML; raise TemplateError listing every problem with its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise TemplateError(
            [TemplateProblem(source, line, "", f"invalid YAML: {problem}")]
        ) from None
    if node is None or not isinstance(data, dict):
        raise TemplateError([TemplateProblem(source, 1, "", "a template is a YAML mapping")])
    problems = _duplicate_keys(node, source)
    lines = _line_index(node)
    try:
        template = IntentTemplate.model_validate(data)
    except ValidationError as exc:
        problems += [_problem_from_error(e, lines, source) for e in exc.errors()]
    if problems:
        raise TemplateError(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    template._source = source
    template._text = text
    return template


SHIPPED_TEMPLATES = "shipped_templates"  # package data of dataops_spiders: a link to templates/


def shipped_templates() -> Path | Traversable | None:
    """The templates packaged with the code: a folder, or a folder inside a zipped Scrapyd egg."""
    try:
        folder = resources.files(__package__).joinpath(SHIPPED_TEMPLATES)
    except (ModuleNotFoundError, OSError):  # loaded in a way that has no package resources
        return None
    return folder if folder.is_dir() else None


def template_dirs() -> list[Path | Traversable]:
    """Where template names are looked up: $DATAOPS_TEMPLATE_DIRS, ./templates, the shipped ones.

    The shipped templates come last, from the package itself, so a crawl running from an egg on a
    Scrapyd node (no templates/ folder beside it) still finds them by name.
    """
    dirs = [Path(p) for p in os.environ.get("DATAOPS_TEMPLATE_DIRS", "").split(os.pathsep) if p]
    candidates = [*dirs, Path.cwd() / "templates", PROJECT_ROOT / "templates"]
    found: list[Path | Traversable] = list(dict.fromkeys(p.resolve() for p in candidates))
    shipped = shipped_templates()
    if shipped is not None and not (isinstance(shipped, Path) and shipped.resolve() in found):
        found.append(shipped)
    return found


def resolve_template_path(ref: str) -> Path | Traversable:
    path = Path(ref)
    if path.is_file():
        return path
    shipped = _shipped_by_location(ref)
    if shipped is not None:
        return shipped
    if not re.match(r"^[A-Za-z0-9_.-]+$", ref):
        raise TemplateError([TemplateProblem(ref, None, "", "no such template file")])
    for folder in template_dirs():
        for suffix in ("", *TEMPLATE_SUFFIXES):
            candidate = folder / f"{ref}{suffix}"
            if candidate.is_file():
                return candidate
    looked = ", ".join(str(d) for d in template_dirs())
    raise TemplateError([TemplateProblem(ref, None, "", f"no template by that name in {looked}")])


def _shipped_by_location(ref: str) -> Traversable | None:
    """A shipped template named by the location list_templates() gave (inside an egg, say)."""
    shipped = shipped_templates()
    if shipped is None or isinstance(shipped, Path):
        return None  # a plain folder: its files are found as paths
    return next((entry for entry in shipped.iterdir() if str(entry) == ref), None)


def load_template(ref: str | os.PathLike) -> IntentTemplate:
    """Load a template by path or by name (``generic_product`` → templates/generic_product.yml)."""
    path = resolve_template_path(str(ref))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError([TemplateProblem(str(path), None, "", f"cannot read: {exc}")]) from None
    return parse_template(text, str(path))


def list_templates() -> list[Path | Traversable]:
    """Every template reachable by name, the first of each name in template_dirs() order."""
    seen: dict[str, Path | Traversable] = {}
    for folder in template_dirs():
        if folder.is_dir():
            for path in sorted(folder.iterdir(), key=lambda entry: entry.name):
                stem, suffix = os.path.splitext(path.name)
                if suffix in TEMPLATE_SUFFIXES and stem not in seen and path.is_file():
                    seen[stem] = path
    return list(seen.values())
