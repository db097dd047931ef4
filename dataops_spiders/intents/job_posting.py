"""The `job_posting` intent: one job ad (or one job card of a search page) as a record.

Sources, most trusted first: schema.org JobPosting in JSON-LD (what Google for Jobs reads, so
many boards have it) and microdata; then the visible page, which is all many career sites
offer: the <h1>, "Label: value" pairs in several languages ("Location:", "Salary:", "Job type:",
"Closing date:"), elements classed as company/location/salary, salary amounts with their period,
employment-type chips ("Full-time") and the main text. employmentType is given as schema.org's
(Google's) enumeration — FULL_TIME, PART_TIME, CONTRACTOR, TEMPORARY, INTERN, VOLUNTEER,
PER_DIEM, OTHER — so that "Full-time" on the page and FULL_TIME in JSON-LD agree
(`job_values` reads those texts).
"""

from __future__ import annotations

import re
from typing import ClassVar

from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.dates import DATE_RE, labelled_dates, time_elements, written_date
from dataops_spiders.intents.entities import clean_value, html_to_text, names_of, primary_entities
from dataops_spiders.intents.entries import listing_evidence
from dataops_spiders.intents.found import Found
from dataops_spiders.intents.job_values import (
    PERIOD_RE,
    amounts,
    employment_types,
    location_from_schema,
    salaries_in,
    salary_from_schema,
    split_job_title,
)
from dataops_spiders.intents.labels import label_pairs
from dataops_spiders.intents.listing import entry_candidates
from dataops_spiders.intents.main_text import main_text, word_count
from dataops_spiders.intents.structured import (
    find_entities,
    get_path,
    jsonld_index,
    meta_named,
    opengraph,
    resolve,
)
from dataops_spiders.intents.text_layout import (
    TextLayout,
    page_text_layout,
    scope_text_layout,
    short_texts,
)
from dataops_spiders.intents.titles import (
    TITLE_SEPARATOR,
    drop_leading_headline,
    site_names,
    title_without_site,
)
from dataops_spiders.intents.urls import absolute_url
from dataops_spiders.intents.visible import class_tokens, class_tokens_of, node_text
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec

JOB_TYPES = {"JobPosting"}
# "Acme Corp · Berlin", "Acme Corp | Berlin", "Acme Corp - Berlin"
_LINE_PARTS = re.compile("\\s+[\u00b7\u2022|\u2013\u2014-]\\s+")

# ----------------------------------------------------------------------- labelled page values

# Labels a page writes before a value, per field (en, de, fr, es).
_LABELS = {
    "hiringOrganization": r"company|employer|organi[sz]ation|hiring organi[sz]ation|"
    r"unternehmen|arbeitgeber|firma|entreprise|employeur|empresa|empleador",
    "jobLocation": r"location|job location|work location|place of work|city|based in|"
    r"standort|arbeitsort|einsatzort|ort|lieu|lieu de travail|ubicación|ubicacion|localidad",
    "baseSalary": r"salary|salary range|pay|pay range|compensation|wage|rate|"
    r"gehalt|vergütung|salaire|rémunération|salario|sueldo",
    "employmentType": r"job type|employment type|type of employment|contract type|employment|"
    r"contract|schedule|anstellungsart|vertragsart|beschäftigungsart|arbeitszeit|"
    r"type de contrat|type d'emploi|tipo de contrato|jornada",
    "datePosted": r"posted|date posted|posted on|published|publication date|listed|"
    r"veröffentlicht|online seit|publié le|date de publication|publicado|fecha de publicación",
    "validThrough": r"closing date|closes|apply by|application deadline|deadline|expires|"
    r"expiry date|valid through|valid until|bewerbungsfrist|bewerbungsschluss|"
    r"date limite|date de clôture|fecha límite|fecha de cierre",
}
_COLON = ":\uff1a"  # and the full-width colon of CJK pages
_LABEL_RES = {
    name: re.compile(rf"^\s*(?:{rx})\s*[{_COLON}]\s*(.+)$", re.I) for name, rx in _LABELS.items()
}
_BARE_LABEL_RES = {
    name: re.compile(rf"^\s*(?:{rx})\s*[{_COLON}]?\s*$", re.I) for name, rx in _LABELS.items()
}
# Where the next "Label:" starts, a value ends: "Location: Leeds Salary: £24,000" on one line.
_NEXT_LABEL = re.compile(rf"\s(?:{'|'.join(_LABELS.values())}|job type|type)\s*[{_COLON}]", re.I)


