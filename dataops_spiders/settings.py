"""Scrapy settings of the DataOps Spiders project.

Scrapy's own settings first, then ours (prefixed DATAOPS_), each with what it does. Override any of
them per run with `-s NAME=VALUE`, or through Scrapyd's `setting=NAME=VALUE`.
"""

BOT_NAME = "dataops"
SPIDER_MODULES = ["dataops_spiders.spiders"]
NEWSPIDER_MODULE = "dataops_spiders.spiders"
# Our `scrapy crawl` checks the intent spider's arguments before starting a crawler.
COMMANDS_MODULE = "dataops_spiders.commands"

# ---------------------------------------------------------------- politeness and fetching
# Identify honestly; robots.txt rules for "DataOpsSpiders" apply to us.
USER_AGENT = "DataOpsSpiders/0.1 (+https://github.com/dataops-spiders)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
ROBOTSTXT_USER_AGENT = "DataOpsSpiders"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 30
# A page over DOWNLOAD_MAXSIZE is cancelled with a log line and recorded as failed in the graph.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# Checks every address DNS returns when DATAOPS_SSRF_GUARD is on; Scrapy's own resolver otherwise.
TWISTED_DNS_RESOLVER = "dataops_spiders.resolver.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    # First: a refused address is never fetched, not even its robots.txt or a redirect's target.
    "dataops_spiders.middlewares.ssrf.SsrfGuardMiddleware": 10,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "dataops_spiders.middlewares.robots.RobotsMiddleware": 100,
    # Before Scrapy's UserAgentMiddleware (500), which then keeps the User-Agent we chose.
    # Static HTTP or the browser for each page, as the crawl's fetch plan says by then.
    "dataops_spiders.middlewares.fetch_routing.FetchRoutingMiddleware": 400,
    "dataops_spiders.middlewares.browser_headers.BrowserHeadersMiddleware": 450,
    # Scrapy's retries, but 429/503 wait for Retry-After or back off exponentially.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "dataops_spiders.middlewares.backoff.BackoffRetryMiddleware": 550,
    # Before Scrapy's HttpProxyMiddleware (750), which applies the proxy we chose.
    "dataops_spiders.middlewares.proxies.ProxyMiddleware": 740,
    # Next to the download handler: browser requests borrow an open page and give it back.
    "dataops_spiders.middlewares.browser_pages.BrowserPagePoolMiddleware": 990,
}
# Adapt each site's pace to its response times; never faster than DOWNLOAD_DELAY (or a
# template's fetch.download_delay), never slower than robots.txt's Crawl-delay asks.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Time limits: DOWNLOAD_TIMEOUT per page (above; a browser page: the template's
# fetch.page_timeout), CLOSESPIDER_TIMEOUT seconds per crawl (0: none). A page over
# DOWNLOAD_MAXSIZE, also once decompressed (a gzip bomb), is stopped and recorded.
EXTENSIONS = {
    "dataops_spiders.extensions.crawl_graph.CrawlGraph": 500,
    "dataops_spiders.extensions.run_summary.RunSummary": 510,
    "dataops_spiders.extensions.task_progress.TaskProgress": 520,
}

# ---------------------------------------------------------------- pipelines: one layer each
ITEM_PIPELINES = {
    "pipelines.cleaning.CleaningPipeline": 100,
    "pipelines.extraction.ExtractionPipeline": 200,
    "pipelines.confidence.ConfidencePipeline": 300,
    "pipelines.versioning.VersioningPipeline": 400,
}

# ---------------------------------------------------------------- output
# Records go out through Scrapy's feeds; our exporters write one line/row per record (a page
# may hold several). %(run_dir)s is the spider's run directory. `-o`/`-O` replace this.
FEEDS = {"%(run_dir)s/records.jsonl": {"format": "jsonlines", "encoding": "utf8"}}
FEED_EXPORTERS = {
    "jsonlines": "dataops_spiders.exporters.RecordJsonLinesExporter",
    "jsonl": "dataops_spiders.exporters.RecordJsonLinesExporter",
    "json": "dataops_spiders.exporters.RecordJsonExporter",
    "csv": "dataops_spiders.exporters.RecordCsvExporter",
}
FEED_EXPORT_ENCODING = "utf-8"

