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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the API listens on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The API's port (0: a free one, printed).",
)
@click.option(
    "--scrapyd-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The embedded Scrapyd's port on 127.0.0.1 (0: its last port when free, else any).",
)
def serve(host: str, port: int, scrapyd_port: int) -> None:
    """Run the control API and, unless DATAOPS_SCRAPYD_URLS names nodes, an embedded Scrapyd.

    Upgrades the store's schema first; on a store without an admin key, creates one and
    prints it once. Ctrl-C (or SIGTERM) stops the API, the embedded Scrapyd and its crawls.
    """
    from control_api.serve import ServeError
    from control_api.serve import serve as run_serve  # FastAPI only loads for this command

    try:
        run_serve(host=host, port=port, scrapyd_port=scrapyd_port)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None


# Each module adds its commands to `main`; imported last because they import `main`.
from control_api.cli import apikey  # noqa: E402 - `dataops apikey …` lives with the API
from dataops_spiders.cli import datasets, runs, templates  # noqa: E402, F401

main.add_command(apikey)
