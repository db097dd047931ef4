"""The job_posting intent: JobPosting JSON-LD, and the labels and texts of pages without it."""

from __future__ import annotations

import json

import pytest

from dataops_spiders.demo_site import content as demo_content
from dataops_spiders.demo_site.editorial_pages import render_job, render_jobs_index
from dataops_spiders.fieldtypes import coerce
from dataops_spiders.intents import get_intent, job_values
from dataops_spiders.intents.listing import ListingIntent
from dataops_spiders.page import Page

BOARD_URL = "https://www.hireboard.example/jobs/8841127-senior-backend-engineer"
JOB_JSONLD = {
    "@context": "https://schema.org/",
    "@type": "JobPosting",
    "title": "Senior Backend Engineer",
    "description": (
        "&lt;p&gt;Northwind Logistics moves 2 million parcels a day.&lt;/p&gt;"
        "&lt;p&gt;&lt;strong&gt;What you will do&lt;/strong&gt;&lt;/p&gt;&lt;ul&gt;"
        "&lt;li&gt;Design Go services that plan 40,000 routes every night&lt;/li&gt;"
        "&lt;li&gt;Own the PostgreSQL and Kafka pipelines&lt;/li&gt;&lt;/ul&gt;"
    ),
    "datePosted": "2024-05-02",
    "validThrough": "2024-06-30T23:59",
    "employmentType": ["FULL_TIME"],
    "hiringOrganization": {"@type": "Organization", "name": "Northwind Logistics",
                           "logo": "https://northwind.example/logo.png"},
    "jobLocation": {"@type": "Place", "address": {
        "@type": "PostalAddress", "streetAddress": "500 Congress Ave", "addressLocality": "Austin",
        "addressRegion": "TX", "postalCode": "78701", "addressCountry": "US"}},
    "baseSalary": {"@type": "MonetaryAmount", "currency": "USD", "value": {
        "@type": "QuantitativeValue", "minValue": 140000, "maxValue": 165000, "unitText": "YEAR"}},
}  # fmt: skip

# A job board page in the shape of the big boards: JSON-LD for Google, the same facts visible,
# a menu, and a box of similar jobs with their own companies and places.
BOARD_PAGE = f"""<!DOCTYPE html>
<html lang="en-US"><head>
<title>Senior Backend Engineer - Northwind Logistics - Austin, TX | HireBoard</title>
<meta name="description" content="Northwind Logistics is hiring in Austin, TX.">
<meta property="og:site_name" content="HireBoard">
<meta property="og:title" content="Senior Backend Engineer at Northwind Logistics">
<link rel="canonical" href="{BOARD_URL}">
<script type="application/ld+json">{json.dumps(JOB_JSONLD)}</script>
</head><body>
<header class="topbar"><a class="logo" href="/">HireBoard</a><nav><a href="/jobs">Find jobs</a>
<a href="/companies">Companies</a><a href="/salaries">Salaries</a></nav></header>
<main class="job-view">
 <div class="job-header">
  <h1 class="job-title">Senior Backend Engineer</h1>
  <div class="job-company"><a href="/cmp/northwind-logistics">Northwind Logistics</a></div>
  <div class="job-location">Austin, TX</div>
  <div class="job-meta"><span class="salary-snippet">$140,000 - $165,000 a year</span>
   <span class="job-type-chip">Full-time</span></div>
  <a class="btn btn-primary" href="/apply/8841127">Apply now</a>
 </div>
 <div id="jobDescriptionText" class="job-description">
  <p>Northwind Logistics moves 2 million parcels a day across North America. Our routing
  platform decides, in milliseconds, which truck carries which parcel.</p>
  <p><b>What you will do</b></p>
  <ul><li>Design Go services that plan 40,000 routes every night</li>
  <li>Own the PostgreSQL and Kafka pipelines</li></ul>
 </div>
</main>
<aside class="similar-jobs"><h2>Similar jobs</h2>
 <div class="job-card"><a href="/jobs/1">Backend Engineer</a><span class="company">Contoso</span>
  <span class="location">Dallas, TX</span><span class="salary">$95,000 a year</span></div>
 <div class="job-card"><a href="/jobs/2">Platform Engineer</a><span class="company">Fabrikam</span>
  <span class="location">Remote</span><span class="salary">$120,000 a year</span></div>
</aside>
</body></html>"""