# ---------------------------------------------------------------- DataOps settings
# Directory of this run's outputs: records, crawl graph, summary. The spider sets it per run
# (default runs/<template>/<UTC time>, or -a run_dir=...).
DATAOPS_RUN_DIR = None
# Record the crawl graph (every URL a node, every discovered link an edge) ...
DATAOPS_GRAPH = True
# ... through this writer: any class with from_crawler, add_edge, write_nodes and close. The
# store's (the default) keeps it with the run; JsonlGraphWriter writes run_dir/graph/*.jsonl.
DATAOPS_GRAPH_WRITER = "pipelines.versioning.StoreGraphWriter"
# Raise a domain's download delay to its robots.txt Crawl-delay, capped at the maximum (seconds).
DATAOPS_ROBOTS_CRAWL_DELAY = True
DATAOPS_ROBOTS_MAX_CRAWL_DELAY = 30
# Worker processes for cleaning and extraction (CPU-heavy); None picks from the CPU count,
# 0 runs them inline in the crawl process.
DATAOPS_WORKER_PROCESSES = None
# Write summary.json in the run directory and log the run summary at close.
DATAOPS_SUMMARY = True

# ---------------------------------------------------------------- fetching (see fetching/)
# Chromium for the browser and auto fetch strategies (a template's fetch.strategy, or
# -a fetch=static|browser|auto). None: chromium-headless-shell / chromium / chromium-browser /
# google-chrome on PATH, else /usr/bin/chromium (Debian's packages: apt-get install -y chromium
# chromium-headless-shell). Playwright starts when a crawl first asks for the browser.
DATAOPS_BROWSER_EXECUTABLE = None
# Pages rendering at once (each a Chromium renderer, ~50-100 MB); pages are reused between
# requests rather than opened and closed for each.
DATAOPS_BROWSER_PAGES = 8
# Send the full header set of a real browser (User-Agent, Accept, Accept-Language, client
# hints), per site or per request; off when USER_AGENT is set for the crawl (-s, the spider) or
# a request carries its own. robots.txt rules are still those for ROBOTSTXT_USER_AGENT.
DATAOPS_BROWSER_HEADERS = True
DATAOPS_BROWSER_HEADERS_ROTATION = "per_domain"  # or "per_request"
DATAOPS_BROWSER_HEADERS_FILE = None  # a JSON list of header objects to use instead
# 429/503 retries: wait what Retry-After asks (seconds or date), at most DATAOPS_RETRY_AFTER_MAX
# (longer: give the page up); without it, BASE * 2^attempt seconds, at most BACKOFF_MAX.
DATAOPS_RETRY_BACKOFF_BASE = 1.0
DATAOPS_RETRY_BACKOFF_MAX = 60.0
DATAOPS_RETRY_AFTER_MAX = 120.0
# Proxies: a list of URLs (http://user:pass@host:port, https://, socks5:// for browser requests
# only) and/or a file of them, one per line; rotation per_request or per_domain. A proxy that
# fails DATAOPS_PROXY_MAX_FAILURES times in a row rests DATAOPS_PROXY_REST seconds.
DATAOPS_PROXIES = []
DATAOPS_PROXY_FILE = None
DATAOPS_PROXY_ROTATION = "per_request"
DATAOPS_PROXY_MAX_FAILURES = 3
DATAOPS_PROXY_REST = 60.0
# Skip URLs shaped like crawler traps (repeating or very deep paths, query explosions, calendars
# years ahead, queries growing link after link), each recorded in the crawl graph with why.
DATAOPS_TRAP_DETECTION = True
# At most this many pages per site (host:port) in one crawl; None: no cap.
DATAOPS_MAX_PAGES_PER_DOMAIN = None

# ---------------------------------------------------------------- tasks (the control API's runs)
# The store's task this crawl runs (tasks.id); the spider sets it from -a task=ID. With a task,
# the TaskProgress extension marks it running, writes its progress, and how it ended.
DATAOPS_TASK = None
# Seconds between two progress writes (pages, records, errors, bytes, rate, heartbeat).
DATAOPS_PROGRESS_INTERVAL = 5

# ---------------------------------------------------------------- SSRF guard (scrape tasks)
# Refuse every request (start URL, redirect hop, robots.txt) whose host is or resolves to a
# loopback, private, link-local, reserved or cloud metadata address, in any notation. The
# control API turns it on for scrape tasks, whose URL comes from a client.
DATAOPS_SSRF_GUARD = False
# Hosts, addresses and CIDR networks the guard lets through anyway: a list, a JSON list or
# comma-separated text (metadata addresses stay refused).
DATAOPS_SSRF_ALLOW = []

# ---------------------------------------------------------------- the store (versioned datasets)
# Write each crawl as a new version of its dataset (-a dataset=NAME, default the template name).
DATAOPS_STORE = True
# Database URL; None takes $DATABASE_URL, else a SQLite file under $DATAOPS_DATA_DIR (./data).
DATAOPS_DATABASE_URL = None
# Records written per transaction while the crawl runs.
DATAOPS_STORE_BATCH_SIZE = 500
# Commit a version even when the crawl found no record (off: an empty crawl is more likely a
# broken site or template than an empty dataset).
DATAOPS_STORE_COMMIT_EMPTY = False
