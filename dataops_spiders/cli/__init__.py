"""`dataops`: the command line of DataOps Spiders. One module per group of commands."""

from __future__ import annotations

import json

import click


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


@click.group()
@click.version_option(package_name="dataops-spiders")
def main() -> None:
    """DataOps Spiders: intent templates in, versioned datasets out."""


# Each module adds its commands to `main`; imported last because they import `main`.
from control_api.cli import apikey  # noqa: E402 - `dataops apikey …` lives with the API
from dataops_spiders.cli import datasets, runs, templates  # noqa: E402, F401

main.add_command(apikey)
