"""`dataops template …`: check and list intent templates."""

from __future__ import annotations

import sys

import click

from dataops_spiders.cli import echo_json, main
from dataops_spiders.templates import TemplateError, list_templates, load_template


@main.group()
def template() -> None:
    """Check and list intent templates."""


@template.command("validate")
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON, for machines.")
def template_validate(files: tuple[str, ...], as_json: bool) -> None:
    """Validate template files; exit 1 listing every problem with its line and field."""
    results = {}
    for ref in files:
        try:
            loaded = load_template(ref)
        except TemplateError as exc:
            results[ref] = [p.as_dict() for p in exc.problems]
            if not as_json:
                for problem in exc.problems:
                    click.echo(str(problem), err=True)
        else:
            results[ref] = []
            if not as_json:
                click.echo(
                    f"{loaded.source}: ok ({loaded.intent}, {len(loaded.fields)} field rules)"
                )
    if as_json:
        echo_json(results)
    if any(results.values()):
        sys.exit(1)


@template.command("list")
def template_list() -> None:
    """Templates found by name (in $DATAOPS_TEMPLATE_DIRS, ./templates and the shipped ones)."""
    for path in list_templates():
        try:
            loaded = load_template(path)
        except TemplateError as exc:
            click.echo(f"{path.stem:24} INVALID ({len(exc.problems)} problem(s)) {path}")
        else:
            click.echo(f"{path.stem:24} {loaded.intent:12} {path}")