CAREERS_URL = "https://karriere.brightwater.example/jobs/data-engineer"
# A company careers page in German with no schema.org markup: facts in a <dl>, a visible
# "published on" line, sections named as German job ads name them, and a cookie banner.
CAREERS_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Data Engineer (m/w/d) – Karriere bei Brightwater Energy</title>
<meta name="description" content="Werde Teil unseres Data-Teams in Hamburg.">
</head><body>
<div id="cookie-banner" class="cookie-consent">Wir verwenden Cookies. <button>OK</button></div>
<header><a href="/"><img src="/logo.svg" alt="Brightwater Energy"></a>
<nav><ul><li><a href="/karriere">Karriere</a></li><li><a href="/kontakt">Kontakt</a></li></ul></nav>
</header>
<div class="content"><section class="job-detail">
  <a class="back-link" href="/karriere/jobs">Alle Stellen</a>
  <h1>Data Engineer (m/w/d)</h1>
  <dl class="job-facts">
   <dt>Standort</dt><dd>Hamburg, Deutschland (hybrid)</dd>
   <dt>Anstellungsart</dt><dd>Vollzeit, unbefristet</dd>
   <dt>Gehalt</dt><dd>65.000 € – 78.000 € pro Jahr</dd>
   <dt>Bewerbungsfrist</dt><dd>31.07.2024</dd>
  </dl>
  <p class="meta">Veröffentlicht am 12.06.2024</p>
  <h2>Ihre Aufgaben</h2>
  <ul><li>Sie bauen und betreiben unsere Datenpipelines für Smart-Meter-Daten von über
  400.000 Haushalten.</li><li>Sie modellieren Daten in unserem Lakehouse und sorgen für
  saubere, dokumentierte Datensätze.</li><li>Sie arbeiten eng mit Data Scientists und dem
  Energiehandel zusammen.</li></ul>
  <h2>Ihr Profil</h2>
  <ul><li>Mehrjährige Erfahrung mit Python, SQL und Apache Spark oder vergleichbaren
  Werkzeugen.</li><li>Erfahrung mit Cloud-Plattformen, idealerweise Azure, und mit
  Infrastructure as Code.</li><li>Sehr gute Deutsch- und gute Englischkenntnisse.</li></ul>
  <h2>Wir bieten</h2>
  <p>Flexible Arbeitszeiten, bis zu drei Tage mobiles Arbeiten pro Woche, 30 Urlaubstage und
  ein Team, das Energie für die Wende in Daten verwandelt.</p>
  <a class="button" href="/karriere/jobs/data-engineer/bewerben">Jetzt bewerben</a>
