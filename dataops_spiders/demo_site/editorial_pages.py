"""Journal (blog), careers (jobs), the endless events calendar and the mis-encoded help page."""

from __future__ import annotations

import calendar as calendar_module

from dataops_spiders.demo_site import vocabulary as words
from dataops_spiders.demo_site.content import (
    ARTICLES_PER_PAGE,
    Article,
    Job,
    calendar_events,
    listed_articles,
    listed_jobs,
    make_product,
)
from dataops_spiders.demo_site.layout import (
    CALENDAR_START,
    absolute,
    esc,
    human_date,
    json_ld,
    page,
)

ENCODING_MARKER = "\x00LATIN1\x00"


def blog_path(number: int) -> str:
    return "/blog/" + (f"?page={number}" if number > 1 else "")


def calendar_path(year: int, month: int) -> str:
    return f"/calendar/{year}/{month:02d}/"


def _blog_sidebar() -> str:
    popular = "".join(
        f'<li><a href="{a.path}">{esc(a.headline)}</a></li>' for a in listed_articles()[3:8]
    )
    tags = " ".join(
        f'<a href="/blog/" rel="tag">{esc(topic)}</a>'
        for _h, _c, topic in words.ARTICLE_TOPICS[:10]
    )
    return (
        '<section class="widget"><h3>About the journal</h3><p>Guides, stories and news from the '
        "people behind the shop.</p></section>"
        f'<section class="widget"><h3>Popular posts</h3><ul>{popular}</ul></section>'
        '<section class="widget"><h3>Events</h3><p>Workshops and talks in our Portland store. '
        f'<a href="{calendar_path(*CALENDAR_START)}">See the events calendar</a>.</p></section>'
        f'<section class="widget widget-tags"><h3>Tags</h3><p>{tags}</p></section>'
    )


def _pager(path_of, current: int, last: int) -> str:
    links = []
    if current > 1:
        links.append(f'<a rel="prev" href="{path_of(current - 1)}">‹ Newer posts</a>')
    if current < last:
        links.append(f'<a rel="next" class="next" href="{path_of(current + 1)}">Older posts ›</a>')
    return f'<nav class="pagination" aria-label="Posts">{" ".join(links)}</nav>'


def render_blog_index(number: int, base: str) -> str | None:
    posts = listed_articles()
    last = -(-len(posts) // ARTICLES_PER_PAGE)
    if not 1 <= number <= last:
        return None
    shown = posts[(number - 1) * ARTICLES_PER_PAGE : number * ARTICLES_PER_PAGE]
    entries = "".join(
        f'<article class="post-preview"><a href="{a.path}"><img src="{a.image}?w=400" alt="" '
        f'width="400" height="225"></a><h2 class="entry-title"><a href="{a.path}">'
        f'{esc(a.headline)}</a></h2><p class="entry-meta">{human_date(a.published)} · '
        f"{esc(' & '.join(a.authors))}</p><p>{esc(a.description)}</p>"
        f'<a class="more-link" href="{a.path}">Continue reading</a></article>'
        for a in shown
    )
    head = "".join(
        f'<link rel="{rel}" href="{esc(absolute(base, blog_path(n)))}">'
        for rel, n in (("prev", number - 1), ("next", number + 1))
        if 1 <= n <= last
    )
    main = f'<h1 class="page-title">Journal</h1>{entries}{_pager(blog_path, number, last)}'
    return page(
        "Journal" + (f" – Page {number}" if number > 1 else ""),
        main,
        base=base,
        path=blog_path(number),
        head=head,
        body_class="blog",
        sidebar=_blog_sidebar(),
    )


def _article_head(article: Article, base: str) -> str:
    published = f"{article.published.isoformat()}T09:30:00-08:00"
    modified = f"{article.modified.isoformat()}T16:05:00-08:00" if article.modified else None
    if article.markup == "byline":
        return ""
    if article.markup == "meta":
        tags = [
            ('name="author"', ", ".join(article.authors)),
            ('property="og:type"', "article"),
            ('property="og:title"', article.headline),
            ('property="og:image"', absolute(base, article.image)),
            ('property="article:published_time"', published),
        ]
        if modified:
            tags.append(('property="article:modified_time"', modified))
        return "".join(f'<meta {attr} content="{esc(value)}">' for attr, value in tags)
    data = {
        "@context": "https://schema.org",
        "@type": article.markup,
        "headline": article.headline,
        "description": article.description,
        "image": [absolute(base, article.image)],
        "datePublished": published,
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": words.SHOP_NAME,
            "logo": {"@type": "ImageObject", "url": absolute(base, "/static/img/logo.png")},
        },
        "mainEntityOfPage": absolute(base, article.path),
        "inLanguage": "en-US",
    }
    if modified:
        data["dateModified"] = modified
    return json_ld(data)


