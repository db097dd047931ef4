"""`dataops db`, `datasets`, `versions`, `diff`, `export`, `sources`: the versioned store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from dataops_spiders.cli import echo_json, main

EXPORT_FORMATS = ("csv", "json", "jsonl", "xlsx")
DIFF_FORMATS = ("csv", "xlsx")
SHOWN_CHANGES = 50


@contextmanager
def store_session() -> Iterator:
    """A session on the configured store; store errors become one clear line, not a traceback."""
    from dataops_spiders.store import StoreError, check_connection, make_engine
    from dataops_spiders.store.db import make_session_factory

    engine = make_engine()
    try:
        check_connection(engine)
        with make_session_factory(engine)() as session:
            yield session
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


@main.group()
def db() -> None:
    """The store's schema (DATABASE_URL, default a SQLite file in ./data)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring it up to date."""
    from dataops_spiders.store import StoreError
    from dataops_spiders.store.migrate import upgrade

    try:
        where = upgrade()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"store at {where} is up to date")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="As JSON, for machines.")
def datasets(as_json: bool) -> None:
    """Datasets with their number of committed versions and the latest one's size."""
    from dataops_spiders.store import list_datasets

    with store_session() as session:
        infos = list_datasets(session)
    if as_json:
        echo_json([info.__dict__ for info in infos])
        return
    if not infos:
        click.echo("no datasets yet: run a crawl")
        return
    click.echo(f"{'dataset':32} {'versions':>8} {'latest':>6} {'records':>8}")
    for info in infos:
        latest = "-" if info.latest is None else info.latest
        records = "-" if info.records is None else info.records
        click.echo(f"{info.name:32} {info.versions:>8} {latest:>6} {records:>8}")


def _version_row(version) -> dict:
    summary = version.summary or {}
    return {
        "version": version.number,
        "status": version.status,
        "created_at": version.created_at,
        "committed_at": version.committed_at,
        **{
            k: summary.get(k)
            for k in ("records", "added", "removed", "changed", "mean_confidence", "low_confidence")
        },
    }


@main.command()
@click.argument("dataset")
@click.option("--all", "show_all", is_flag=True, help="Also open, failed and quarantined ones.")
@click.option("--json", "as_json", is_flag=True, help="As JSON, for machines.")
def versions(dataset: str, show_all: bool, as_json: bool) -> None:
    """The versions of a dataset, with what changed in each."""
    from dataops_spiders.store import list_versions

    with store_session() as session:
        rows = [_version_row(v) for v in list_versions(session, dataset, show_all)]
    if as_json:
        echo_json(rows)
        return
    click.echo(
        f"{'version':>7} {'status':10} {'committed':20} {'records':>8} {'added':>6} "
        f"{'removed':>7} {'changed':>7} {'mean conf':>9} {'low':>5}"
    )
    for row in rows:
        when = row["committed_at"].strftime("%Y-%m-%d %H:%M:%S") if row["committed_at"] else "-"
        cells = [
            row[k] if row[k] is not None else "-"
            for k in ("records", "added", "removed", "changed", "mean_confidence", "low_confidence")
        ]
        click.echo(
            f"{row['version']:>7} {row['status']:10} {when:20} {cells[0]:>8} {cells[1]:>6} "
            f"{cells[2]:>7} {cells[3]:>7} {cells[4]:>9} {cells[5]:>5}"
        )


@main.command()
@click.argument("dataset")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--json", "as_json", is_flag=True, help="The whole diff as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the diff to a file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIFF_FORMATS),
    help="File format (default: from the file name).",
)
def diff(dataset: str, a: int, b: int, as_json: bool, output: str | None, fmt: str | None) -> None:
    """What changed from version A to version B: records added, removed, and fields changed."""
    from dataops_spiders.exports import ExportError, export_diff
    from dataops_spiders.store import diff_versions

    with store_session() as session:
        changes = diff_versions(session, dataset, a, b)
    if output:
        fmt = fmt or Path(output).suffix.lstrip(".").lower()
        if fmt not in DIFF_FORMATS:
            raise click.UsageError(f"--format must be one of {', '.join(DIFF_FORMATS)}")
        try:
            rows = export_diff(changes, fmt, output)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"wrote {rows} row(s) to {output}")
        return
    if as_json:
        echo_json(changes.as_dict())
        return
    counts = changes.counts()
    click.echo(
        f"{dataset}: version {a} → {b}: {counts['added']} added, {counts['removed']} "
        f"removed, {counts['changed']} changed"
    )
    for record in changes.added[:SHOWN_CHANGES]:
        click.echo(f"+ {record.key}")
    for record in changes.removed[:SHOWN_CHANGES]:
        click.echo(f"- {record.key}")
    for record in changes.changed[:SHOWN_CHANGES]:
        click.echo(f"~ {record.key}")
        for change in record.changes:
            click.echo(f"    {change.field}: {change.old!r} → {change.new!r}")
    hidden = sum(max(0, n - SHOWN_CHANGES) for n in counts.values())
    if hidden:
        click.echo(f"… and {hidden} more (use --json or -o FILE for everything)")


@main.command()
@click.argument("dataset")
@click.option("--version", "number", type=int, help="Version number (default: latest committed).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), help="Default: from -o's name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@click.option("--confidences", is_flag=True, help="Add each field's confidence.")
def export(dataset: str, number: int | None, fmt: str | None, output: str, confidences: bool):
    """Export one committed version, every row with its source URL."""
    from dataops_spiders.exports import ExportError, export_version
    from dataops_spiders.store import get_version, iter_records

    fmt = fmt or Path(output).suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise click.UsageError(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    with store_session() as session:
        version = get_version(session, dataset, number)
        total = (version.summary or {}).get("records")
        records = iter_records(session, dataset, version.number)
        with click.progressbar(
            records,
            length=total,
            label=f"{dataset} v{version.number}",
            file=click.get_text_stream("stderr"),
        ) as progress:
            try:
                rows = export_version(progress, fmt, output, confidences=confidences)
            except ExportError as exc:
                raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {rows} record(s) of {dataset} version {version.number} to {output}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="As JSON, for machines.")
def sources(as_json: bool) -> None:
    """What the crawls learnt about each site: best fetch strategy, sections that need the
    browser, latency, error and block rates, robots.txt, crawl-delay, sitemaps."""
    from dataops_spiders.store.sources import list_sources, source_report

    with store_session() as session:
        rows = [source_report(profile) for profile in list_sources(session)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no sources yet: run a crawl")
        return
    for row in rows:
        click.echo(f"{row['domain']}")
        for name, value in row.items():
            if name != "domain":
                click.echo(f"    {name:18} {value}")
