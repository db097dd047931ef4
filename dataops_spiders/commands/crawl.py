"""`scrapy crawl`, checking the intent spider's arguments before the crawler starts."""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from dataops_spiders.spiders.arguments import parse_arguments


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts) -> None:
        if args and args[0] == "intent":
            parse_arguments(**opts.spargs)  # raises UsageError: Scrapy prints it, exits 2
        super().run(args, opts)