def _byline(article: Article) -> str:
    names = " and ".join(f'<a rel="author" href="/blog/">{esc(n)}</a>' for n in article.authors)
    day = human_date(article.published)
    if article.markup == "byline":
        # Only visible text: no <time>, no meta, no JSON-LD.
        return f'<p class="post-info">Posted on {day} by {names}</p>'
    updated = (
        f' · Updated <time datetime="{article.modified}">{human_date(article.modified)}</time>'
        if article.modified
        else ""
    )
    return (
        f'<p class="entry-meta">By {names} · <time class="published" '
        f'datetime="{article.published}">{day}</time>{updated}</p>'
    )


def _comments(article: Article) -> str:
    items = "".join(
        f'<li class="comment"><article><footer class="comment-meta"><b class="fn">'
        f'{esc(c.author)}</b> <time datetime="{c.posted}">{human_date(c.posted)} at 9:14 am'
        f'</time></footer><div class="comment-content"><p>{esc(c.text)}</p></div>'
        '<a class="comment-reply-link" href="#respond">Reply</a></article></li>'
        for c in article.comments
    )
    count = len(article.comments)
    heading = f"{count} comment{'s' if count != 1 else ''}" if count else "No comments yet"
    return (
        f'<section id="comments" class="comments-area"><h2 class="comments-title">{heading}</h2>'
        f'<ol class="comment-list">{items}</ol><div id="respond"><h3>Leave a reply</h3>'
        '<form action="/blog/comment" method="post"><textarea name="comment"></textarea>'
        '<input name="author" placeholder="Name"><button>Post comment</button></form></div>'
        "</section>"
    )


def render_article(article: Article, base: str) -> str:
    product = make_product(article.mentioned_product)
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)
    url = absolute(base, article.path)
    share = (
        '<div class="share">Share: '
        f'<a href="https://twitter.com/intent/tweet?url={esc(url)}" rel="nofollow">X</a> · '
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={esc(url)}" rel="nofollow">'
        "Facebook</a> · "
        f'<a href="mailto:?subject={esc(article.headline)}">Email</a></div>'
    )
    main = (
        f'<article class="post"><header class="entry-header"><p class="cat-links">'
        f'<a href="/blog/">{esc(article.topic.title())}</a></p>'
        f'<h1 class="entry-title">{esc(article.headline)}</h1>{_byline(article)}</header>'
        f'<figure class="post-thumbnail"><img src="{article.image}" alt="" width="1200" '
        f'height="675"></figure><div class="entry-content">{paragraphs}</div>'
        '<aside class="shop-the-story"><h3>Shop the story</h3><p>Featured in this article: '
        f'<a href="/old-product/{product.slug}">{esc(product.name)}</a></p></aside>'
        f"{share}</article>{_comments(article)}"
    )
    return page(
        article.headline,
        main,
        base=base,
        path=article.path,
        description=article.description,
        head=_article_head(article, base),
        body_class="single-post",
        sidebar=_blog_sidebar(),
    )


def render_jobs_index(base: str) -> str:
    rows = "".join(
        f'<tr><td><a href="{j.path}">{esc(j.title)}</a></td><td>{esc(j.organization)}</td>'
        f"<td>{esc(j.location[0])}</td><td>{esc(j.employment_label)}</td>"
        f"<td>{human_date(j.posted)}</td></tr>"
        for j in listed_jobs()
    )
    main = (
        '<h1 class="page-title">Careers</h1><p>Join the team behind the shop, or one of our '
        'brand partners.</p><table class="jobs"><thead><tr><th>Position</th><th>Company</th>'
        f"<th>Location</th><th>Type</th><th>Posted</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return page("Careers", main, base=base, path="/jobs/", body_class="jobs")


def _job_jsonld(job: Job, base: str) -> str:
    _shown, locality, region, country = job.location
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": "".join(
            f"<p>{esc(text)}</p>" for text in (job.summary, *job.duties, *job.requirements)
        ),
        "datePosted": job.posted.isoformat(),
        "validThrough": f"{job.valid_through.isoformat()}T23:59",
        "employmentType": job.employment_type,
        "hiringOrganization": {"@type": "Organization", "name": job.organization},
        "url": absolute(base, job.path),
    }
    if locality:
        data["jobLocation"] = {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": locality,
                "addressRegion": region,
                "addressCountry": country,
            },
        }
    else:
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = {"@type": "Country", "name": country}
    if job.salary_range:
        data["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": job.currency,
            "value": {
                "@type": "QuantitativeValue",
                "minValue": job.salary_range[0],
                "maxValue": job.salary_range[1],
                "unitText": job.salary_unit,
            },
        }
    return json_ld(data)


