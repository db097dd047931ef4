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

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "dataops_spiders.middlewares.robots.RobotsMiddleware": 100,
}
EXTENSIONS = {
    "dataops_spiders.extensions.crawl_graph.CrawlGraph": 500,
    "dataops_spiders.extensions.run_summary.RunSummary": 510,
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
