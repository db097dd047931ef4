"""`scrapy crawl`, checking the intent spider's arguments (and the proxy list, the browser's
page count) before the crawler starts: a mistake ends with one line and exit code 2, not a
traceback mid-crawl."""

from __future__ import annotations

from datetime import datetime

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from dataops_spiders.middlewares.proxies import ProxyConfigError, configured_proxies
from dataops_spiders.spiders.arguments import parse_arguments


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts) -> None:
        if args and args[0] == "intent":
            try:
                self._check(opts)
            except UsageError as exc:
                self._log_to_file(exc)
                raise  # Scrapy prints it and exits 2
        super().run(args, opts)

    def _check(self, opts) -> None:
        store_url = self.settings.get("DATAOPS_DATABASE_URL") or None
        parse_arguments(**{**opts.spargs, "store_url": store_url})
        try:
            configured_proxies(self.settings)
        except ProxyConfigError as exc:
            raise UsageError(f"proxies: {exc}") from None
        pages = self.settings.get("DATAOPS_BROWSER_PAGES")
        try:
            usable = int(pages) >= 1
        except (TypeError, ValueError):
            usable = False
        if not usable:  # 0 would leave every browser request waiting for a page for ever
            raise UsageError(f"DATAOPS_BROWSER_PAGES must be a whole number >= 1, not {pages!r}")

    def _log_to_file(self, exc: UsageError) -> None:
        """Under Scrapyd the job's log is LOG_FILE, and stderr goes elsewhere: say it there."""
        path = self.settings.get("LOG_FILE")
        if not path:
            return
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        try:
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{stamp} [dataops] ERROR: the crawl did not start: {exc}\n")
        except OSError:
            pass  # stderr still has it