def render_job(job: Job, base: str) -> str:
    salary = (
        f"<dt>Salary</dt><dd>{esc(job.salary_text)}</dd>"
        if job.salary_text
        else "<dt>Salary</dt><dd>Competitive, depending on experience</dd>"
    )
    duties = "".join(f"<li>{esc(d)}</li>" for d in job.duties)
    needs = "".join(f"<li>{esc(r)}</li>" for r in job.requirements)
    similar = "".join(
        f'<li><a href="{j.path}">{esc(j.title)}</a> · {esc(j.location[0])}</li>'
        for j in listed_jobs()
        if j.id != job.id and j.organization == job.organization
    )
    main = (
        '<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/jobs/">Careers</a></nav>'
        f'<article class="job"><h1 class="job-title">{esc(job.title)}</h1>'
        f'<p class="company">{esc(job.organization)} · {esc(job.location[0])}</p>'
        f'<dl class="job-facts">{salary}<dt>Job type</dt><dd>{esc(job.employment_label)}</dd>'
        f"<dt>Posted</dt><dd>{human_date(job.posted)}</dd>"
        f"<dt>Apply by</dt><dd>{human_date(job.valid_through)}</dd></dl>"
        f'<div class="job-description"><p>{esc(job.summary)}</p><h2>What you will do</h2>'
        f"<ul>{duties}</ul><h2>What we are looking for</h2><ul>{needs}</ul></div>"
        f'<a class="button" href="/jobs/{job.id}/apply" rel="nofollow">Apply now</a></article>'
        f'<aside class="similar-jobs"><h3>Similar jobs</h3><ul>{similar}</ul></aside>'
    )
    return page(
        f"{job.title} at {job.organization}",
        main,
        base=base,
        path=job.path,
        description=job.summary,
        head=_job_jsonld(job, base) if job.markup == "jsonld" else "",
        body_class="single-job",
    )


def _day_cell(day: int, has_event: bool) -> str:
    if not day:
        return "<td></td>"
    return f'<td class="has-event">{day}</td>' if has_event else f"<td>{day}</td>"


def render_calendar(year: int, month: int, base: str) -> str:
    """One month of the events calendar; its previous and next links never run out."""
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    events = calendar_events(year, month)
    by_day = dict(events)
    weeks = calendar_module.Calendar(firstweekday=0).monthdayscalendar(year, month)
    cells = "".join(
        "<tr>" + "".join(_day_cell(day, day in by_day) for day in week) + "</tr>" for week in weeks
    )
    listing = "".join(
        f"<li>{calendar_module.month_name[month]} {d}: {esc(n)}</li>" for d, n in events
    )
    main = (
        f'<h1 class="page-title">Events – {calendar_module.month_name[month]} {year}</h1>'
        '<table class="calendar"><thead><tr><th>Mo</th><th>Tu</th><th>We</th><th>Th</th>'
        f"<th>Fr</th><th>Sa</th><th>Su</th></tr></thead><tbody>{cells}</tbody></table>"
        f'<ul class="events">{listing or "<li>No events this month.</li>"}</ul>'
        f'<nav class="calendar-nav"><a rel="prev" href="{calendar_path(*previous)}">‹ Previous '
        f'month</a> <a rel="next" href="{calendar_path(*following)}">Next month ›</a></nav>'
    )
    return page(
        f"Events {calendar_module.month_name[month]} {year}",
        main,
        base=base,
        path=calendar_path(year, month),
        body_class="events",
    )


def render_broken_encoding(base: str) -> bytes:
    """A help page declared UTF-8 whose body paragraph was pasted in as Latin-1 bytes."""
    text = (
        "Wir liefern nach Österreich, in die Schweiz und nach Großbritannien. Versandkosten: "
        "£4.50 bzw. 5,90 EUR – Lieferzeit 3–5 Tage. Nous livrons aussi à Genève et à Montréal "
        "(frais: 7,50 EUR). Envíos a España: 6,90 EUR."
    )
    main = (
        '<h1 class="page-title">International shipping</h1>'
        "<p>We ship to 30 countries. Duties and taxes are calculated at checkout.</p>"
        f'<p class="legacy-notice" lang="de">{ENCODING_MARKER}</p>'
        "<p>Questions? Write to hello@harborandpine.example.</p>"
    )
    html = page("International shipping", main, base=base, path="/help/international-shipping.html")
    # "–" has no Latin-1 form; the CMS that broke this page replaced it, as such CMSs do.
    latin1 = text.replace("–", "-").encode("latin-1")
    return html.encode("utf-8").replace(ENCODING_MARKER.encode(), latin1)