def labelled_values(layout: TextLayout) -> dict[str, list[str]]:
    """Values written after a label: "Location: Berlin", <dt>Salary</dt><dd>€60k</dd>."""
    values: dict[str, list[str]] = {name: [] for name in _LABELS}
    for label, value in label_pairs(layout):
        for name, pattern in _BARE_LABEL_RES.items():
            if pattern.match(label) and value and len(value) <= 120:
                values[name].append(value.strip(" :"))
                break
    for _, text in short_texts(layout, limit=140):
        for name, pattern in _LABEL_RES.items():
            match = pattern.match(text)
            if match:
                values[name].append(_NEXT_LABEL.split(match.group(1), maxsplit=1)[0].strip())
                break
    return {name: list(dict.fromkeys(v)) for name, v in values.items()}


# ------------------------------------------------------------------------ classed page values

_CLASS_WORDS = {
    "hiringOrganization": {"company", "employer", "organization", "organisation", "companyname",
                           "hiring", "org"},
    "jobLocation": {"location", "locality", "joblocation", "city", "address", "place"},
    "baseSalary": {"salary", "compensation", "pay", "wage", "remuneration"},
    "employmentType": {"employment", "jobtype", "contract", "schedule", "worktype"},
}  # fmt: skip
_NOT_VALUE_WORDS = {"logo", "icon", "description", "about", "info", "bio", "img", "image", "label"}


def _head_words(el) -> set[str]:
    """The last word of each class/id name, the noun it is about: company-location → location."""
    raw = f"{el.get('class') or ''} {el.get('id') or ''}".split()
    return {class_tokens_of(name)[-1] for name in raw if class_tokens_of(name)}


def classed_values(layout: TextLayout) -> dict[str, list[str]]:
    """Short texts of elements classed as company, location, salary or employment type."""
    values: dict[str, list[str]] = {name: [] for name in _CLASS_WORDS}
    for el in layout.iter_visible():
        tokens = class_tokens(el)
        if not tokens or tokens & _NOT_VALUE_WORDS:
            continue
        heads = _head_words(el)
        matches = [n for n, words in _CLASS_WORDS.items() if heads & words] or [
            n for n, words in _CLASS_WORDS.items() if tokens & words
        ]
        if not matches:
            continue
        name = matches[0]
        text = node_text(el)
        label, _, rest = text.partition(":")
        if rest and _BARE_LABEL_RES[name].match(label + ":"):
            text = rest.strip()
        if text and len(text) <= 100 and text not in values[name]:
            values[name].append(text)
    return values


def employment_chips(layout: TextLayout) -> list[str]:
    """Short standalone texts that are just an employment type: "Full-time", "Contract"."""
    found = []
    for _, text in short_texts(layout, limit=30):
        value = employment_types(text)
        if value and len(text.split()) <= 3 and value not in found:
            found.append(value)
    return found


# ------------------------------------------------------------------------------- the intent

_APPLY = re.compile(
    r"\b(?:apply(?: now| for this job| here)?|submit (?:your )?application|jetzt bewerben|"
    r"bewerben|postuler|candidater|solicitar|aplicar|inscríbete|candidatar)\b",
    re.I,
)
_JOB_WORDS = re.compile(
    r"\b(?:responsibilities|requirements|qualifications|what you(?:'ll| will) do|about the role|"
    r"benefits|job description|your profile|ihr profil|ihre aufgaben|wir bieten|profil recherché|"
    r"missions|requisitos|funciones)\b",
    re.I,
)


