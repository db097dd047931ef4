"""`dataops crawl`, `demo`, `summary`, `graph`: run crawls and read what they left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from dataops_spiders.cli import echo_json, main
from dataops_spiders.templates import TemplateError, load_template


@main.command()
@click.argument("run")
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
def graph(run: str, as_json: bool) -> None:
    """Summarise a run's crawl graph (RUN: run id in the store, or a run directory with
    graph/*.jsonl): nodes by status, depths, top referrers."""
    from dataops_spiders.graph import render, summarize

    if Path(run, "graph", "nodes.jsonl").is_file():
        summary = summarize(run)
    elif run.isdigit():
        from dataops_spiders.cli.datasets import store_session
        from dataops_spiders.store.graph import summarize_graph

        with store_session() as session:
            summary = summarize_graph(session, int(run))
    else:
        raise click.UsageError(f"{run!r} is neither a run id nor a run directory with a graph")
    echo_json(summary) if as_json else click.echo(render(summary))


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
def summary(run_dir: str, as_json: bool) -> None:
    """Show what a run did: pages, robots skips, records, confidence, outputs."""
    from dataops_spiders.extensions.run_summary import render_summary

    path = Path(run_dir) / "summary.json"
    if not path.is_file():
        raise click.ClickException(f"{path} not found: did the run finish?")
    data = json.loads(path.read_text())
    echo_json(data) if as_json else click.echo(render_summary(data))


def run_crawl(template_ref: str, urls: list[str], run_dir: str, extra: list[str]) -> int:
    """Run `scrapy crawl intent` in a child process (a Twisted reactor cannot restart)."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "intent",
        "-a",
        f"template={template_ref}",
        "-a",
        f"run_dir={run_dir}",
    ]
    if urls:
        command += ["-a", "start_urls=" + ",".join(urls)]
    command += extra
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "dataops_spiders.settings"}
    return subprocess.call(command, env=env)


@main.command()
@click.argument("template_ref")
@click.option(
    "--url", "urls", multiple=True, help="Start URL (repeatable); default: the template's."
)
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many pages.")
@click.option(
    "--strategy", type=click.Choice(["full", "navigation", "pagination_only", "direct_item"])
)
@click.option("--run-dir", type=click.Path(file_okay=False), help="Where outputs go.")
@click.option("-s", "--set", "settings", multiple=True, help="Scrapy setting NAME=VALUE.")
def crawl(template_ref, urls, max_pages, strategy, run_dir, settings) -> None:
    """Crawl with a template (the same as `scrapy crawl intent -a template=…`) and summarise."""
    try:
        load_template(template_ref)
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None
    from datetime import UTC, datetime

    from dataops_spiders.spiders.arguments import runs_root  # loads Scrapy: not for `serve`

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = str(Path(run_dir or runs_root() / Path(template_ref).stem / stamp).resolve())
    extra = []
    if max_pages:
        extra += ["-a", f"max_pages={max_pages}"]
    if strategy:
        extra += ["-a", f"strategy={strategy}"]
    for setting in settings:
        extra += ["-s", setting]
    code = run_crawl(template_ref, list(urls), run_dir, extra)
    _print_summary(run_dir)
    sys.exit(code)


def _print_summary(run_dir: str) -> None:
    from dataops_spiders.extensions.run_summary import render_summary

    path = Path(run_dir) / "summary.json"
    if path.is_file():
        click.echo("\n" + render_summary(json.loads(path.read_text())))
    else:
        click.echo(f"no summary in {run_dir}: the crawl did not finish", err=True)


@main.command()
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many pages (default: the whole demo site).",
)
@click.option("--run-dir", type=click.Path(file_okay=False), default=None)
def demo(max_pages: int | None, run_dir: str | None) -> None:
    """Serve the bundled demo shop on 127.0.0.1, crawl it with the demo template, summarise."""
    from dataops_spiders.demo_site.process import start_in_subprocess
    from dataops_spiders.spiders.arguments import runs_root

    with start_in_subprocess(crawl_delay=0) as site:
        click.echo(f"demo site serving at {site.url}")
        run_dir = str(Path(run_dir or runs_root() / "demo").resolve())
        extra = ["-a", f"max_pages={max_pages}"] if max_pages else []
        code = run_crawl("demo_catalogue", [site.url], run_dir, [*extra, "-s", "LOG_LEVEL=WARNING"])
    _print_summary(run_dir)
    sys.exit(code)
