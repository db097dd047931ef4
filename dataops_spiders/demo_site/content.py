"""Deterministic content of the fixture site, and the ground truth tests compare extraction with.

Every value is drawn from `random.Random` seeded with a string naming the thing it describes
("product/42"), so content never changes between runs, processes or PYTHONHASHSEED values, and
product 42 is the same product in the small catalogue and in the benchmark one.

Ground truth: `expected_product()`, `expected_article()` and `expected_job()` return one record per
page with the field names of the built-in intents (schema.org / zyte-common-items). Prices are
decimal strings ("1299.00"); dates are ISO dates ("2026-03-04"); availability is "InStock" or
"OutOfStock" (the visible text of an out-of-stock product may say "Sold out" or "Currently
unavailable"; it means the same). `edition_diff()` gives the differences between two editions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from dataops_spiders.demo_site import vocabulary as words

SIZES = {"small": 300, "bench": 2400}
EDITIONS = (1, 2)
PRODUCTS_PER_PAGE = 20
ARTICLES_PER_PAGE = 10
CATEGORY_SLUGS = tuple(words.CATEGORIES)
MARKUPS = ("jsonld", "microdata", "none")
LAYOUTS = ("classic", "storefront", "catalog", "table")

# Edition 2: a small, known change set (product indices, valid in every catalogue size).
REPRICED = {3: Decimal("1.10"), 10: Decimal("0.85"), 47: Decimal("1.25"), 128: Decimal("0.80"),
            251: Decimal("1.05")}  # fmt: skip
REMOVED = (20, 161)
ADDED_COUNT = 2


def _rng(*parts: object) -> random.Random:
    # A str seed is hashed with SHA-512 by random.seed: stable across runs and hash seeds.
    return random.Random("harbor-pine/" + "/".join(str(p) for p in parts))


def slugify(text: str) -> str:
    text = text.lower().replace("'", "").replace("&", "and")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shop_price(value: float | Decimal) -> Decimal:
    """A price as shops set them: 49.99, 49.95, 49.00 or 49.50."""
    whole = int(Decimal(str(value)))
    ending = ("0.99", "0.99", "0.99", "0.95", "0.00", "0.50")[whole % 6]
    return _cents(Decimal(max(whole, 1)) + Decimal(ending))


def _gtin13(number: int) -> str:
    body = f"{number:012d}"[-12:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# --------------------------------------------------------------------------- products


@dataclass(frozen=True)
class Product:
    index: int
    slug: str
    name: str
    brand: str
    category: str
    price: Decimal
    old_price: Decimal | None  # set when on sale: shown struck through next to the price
    currency: str
    sku: str
    gtin: str | None
    in_stock: bool
    stock_text: str  # what the page says about availability
    description: str
    colour: str
    material: str
    warranty_years: int
    rating: Decimal
    review_count: int
    markup: str  # "jsonld" | "microdata" | "none": which structured data the page carries
    layout: str  # which of the LAYOUTS renders the visible HTML
    has_manual: bool  # a PDF manual is linked from the page

    @property
    def path(self) -> str:
        return product_path(self.slug)

    @property
    def image(self) -> str:
        return f"/static/img/products/{self.slug}.png"

    @property
    def availability(self) -> str:
        return "InStock" if self.in_stock else "OutOfStock"

    @property
    def manual_path(self) -> str:
        return f"/downloads/{self.slug}-manual.pdf"


def product_path(slug: str) -> str:
    return f"/product/{slug}.html"


def category_path(category: str, page: int = 1) -> str:
    return f"/catalogue/{category}/" + (f"?page={page}" if page > 1 else "")


def _product_identity(index: int) -> tuple[str, str, str, str, str]:
    """Category, brand, adjective, noun and colour: a unique combination per index."""
    category = CATEGORY_SLUGS[index % len(CATEGORY_SLUGS)]
    _, brands, nouns, _ = words.CATEGORIES[category]
    # Walk the combinations in a scrambled but one-to-one order (7919 is prime to their count).
    combos = len(nouns) * len(brands) * len(words.ADJECTIVES) * len(words.COLOURS)
    k = (index // len(CATEGORY_SLUGS) * 7919) % combos
    noun = nouns[k % len(nouns)]
    k //= len(nouns)
    brand = brands[k % len(brands)]
    k //= len(brands)
    adjective = words.ADJECTIVES[k % len(words.ADJECTIVES)]
    colour = words.COLOURS[k // len(words.ADJECTIVES)]
    return category, brand, adjective, noun, colour


def _sku(index: int, category: str, brand: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{category[:3].upper()}-{index:05d}"
    if style == 1:
        initials = "".join(w[0] for w in brand.split() if w[0].isalpha()).upper()
        return f"{initials}{100000 + index * 7}"
    if style == 2:
        return f"HP-{index:04d}-{rng.choice('ABCDEFGH')}"
    return f"{400000 + index * 13}"


def make_product(index: int) -> Product:
    rng = _rng("product", index)
    category, brand, adjective, noun, colour = _product_identity(index)
    low, high = words.CATEGORIES[category][3]
    # Log-uniform: many cheap items, a few expensive ones, as in real catalogues.
    price = shop_price(low * (high / low) ** rng.random())
    old_price = shop_price(float(price) * rng.uniform(1.15, 1.5)) if rng.random() < 0.2 else None
    roll = rng.random()
    currency = "USD" if roll < 0.78 else "EUR" if roll < 0.9 else "GBP"
    in_stock = rng.random() < 0.8
    left = rng.randint(2, 9)
    stock_text = rng.choice(
        ("In stock", f"{left + 10} in stock", f"Only {left} left", "Available – ships in 1–2 days")
        if in_stock
        else ("Out of stock", "Sold out", "Currently unavailable")
    )
    name = f"{brand} {adjective} {noun} ({colour})"
    material = rng.choice(words.MATERIALS)
    warranty = rng.choice((1, 2, 3, 5))
    fill = {
        "name": name,
        "noun_lower": noun.lower(),
        "material": material,
        "colour": colour.lower(),
        "warranty": warranty,
        "brand": brand,
    }
    description = " ".join(
        rng.choice(pool).format(**fill)
        for pool in (
            words.DESCRIPTION_OPENERS,
            words.DESCRIPTION_MIDDLES,
            words.DESCRIPTION_CLOSERS,
        )
    )
    return Product(
        index=index,
        slug=slugify(name),
        name=name,
        brand=brand,
        category=category,
        price=price,
        old_price=old_price,
        currency=currency,
        sku=_sku(index, category, brand, rng),
        gtin=_gtin13(4006381 * 100000 + index) if rng.random() < 0.75 else None,
        in_stock=in_stock,
        stock_text=stock_text,
        description=description,
        colour=colour,
        material=material,
        warranty_years=warranty,
        rating=_cents(rng.uniform(3.4, 5.0)).quantize(Decimal("0.1")),
        review_count=rng.randint(0, 240),
        # Markup and layout cycle with the index so each share is exact, independent of category.
        markup=MARKUPS[(index // len(CATEGORY_SLUGS)) % len(MARKUPS)],
        layout=LAYOUTS[(index // 2) % len(LAYOUTS)],
        has_manual=category == "electronics" and index % 4 == 1,
    )


def _reprice(product: Product, factor: Decimal) -> Product:
    price = shop_price(product.price * factor)
    old_price = product.old_price if product.old_price and product.old_price > price else None
    return replace(product, price=price, old_price=old_price)


class Catalogue:
    """The products of one size and edition, by slug and by category, in catalogue order."""

    def __init__(self, size: str = "small", edition: int = 1):
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r} (known: {', '.join(SIZES)})")
        if edition not in EDITIONS:
            raise ValueError(f"unknown edition {edition!r} (known: {EDITIONS})")
        count = SIZES[size]
        products = [make_product(i) for i in range(count)]
        if edition == 2:
            products = [
                _reprice(p, REPRICED[p.index]) if p.index in REPRICED else p
                for p in products
                if p.index not in REMOVED
            ]
            products += [make_product(count + n) for n in range(ADDED_COUNT)]
        self.size = size
        self.edition = edition
        self.products = products
        self.by_slug = {p.slug: p for p in products}
        self.by_category: dict[str, list[Product]] = {c: [] for c in CATEGORY_SLUGS}
        for product in products:
            self.by_category[product.category].append(product)

    def page_count(self, category: str) -> int:
        return max(1, -(-len(self.by_category[category]) // PRODUCTS_PER_PAGE))

    def listing(self, category: str, page: int) -> list[Product]:
        start = (page - 1) * PRODUCTS_PER_PAGE
        return self.by_category[category][start : start + PRODUCTS_PER_PAGE]

    def related(self, product: Product, count: int = 4) -> list[Product]:
        """Neighbours in the same category: the 'you may also like' block of a product page."""
        siblings = self.by_category[product.category]
        at = next(i for i, p in enumerate(siblings) if p.slug == product.slug)
        picks = [siblings[(at + step) % len(siblings)] for step in (1, 2, -1, 3, -2, 4)]
        unique = list(dict.fromkeys(p for p in picks if p.slug != product.slug))
        return unique[:count]

    def featured(self, count: int = 6) -> list[Product]:
        return [self.by_category[c][0] for c in CATEGORY_SLUGS][:count]

    def deal_of_the_day(self) -> Product:
        return next(p for p in self.products if p.old_price and p.in_stock)


@cache
def catalogue(size: str = "small", edition: int = 1) -> Catalogue:
    return Catalogue(size, edition)


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path if base_url else path


def product_record(product: Product, base_url: str = "") -> dict:
    return {
        "name": product.name,
        "price": str(product.price),
        "currency": product.currency,
        "sku": product.sku,
        "brand": product.brand,
        "availability": product.availability,
        "gtin": product.gtin,
        "description": product.description,
        "mainImage": _join(base_url, product.image),
        "url": _join(base_url, product.path),
    }


def expected_product(slug: str, *, size="small", edition=1, base_url: str = "") -> dict:
    """The record a perfect extractor returns for /product/<slug>.html (KeyError if absent)."""
    return product_record(catalogue(size, edition).by_slug[slug], base_url)


def expected_products(*, size="small", edition=1, base_url: str = "") -> dict[str, dict]:
    return {p.slug: product_record(p, base_url) for p in catalogue(size, edition).products}


def edition_diff(old: int = 1, new: int = 2, *, size: str = "small") -> dict:
    """What changed between two editions: added and removed slugs, and changed fields per slug."""
    before = expected_products(size=size, edition=old)
    after = expected_products(size=size, edition=new)
    changed = {}
    for slug in before.keys() & after.keys():
        fields = {k: (before[slug][k], after[slug][k]) for k in before[slug]}
        fields = {k: pair for k, pair in fields.items() if pair[0] != pair[1]}
        if fields:
            changed[slug] = fields
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": dict(sorted(changed.items())),
    }


# --------------------------------------------------------------------------- articles

ARTICLE_START = date(2025, 1, 6)
ARCHIVED_ARTICLES = 2  # the last topics: older posts linked from nowhere, listed in the sitemap


@dataclass(frozen=True)
class Comment:
    author: str
    posted: date
    text: str


@dataclass(frozen=True)
class Article:
    index: int
    slug: str
    headline: str
    authors: tuple[str, ...]
    published: date
    modified: date | None
    category: str
    topic: str
    description: str
    paragraphs: tuple[str, ...]
    comments: tuple[Comment, ...]
    markup: str  # "NewsArticle" | "BlogPosting" (JSON-LD) | "meta" | "byline" (no JSON-LD)
    archived: bool
    mentioned_product: int  # index of a product linked through its old URL

    @property
    def path(self) -> str:
        return f"/blog/{self.slug}/"

    @property
    def image(self) -> str:
        return f"/static/img/blog/{self.slug}.png"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"


def make_article(index: int) -> Article:
    rng = _rng("article", index)
    headline, category, topic = words.ARTICLE_TOPICS[index]
    listed = len(words.ARTICLE_TOPICS) - ARCHIVED_ARTICLES
    archived = index >= listed
    if archived:
        published = date(2024, 11, 18) + timedelta(days=9 * (index - listed))
    else:
        published = ARTICLE_START + timedelta(days=20 * index + rng.randrange(3))
    authors = [_person(rng)]
    if rng.random() < 0.3:
        second = _person(rng)
        if second != authors[0]:
            authors.append(second)
    paragraphs = tuple(
        " ".join(
            s.format(topic=topic) for s in rng.sample(words.ARTICLE_SENTENCES, rng.randint(3, 5))
        )
        for _ in range(rng.randint(5, 8))
    )
    comments = tuple(
        Comment(
            author=rng.choice(words.COMMENTERS),
            posted=published + timedelta(days=rng.randint(1, 30)),
            text=rng.choice(words.COMMENT_TEXTS),
        )
        for _ in range(rng.randint(0, 4))
    )
    modified = published + timedelta(days=rng.randint(5, 60)) if rng.random() < 0.4 else None
    description = rng.choice(
        (
            f"A practical look at {topic}, with tips from our team and readers.",
            f"Everything we learned about {topic} this year, in one place.",
            f"Our guide to {topic}: what works, what doesn't, and what to buy.",
        )
    )
    return Article(
        index=index,
        slug=slugify(headline),
        headline=headline,
        authors=tuple(authors),
        published=published,
        modified=modified,
        category=category,
        topic=topic,
        description=description,
        paragraphs=paragraphs,
        comments=comments,
        markup=("NewsArticle", "meta", "BlogPosting", "byline")[index % 4],
        archived=archived,
        mentioned_product=CATEGORY_SLUGS.index(category) + 6 * rng.randrange(8),
    )


@cache
def articles() -> tuple[Article, ...]:
    """Every article, newest first; archived ones (sitemap only) at the end."""
    made = [make_article(i) for i in range(len(words.ARTICLE_TOPICS))]
    listed = sorted((a for a in made if not a.archived), key=lambda a: a.published, reverse=True)
    return tuple(listed + [a for a in made if a.archived])


def listed_articles() -> tuple[Article, ...]:
    return tuple(a for a in articles() if not a.archived)


def article_by_slug(slug: str) -> Article:
    return next(a for a in articles() if a.slug == slug)


def expected_article(slug: str, base_url: str = "") -> dict:
    article = article_by_slug(slug)
    return {
        "headline": article.headline,
        "authors": list(article.authors),
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat() if article.modified else None,
        "description": article.description,
        "articleBody": "\n\n".join(article.paragraphs),
        "mainImage": _join(base_url, article.image),
        "inLanguage": "en",
        "url": _join(base_url, article.path),
    }


# --------------------------------------------------------------------------- jobs

FIRST_JOB_ID = 4101
LISTED_JOBS = 20
UNLISTED_JOBS = 1  # reachable only through the sitemap


@dataclass(frozen=True)
class Job:
    id: int
    title: str
    organization: str
    location: tuple[str, str, str, str]  # visible text, locality, region, country
    salary_text: str | None  # as shown on the page; None when the posting gives no salary
    salary_range: tuple[int, int] | None
    salary_unit: str  # "YEAR" | "HOUR"
    currency: str
    posted: date
    valid_through: date
    employment_type: str  # schema.org code, e.g. "FULL_TIME"
    employment_label: str  # as shown, e.g. "Full-time"
    summary: str
    duties: tuple[str, ...]
    requirements: tuple[str, ...]
    markup: str  # "jsonld" | "none"
    listed: bool

    @property
    def path(self) -> str:
        return f"/jobs/{self.id}"


def _salary_text(low: int, high: int, unit: str, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}[currency]
    if unit == "HOUR":
        return f"{symbol}{low} - {symbol}{high} an hour"
    if currency == "GBP":
        return f"£{low:,} - £{high:,} per annum"
    if currency == "EUR":
        return f"€{low:,}–€{high:,} per year"
    return f"${low:,} - ${high:,} a year"


def make_job(number: int) -> Job:
    rng = _rng("job", number)
    title = words.JOB_TITLES[number % len(words.JOB_TITLES)]
    shown, locality, region, country, currency, scale = rng.choice(words.LOCATIONS)
    hourly = title in ("Warehouse Associate", "Delivery Driver", "Quality Assurance Inspector")
    if hourly:
        low = int(rng.randint(17, 24) * scale + 0.5)
        salary_range = (low, low + rng.randint(2, 5))
    else:
        low = int(rng.randint(45, 130) * scale) * 1000
        salary_range = (low, low + rng.randint(1, 4) * 10000)
    unit = "HOUR" if hourly else "YEAR"
    disclosed = rng.random() < 0.85
    code, label = words.EMPLOYMENT_TYPES[0 if rng.random() < 0.7 else rng.randrange(1, 4)]
    posted = date(2026, 9, 1) + timedelta(days=4 * number + rng.randrange(3))
    organization = words.EMPLOYERS[0 if rng.random() < 0.5 else rng.randrange(1, 5)]
    return Job(
        id=FIRST_JOB_ID + number,
        title=title,
        organization=organization,
        location=(shown, locality, region, country),
        salary_text=_salary_text(*salary_range, unit, currency) if disclosed else None,
        salary_range=salary_range if disclosed else None,
        salary_unit=unit,
        currency=currency,
        posted=posted,
        valid_through=posted + timedelta(days=45),
        employment_type=code,
        employment_label=label,
        summary=(
            f"{organization} is looking for a {title.lower()} to join us in "
            f"{shown.split(',')[0].replace('Remote (United States)', 'a remote role')}. "
            + rng.choice(words.JOB_DUTIES)
        ),
        duties=tuple(rng.sample(words.JOB_DUTIES, 3)),
        requirements=tuple(rng.sample(words.JOB_REQUIREMENTS, 3)),
        markup="jsonld" if number % 2 == 0 else "none",
        listed=number < LISTED_JOBS,
    )


@cache
def jobs() -> tuple[Job, ...]:
    return tuple(make_job(n) for n in range(LISTED_JOBS + UNLISTED_JOBS))


def listed_jobs() -> tuple[Job, ...]:
    return tuple(j for j in jobs() if j.listed)


def job_by_id(job_id: int) -> Job:
    return next(j for j in jobs() if j.id == job_id)


def expected_job(job_id: int, base_url: str = "") -> dict:
    job = job_by_id(job_id)
    return {
        "title": job.title,
        "hiringOrganization": job.organization,
        "jobLocation": job.location[0],
        "baseSalary": job.salary_text,
        "datePosted": job.posted.isoformat(),
        "validThrough": job.valid_through.isoformat(),
        "employmentType": job.employment_type,
        "description": " ".join((job.summary, *job.duties, *job.requirements)),
        "url": _join(base_url, job.path),
    }


# --------------------------------------------------------------------------- calendar


def calendar_events(year: int, month: int) -> list[tuple[int, str]]:
    """(day, event name) pairs for a month of the endless events calendar."""
    rng = _rng("calendar", year, month)
    days = sorted(rng.sample(range(1, 29), rng.randint(0, 3)))
    return [(day, rng.choice(words.EVENT_NAMES)) for day in days]