class JobPostingIntent(Intent):
    """Job ads on career sites and job boards."""

    name: ClassVar[str] = "job_posting"
    fields: ClassVar[dict[str, FieldSpec]] = {
        "title": FieldSpec(type="string", required=True),
        "hiringOrganization": FieldSpec(type="string"),
        "jobLocation": FieldSpec(type="string"),
        "baseSalary": FieldSpec(type="string"),
        "datePosted": FieldSpec(type="date"),
        "validThrough": FieldSpec(type="date"),
        "employmentType": FieldSpec(type="string"),
        "description": FieldSpec(type="text"),
        "url": FieldSpec(type="url"),
    }

    def candidates(self, page: Page, scope=None) -> dict[str, list[Candidate]]:
        found = Found(self.name)
        if scope is None:
            layout = page_text_layout(page, sidebars=True)
            self._structured(page, found)
            if layout.headline is not None:
                found.add("title", node_text(layout.headline), "heuristic", "h1")
            self._head(page, layout, found)
        else:
            layout = scope_text_layout(scope.root)
            found.take(
                entry_candidates(scope.root, page.url, self.name), {"name": "title", "url": "url"}
            )
        self._visible(page, layout, found, scoped=scope is not None)
        return found.result(self.fields)

    def _structured(self, page: Page, found: Found) -> None:
        index = jsonld_index(page)
        for syntax, entity in primary_entities(page, JOB_TYPES).items():
            kind = "jsonld" if syntax == "json-ld" else "microdata"
            found.add_all("title", map(clean_value, get_path(entity, "title")), kind, "title")
            found.add_all("title", map(clean_value, get_path(entity, "name")), kind, "name")
            orgs = names_of(get_path(entity, "hiringOrganization"), index)
            found.add_all("hiringOrganization", orgs[:1], kind, "hiringOrganization")
            found.add("jobLocation", location_from_schema(entity, index), kind, "jobLocation")
            for salary in get_path(entity, "baseSalary") or get_path(entity, "estimatedSalary"):
                found.add(
                    "baseSalary", salary_from_schema(resolve(salary, index)), kind, "baseSalary"
                )
            for key in ("datePosted", "validThrough"):
                found.add_all(key, map(str, get_path(entity, key)), kind, key)
            types = [str(t) for t in get_path(entity, "employmentType")]
            normalised = [employment_types(t) or t.strip() for t in types]
            found.add(
                "employmentType", ", ".join(dict.fromkeys(normalised)), kind, "employmentType"
            )
            for text in get_path(entity, "description"):
                found.add("description", html_to_text(text), kind, "description")
            urls = [
                absolute_url(page.url, u) for u in get_path(entity, "url") if isinstance(u, str)
            ]
            found.add_all("url", urls[:1], kind, "url")

    def _head(self, page: Page, layout: TextLayout, found: Found) -> None:
        h1 = node_text(layout.headline) if layout.headline is not None else None
        names = site_names(page)
        titles = [("opengraph", "og:title", t) for t in opengraph(page, "og:title")]
        titles += [("meta", "title", t) for t in page.selector.xpath("//title/text()").getall()[:1]]
        for kind, how, title in titles:
            # "Engineer at Acme – Board": the part naming an employer holds the job title too
            split = [split_job_title(part) for part in TITLE_SEPARATOR.split(title)[::2]]
            job, org = next(((j, o) for j, o in split if o), ("", None))
            job = job or title_without_site(title, names, page.url, prefer=h1)
            found.add("title", job, kind, how)
            found.add("hiringOrganization", org, kind, how)
        found.add_all(
            "description", opengraph(page, "og:description"), "opengraph", "og:description"
        )
        found.add_all("description", meta_named(page, "description"), "meta", "description")
        canonical = page.selector.xpath("//link[@rel='canonical']/@href").get()
        found.add("url", absolute_url(page.url, canonical), "meta", "canonical")
        for url in opengraph(page, "og:url"):
            found.add("url", absolute_url(page.url, url), "opengraph", "og:url")

    def _visible(self, page: Page, layout: TextLayout, found: Found, scoped: bool) -> None:
        labelled = labelled_values(layout)
        classed = classed_values(layout)
        for name in ("hiringOrganization", "jobLocation"):
            found.add_all(name, labelled[name][:1], "text", "label")
        for line in classed["hiringOrganization"][:1]:
            # "Acme Corp · Berlin, Germany": job boards put the place on the employer's line
            org, *places = _LINE_PARTS.split(line)
            found.add("hiringOrganization", org, "heuristic", "class")
            found.add_all("jobLocation", places[:1], "heuristic", "company-line")
        found.add_all("jobLocation", classed["jobLocation"][:1], "heuristic", "class")
        self._salaries(layout, labelled, classed, found, scoped)
        types = [employment_types(v) or v for v in labelled["employmentType"]]
        found.add_all("employmentType", types[:1], "text", "label")
        types = [t for t in map(employment_types, classed["employmentType"]) if t]
        found.add_all("employmentType", types[:1], "heuristic", "class")
        found.add_all("employmentType", employment_chips(layout)[:1], "heuristic", "chip")
        for name in ("datePosted", "validThrough"):
            dates = [
                written_date(m.group(0), layout.lang)
                for v in labelled[name]
                for m in [DATE_RE.search(v)]
                if m
            ]
            found.add_all(name, dates[:1], "text", "label")
        published, _ = labelled_dates(layout)
        found.add_all("datePosted", published[:1], "text", "posted-label")
        published, _ = time_elements(layout)
        found.add_all("datePosted", published[:1], "heuristic", "time")
        if not scoped:
            self._description(page, layout, found)
            found.add("url", page.url, "heuristic", "page-url")

    @staticmethod
    def _salaries(layout: TextLayout, labelled: dict, classed: dict, found: Found, scoped: bool):
        """Salaries as the page shows them; a JSON-LD salary with the same amounts takes the
        page's wording ("per annum", not our "a year"), so that the two agree."""
        shown = [("text", "label", s) for v in labelled["baseSalary"] for s in salaries_in(v)][:1]
        shown += [("heuristic", "class", s) for v in classed["baseSalary"] for s in salaries_in(v)][
            :1
        ]
        if not scoped or not shown:
            written = [s for _, t in short_texts(layout, limit=120) for s in salaries_in(t)]
            shown += [("text", "salary-text", s) for s in written if PERIOD_RE.search(s)][:1]
        structured = found.fields.pop("baseSalary", [])
        for candidate in structured:
            same = next((s for _, _, s in shown if amounts(s) == amounts(candidate.value)), None)
            found.add("baseSalary", same or candidate.value, candidate.kind, "baseSalary")
        for kind, how, salary in shown:
            found.add("baseSalary", salary, kind, how)

    def _description(self, page: Page, layout: TextLayout, found: Found) -> None:
        """The full description (JSON-LD, the page's description block, else its main text)
        before the short meta summaries."""
        summaries = [c for c in found.fields["description"] if c.kind in ("opengraph", "meta")]
        found.fields["description"] = [c for c in found.fields["description"] if c not in summaries]
        blocks = [
            el
            for el in layout.iter_visible("div", "section", "article")
            if "description" in class_tokens(el) and len(node_text(el)) >= 200
        ]
        if blocks:
            innermost = min(blocks, key=lambda el: len(node_text(el)))
            found.add("description", _block_text(innermost), "heuristic", "description-block")
        else:  # the whole main text (facts box and all) only when the page names no description
            text, how = main_text(page)
            titles = [c.value for c in found.fields["title"]]
            text = drop_leading_headline(text, titles) if text else None
            found.add("description", text, "text", how)
        found.fields["description"] += summaries

    def classify(self, page: Page) -> Classification:
        entities = find_entities(page, JOB_TYPES)
        if len(entities) >= 3 and not primary_entities(page, JOB_TYPES)[
            "json-ld" if any(e["_syntax"] == "json-ld" for e in entities) else "microdata"
        ].get("_mine"):
            return Classification(
                "listing", 0.8, f"{len(entities)} JobPosting entities, none for this page"
            )
        if entities:
            return Classification("item", 0.95, "schema.org JobPosting data")
        layout = page_text_layout(page, sidebars=True)
        listing = listing_evidence(page)
        visible = node_text(layout.content)  # the page outside menus and footers
        words = word_count(visible)
        applies = bool(
            _APPLY.search(" ".join(node_text(el) for el in layout.root.iter("a", "button")))
        )
        sections = len({m.group(0).lower() for m in _JOB_WORDS.finditer(visible)})
        labelled = labelled_values(layout)
        labels = [n for n in ("jobLocation", "baseSalary", "employmentType") if labelled[n]]
        job_ad = applies and sections >= 2
        if listing and listing.is_listing and not job_ad:
            entries = len(listing.group.entries)
            return Classification(
                "listing", 0.75, f"{entries} entries hold {listing.share:.0%} of the text"
            )
        evidence = (layout.headline is not None) + applies + (sections >= 2) + bool(labels)
        if layout.headline is not None and words >= 50 and evidence >= 3:
            reason = ", ".join(
                x
                for x, ok in (
                    ("apply button", applies),
                    ("job sections", sections >= 2),
                    (f"labels {'/'.join(labels)}", bool(labels)),
                )
                if ok
            )
            return Classification("item", 0.6 + 0.1 * (evidence - 2), f"headline, {reason}")
        return Classification("other", 0.6, "no job posting markup or job ad layout")


_LINE_TAGS = ("p", "li", "h2", "h3", "h4", "h5")


def _block_text(el) -> str:
    """Text of a description block with its paragraphs and list items on their own lines
    (the innermost ones: a <p> inside an <li> is one line, not two)."""
    lines = [
        node_text(b)
        for b in el.iter(*_LINE_TAGS)
        if next(b.iterdescendants(*_LINE_TAGS), None) is None
    ]
    lines = [line for line in lines if line]
    return "\n".join(lines) if lines else node_text(el)
