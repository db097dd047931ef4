"""Project commands (COMMANDS_MODULE): Scrapy's own, with our arguments checked up front."""