</section></div>
<footer><p>Brightwater Energy GmbH · Hafenstraße 1 · 20457 Hamburg</p></footer>
</body></html>"""

SEARCH_URL = "https://www.hireboard.example/jobs?q=python&l=Berlin"
CARD = """<li class="result-card"><h2 class="job-title"><a href="/jobs/{id}">{title}</a></h2>
<div class="company-name">{company}</div><div class="company-location">{place}</div>{salary}
<span class="job-type">{kind}</span><span class="date">Posted {posted}</span></li>"""
CARDS = [
    (101, "Python Developer", "Zalando SE", "Berlin", "€60,000 - €75,000 a year", "Full-time",
     "2 days ago"),
    (102, "Backend Engineer (Python)", "N26", "Berlin (hybrid)", None, "Full-time", "today"),
    (103, "Working Student Python", "Delivery Hero", "Berlin", "€16 an hour", "Part-time",
     "30+ days ago"),
]  # fmt: skip
SEARCH_PAGE = f"""<!DOCTYPE html><html lang="en"><head><title>Python jobs in Berlin</title></head>
<body><header class="topbar"><a class="logo" href="/">HireBoard</a><nav><a href="/jobs">Find
jobs</a><a href="/companies">Companies</a></nav></header><main><h1>Python jobs in Berlin</h1>
<ul class="job-results">{
    "".join(
        CARD.format(
            id=i, title=t, company=c, place=p, kind=k, posted=d,
            salary=f'<div class="salary-snippet">{s}</div>' if s else "",
        )
        for i, t, c, p, s, k, d in CARDS
    )
}</ul><nav class="pagination"><a href="?start=10">Next</a></nav></main>
<footer><a href="/about">About</a></footer></body></html>"""  # fmt: skip


def job(html: str, url: str) -> dict:
    return get_intent("job_posting").candidates(Page(url=url, html=html))


def first_valid(found: dict, field: str, url: str):
    """The value the extraction engine would pick: the first candidate that coerces."""
    spec = get_intent("job_posting").fields[field]
    for candidate in found[field]:
        coerced = coerce(candidate.value, spec.type, url)
        if coerced.ok:
            return coerced.value
    return None


# -------------------------------------------------------------------- a board with JSON-LD


def test_board_page_fields_come_from_jsonld_first():
    found = job(BOARD_PAGE, BOARD_URL)
    expected = {
        "title": "Senior Backend Engineer",
        "hiringOrganization": "Northwind Logistics",
        "jobLocation": "Austin, TX",
        "baseSalary": "$140,000 - $165,000 a year",
        "datePosted": "2024-05-02",
        "validThrough": "2024-06-30T23:59:00",
        "employmentType": "FULL_TIME",
        "url": BOARD_URL,
    }
    assert {f: first_valid(found, f, BOARD_URL) for f in expected} == expected
    assert all(found[f][0].kind == "jsonld" for f in expected if f != "url")


def test_jsonld_description_is_text_with_its_paragraphs_and_items_on_their_own_lines():
    found = job(BOARD_PAGE, BOARD_URL)
    assert found["description"][0].value == (
        "Northwind Logistics moves 2 million parcels a day.\nWhat you will do\n"
        "Design Go services that plan 40,000 routes every night\n"
        "Own the PostgreSQL and Kafka pipelines"
    )
    # the page's own description block, not its whole main text; the meta summary last
    assert [c.source for c in found["description"]] == [
        "job_posting:jsonld:description",
        "job_posting:heuristic:description-block",
        "job_posting:meta:description",
    ]


def test_visible_values_agree_with_jsonld_from_other_kinds():
    found = job(BOARD_PAGE, BOARD_URL)
    for field, value in (
        ("title", "Senior Backend Engineer"),
        ("hiringOrganization", "Northwind Logistics"),
        ("jobLocation", "Austin, TX"),
        ("baseSalary", "$140,000 - $165,000 a year"),
        ("employmentType", "FULL_TIME"),
    ):
        kinds = {c.kind for c in found[field] if c.value == value}
        assert "jsonld" in kinds and len(kinds) >= 2, (field, found[field])


def test_og_title_loses_its_at_employer_part():
    found = job(BOARD_PAGE, BOARD_URL)
    by_source = {c.source: c.value for c in found["title"]}
    assert by_source["job_posting:opengraph:og:title"] == "Senior Backend Engineer"
    orgs = {c.source: c.value for c in found["hiringOrganization"]}
    assert orgs["job_posting:opengraph:og:title"] == "Northwind Logistics"


def test_similar_jobs_box_does_not_leak_into_the_record():
    found = job(BOARD_PAGE, BOARD_URL)
    everything = {str(c.value) for candidates in found.values() for c in candidates}
    for other in ("Contoso", "Fabrikam", "Dallas, TX", "$95,000 a year"):
        assert other not in everything


def test_board_page_is_an_item():
    verdict = get_intent("job_posting").classify(Page(url=BOARD_URL, html=BOARD_PAGE))
    assert (verdict.kind, verdict.score) == ("item", 0.95)


# ------------------------------------------------------------- a careers page without markup


def test_careers_page_without_markup_reads_labels_in_german():
    found = job(CAREERS_PAGE, CAREERS_URL)
    assert first_valid(found, "title", CAREERS_URL) == "Data Engineer (m/w/d)"
    assert first_valid(found, "hiringOrganization", CAREERS_URL) == "Brightwater Energy"
    assert first_valid(found, "jobLocation", CAREERS_URL) == "Hamburg, Deutschland (hybrid)"
    assert first_valid(found, "baseSalary", CAREERS_URL) == "65.000 € – 78.000 € pro Jahr"
    assert first_valid(found, "employmentType", CAREERS_URL) == "FULL_TIME"
    assert first_valid(found, "datePosted", CAREERS_URL) == "2024-06-12"
    assert first_valid(found, "validThrough", CAREERS_URL) == "2024-07-31"
    assert "Datenpipelines für Smart-Meter-Daten" in first_valid(found, "description", CAREERS_URL)
    assert first_valid(found, "url", CAREERS_URL) == CAREERS_URL


SIDEBAR_URL = "https://careers.greenhollow.example/jobs/store-manager/"
# A WordPress careers theme: the facts box is an <aside> beside the description, and another
# aside lists similar jobs with their own facts.
SIDEBAR_PAGE = """<html lang="en-GB"><head><title>Store Manager - Greenhollow Careers</title></head>
<body><header><nav><a href="/">Home</a><a href="/jobs/">Jobs</a></nav></header>
<div class="container"><main><article class="job_listing"><h1>Store Manager</h1>
<div class="job-description"><p>Run our flagship garden centre: a team of twenty, a busy café
and the best plant selection in the north.</p><h3>Responsibilities</h3><ul><li>Lead and develop
the store team.</li><li>Own sales, stock and the weekly rota.</li></ul><h3>Requirements</h3>
<ul><li>Three years of retail management.</li></ul></div></article></main>
<aside class="job-overview widget"><h3>Job overview</h3><ul>
<li><strong>Location:</strong> Manchester, United Kingdom</li>
<li><strong>Salary:</strong> £32,000 - £36,000 per annum</li>
<li><strong>Job type:</strong> Full-time</li>
<li><strong>Closing date:</strong> 14/03/2025</li></ul>
<a class="button" href="/jobs/store-manager/apply/">Apply for this job</a></aside>
<aside class="similar-jobs widget"><h3>Similar jobs</h3><ul>
<li><strong>Location:</strong> Leeds</li><li><strong>Salary:</strong> £24,000 per annum</li>
</ul></aside></div></body></html>"""


def test_facts_in_a_sidebar_are_read_and_similar_jobs_are_not():
    found = job(SIDEBAR_PAGE, SIDEBAR_URL)
    assert first_valid(found, "jobLocation", SIDEBAR_URL) == "Manchester, United Kingdom"
    assert first_valid(found, "baseSalary", SIDEBAR_URL) == "£32,000 - £36,000 per annum"
    assert first_valid(found, "employmentType", SIDEBAR_URL) == "FULL_TIME"
    assert first_valid(found, "validThrough", SIDEBAR_URL) == "2025-03-14"  # en-GB: day first
    everything = {str(c.value) for candidates in found.values() for c in candidates}
    assert "Leeds" not in everything and "£24,000 per annum" not in everything
    verdict = get_intent("job_posting").classify(Page(url=SIDEBAR_URL, html=SIDEBAR_PAGE))
    assert verdict.kind == "item"


def test_careers_page_is_an_item_for_its_apply_button_sections_and_labels():
    verdict = get_intent("job_posting").classify(Page(url=CAREERS_URL, html=CAREERS_PAGE))
    assert verdict.kind == "item"
    assert "apply button" in verdict.reason and "job sections" in verdict.reason


def test_an_article_is_not_a_job_posting():
    article = (
        """<html><body><article><h1>How we hire engineers</h1><p class="byline">By Ana
    Silva</p>"""
        + "<p>We read every application and answer within a week.</p>" * 30
        + """
    </article></body></html>"""
    )
    verdict = get_intent("job_posting").classify(Page(url="https://b.example/hiring", html=article))
    assert verdict.kind == "other"


# ---------------------------------------------------------------------- a search result page


def test_search_results_are_a_listing_of_job_cards():
    page = Page(url=SEARCH_URL, html=SEARCH_PAGE)
    assert get_intent("job_posting").classify(page).kind == "listing"


def test_each_job_card_scoped_by_the_listing_gives_its_own_fields():
    page = Page(url=SEARCH_URL, html=SEARCH_PAGE)
    scopes = ListingIntent().record_scopes(page)
    intent = get_intent("job_posting")
    rows = []
    for scope in scopes:
        found = intent.candidates(page, scope)
        rows.append(
            tuple(
                first_valid(found, f, SEARCH_URL)
                for f in (
                    "title",
                    "hiringOrganization",
                    "jobLocation",
                    "baseSalary",
                    "employmentType",
                    "url",
                )
            )
        )
    assert rows == [
        ("Python Developer", "Zalando SE", "Berlin", "€60,000 - €75,000 a year", "FULL_TIME",
         "https://www.hireboard.example/jobs/101"),
        ("Backend Engineer (Python)", "N26", "Berlin (hybrid)", None, "FULL_TIME",
         "https://www.hireboard.example/jobs/102"),
        ("Working Student Python", "Delivery Hero", "Berlin", "€16 an hour", "PART_TIME",
         "https://www.hireboard.example/jobs/103"),
    ]  # fmt: skip
    posted = [intent.candidates(page, s)["datePosted"][0].value for s in scopes]
    assert posted == ["2 days ago", "today", "30+ days ago"]


# ------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("salary", "text"),
    [
        ({"currency": "USD", "value": {"minValue": 90000, "maxValue": 110000, "unitText": "YEAR"}},
         "$90,000 - $110,000 a year"),
        ({"currency": "GBP", "value": {"value": 18.5, "unitText": "HOUR"}}, "£18.50 an hour"),
        ({"currency": "EUR", "value": {"minValue": "55000", "unitText": "MONTH"}},
         "€55,000 a month"),
        ({"currency": "CHF", "value": 120000}, "120,000 CHF"),
        ("Competitive", "Competitive"),
        ({"currency": "USD", "value": {"unitText": "YEAR"}}, None),
    ],
)  # fmt: skip
def test_salary_from_schema(salary, text):
    assert job_values.salary_from_schema(salary) == text


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Pay: $25 an hour, paid weekly", ["$25 an hour"]),
        ("£35k–£45k per annum plus bonus", ["£35k–£45k per annum"]),
        ("Up to €60.000 brutto", ["Up to €60.000 brutto"]),
        ("From £30,000 p.a.", ["From £30,000 p.a."]),
    ],
)
def test_salaries_in_text(text, found):
    assert job_values.salaries_in(text) == found


def test_amounts_understand_thousands_separators_and_k():
    assert job_values.amounts("$90,000 - $110,000 a year") == [90000, 110000]
    assert job_values.amounts("65.000 € – 78.000 €") == [65000, 78000]
    assert job_values.amounts("£35k–£45k") == [35000, 45000]
    assert job_values.amounts("$19.50 an hour") == [19]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Full-time", "FULL_TIME"),
        ("FULL_TIME", "FULL_TIME"),
        ("part time", "PART_TIME"),
        ("Contract, Part-time", "CONTRACTOR, PART_TIME"),
        ("Vollzeit, unbefristet", "FULL_TIME"),
        ("Temps partiel", "PART_TIME"),
        ("Fixed-term contract", "TEMPORARY"),
        ("Permanent contract", None),
        ("Internship", "INTERN"),
    ],
)
def test_employment_types(text, code):
    assert job_values.employment_types(text) == code


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("Senior Engineer at Acme Corp", ("Senior Engineer", "Acme Corp")),
        ("Karriere bei Brightwater Energy", ("", "Brightwater Energy")),
        ("Data Engineer (m/w/d)", ("Data Engineer (m/w/d)", None)),
    ],
)
def test_split_job_title(title, parts):
    assert job_values.split_job_title(title) == parts


def test_locations_read_as_job_boards_show_them():
    place = {"@type": "Place", "address": {"addressLocality": "Berlin", "addressRegion": "BE",
                                           "addressCountry": "DE"}}  # fmt: skip
    assert job_values.location_from_schema({"jobLocation": place}, {}) == "Berlin, Germany"
    remote = {
        "jobLocationType": "TELECOMMUTE",
        "applicantLocationRequirements": {"@type": "Country", "name": "US"},
    }
    assert job_values.location_from_schema(remote, {}) == "Remote (United States)"
    two = {"jobLocation": [place, {"address": "Hamburg"}]}
    assert job_values.location_from_schema(two, {}) == "Berlin, Germany; Hamburg"


# ------------------------------------------------------ the demo site's careers, every job

DEMO = "http://127.0.0.1:8000"


@pytest.mark.parametrize("ad", demo_content.jobs(), ids=lambda ad: f"{ad.markup}-{ad.id}")
def test_demo_job_ads_match_their_ground_truth(ad):
    """Half the ads carry JobPosting JSON-LD, half only the visible page."""
    url = DEMO + ad.path
    found = job(render_job(ad, DEMO), url)
    expected = demo_content.expected_job(ad.id, DEMO)
    got = {field: first_valid(found, field, url) for field in expected}
    got["validThrough"] = got["validThrough"][:10] if got["validThrough"] else None
    assert expected.pop("description").startswith(got.pop("description").split("\n")[0])
    assert got == expected
    assert (
        get_intent("job_posting").classify(Page(url=url, html=render_job(ad, DEMO))).kind == "item"
    )


def test_demo_careers_table_is_a_listing_with_a_record_per_row():
    page = Page(url=DEMO + "/jobs/", html=render_jobs_index(DEMO))
    assert get_intent("job_posting").classify(page).kind == "listing"
    scopes = ListingIntent().record_scopes(page)
    titles = [job_title(page, scope) for scope in scopes]
    assert titles == [ad.title for ad in demo_content.listed_jobs()]


def job_title(page: Page, scope) -> str:
    return get_intent("job_posting").candidates(page, scope)["title"][0].value
