"""At spider close: what the run did, in numbers a person reads; logged, saved as summary.json."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

LOW_PREFIX = "dataops/low_confidence/"


def build_summary(stats: dict, spider, outputs: list[str]) -> dict:
    records = stats.get("dataops/records", 0)
    confidence_sum = stats.get("dataops/record_confidence_sum", 0.0)
    low = {k.removeprefix(LOW_PREFIX): v for k, v in stats.items() if k.startswith(LOW_PREFIX)}
    skipped = {
        k.removeprefix("dataops/skipped/"): v
        for k, v in stats.items()
        if k.startswith("dataops/skipped/")
    }
    return {
        "template": spider.template.name,
        "intent": spider.template.intent,
        "template_hash": spider.template.content_hash,
        "strategy": spider.strategy,
        "start_urls": list(spider.start_urls),
        "finish_reason": stats.get("finish_reason"),
        "pages_fetched": stats.get("response_received_count", 0),
        "fetching": {
            "strategy": spider.fetch_plan.strategy,
            "static": stats.get("dataops/fetch/static", 0),
            "browser": stats.get("dataops/fetch/browser", 0),
            "rerendered": stats.get("dataops/fetch/rerendered", 0),
            "browsers_started": stats.get("playwright/browser_count", 0),
            "browser_pages_opened": stats.get("playwright/page_count", 0),
            "browser_pages_reused": stats.get("dataops/browser/pages_reused", 0),
            "browser_unavailable": spider.fetch_plan.browser_broken,
        },
        "pages_failed": stats.get("dataops/pages_failed", 0),
        "pages_skipped_by_robots": stats.get("dataops/robots_forbidden", 0),
        "pages_skipped": skipped,
        "pages_by_kind": {
            k.removeprefix("dataops/pages/"): v
            for k, v in stats.items()
            if k.startswith("dataops/pages/")
        },
        "records": records,
        "mean_confidence": round(confidence_sum / records, 3) if records else None,
        "low_confidence_fields": dict(sorted(low.items(), key=lambda kv: -kv[1])),
        "low_confidence_field_count": stats.get("dataops/fields_low_confidence", 0),
        "bytes_downloaded": stats.get("downloader/response_bytes", 0),
        "elapsed_seconds": round(stats.get("elapsed_time_seconds", 0.0), 2),
        "run_dir": spider.run_dir,
        "run_id": stats.get("dataops/store_run"),
        "dataset": getattr(spider, "dataset", None),
        "dataset_version": stats.get("dataops/store_version"),
        "dataset_version_state": stats.get("dataops/store_state"),
        "outputs": outputs,
    }


def _fetching(fetching: dict) -> str:
    text = f"{fetching['strategy']}: {fetching['static']} static, {fetching['browser']} browser"
    if fetching["rerendered"]:
        text += f" ({fetching['rerendered']} re-rendered after a static fetch)"
    if fetching["browser_unavailable"]:
        text += "; browser unavailable"
    return text


def render_summary(summary: dict) -> str:
    low = ", ".join(f"{k} ({v})" for k, v in summary["low_confidence_fields"].items()) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in summary["pages_skipped"].items()) or "none"
    lines = [
        f"template          {summary['template']} ({summary['intent']}, {summary['strategy']})",
        f"pages fetched     {summary['pages_fetched']} ({summary['pages_failed']} failed)",
        f"fetched via       {_fetching(summary['fetching'])}",
        f"skipped by robots {summary['pages_skipped_by_robots']}",
        f"links not taken   {skipped}",
        f"records           {summary['records']}",
        f"mean confidence   {summary['mean_confidence']}",
        f"low-confidence    {summary['low_confidence_field_count']} field(s): {low}",
        f"took              {summary['elapsed_seconds']} s ({summary['finish_reason']})",
        f"output            {', '.join(summary['outputs'])}",
    ]
    if summary.get("dataset_version") is not None:
        lines.append(
            f"dataset           {summary['dataset']} version {summary['dataset_version']} "
            f"{summary.get('dataset_version_state') or ''} (run {summary['run_id']})"
        )
    return "\n".join(lines)


class RunSummary:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DATAOPS_SUMMARY", True):
            raise NotConfigured
        ext = cls(crawler)
        # engine_stopped comes after every spider_closed handler: the core stats (finish reason,
        # elapsed time) and the store's commit are in by then.
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def _outputs(self, spider) -> list[str]:
        feeds = self.crawler.settings.getdict("FEEDS")
        return [str(uri).replace("%(run_dir)s", spider.run_dir) for uri in feeds]

    def engine_stopped(self):
        spider = self.crawler.spider
        if not hasattr(spider, "template"):
            return
        stats = dict(self.crawler.stats.get_stats())
        summary = build_summary(stats, spider, self._outputs(spider))
        run_dir = Path(spider.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        logger.info("Run summary:\n%s", render_summary(summary))
