"""`dataops serve`: the control API and, when no Scrapyd node is configured, one of our own.

    dataops serve [--host 127.0.0.1] [--port 8000] [--scrapyd-port 0]

In order: read ApiSettings from the environment; bind the API's port (a port in use is said
before anything else happens); bring the store's schema up to date; on a store without an
active admin key, make one and print it once; start an embedded Scrapyd on loopback and deploy
the project into it, or check the configured nodes; then serve with uvicorn. SIGINT or SIGTERM
stops uvicorn, then the embedded Scrapyd and the crawls it started.

Every failure is one line (ServeError) for the CLI to print: no traceback.
"""

from __future__ import annotations

import configparser
import contextlib
import errno
import ipaddress
import os
import signal
import socket
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr, ValidationError

from control_api.config import ApiSettings

KEY_LINE = "admin API key (shown once, store it now): "
# Seconds uvicorn lets open requests (a long export stream) finish after a stop signal.
GRACEFUL_SHUTDOWN = 10
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ServeError(Exception):
    """`dataops serve` cannot start; the message is one line, meant for the person starting it."""


class _StopRequested(BaseException):
    """SIGINT/SIGTERM arrived: unwind, stopping what was started (BaseException so no
    `except Exception` in between swallows it)."""


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    scrapyd_port: int = 0,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> None:
    """Run until SIGINT/SIGTERM; raise ServeError (one line) when it cannot start."""
    out = out or sys.stdout
    err = err or sys.stderr

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    def warn(line: str) -> None:
        print(f"warning: {line}", file=err, flush=True)

    with _signals_unwind(), contextlib.ExitStack() as cleanup:
        try:
            settings = load_settings(warn)
            # The port first: a port in use must not cost the one showing of a new key.
            listener = cleanup.enter_context(contextlib.closing(bind(host, port)))
            address = listener.getsockname()
            if not _is_loopback(address[0]):
                warn(
                    f"the API listens on {address[0]}, reachable from other machines: every "
                    "request still needs a key, put TLS in front of it"
                )
            store, issued_key = prepare_store(settings)
            say(f"store: {store} (schema up to date)")
            if issued_key is not None:
                say(KEY_LINE + issued_key)
            if settings.scrapyd_urls:
                if scrapyd_port:
                    warn("--scrapyd-port is ignored: DATAOPS_SCRAPYD_URLS names the nodes")
                check_nodes(settings, say, warn)
                node_settings = settings
            else:
                node_settings = start_embedded_scrapyd(settings, scrapyd_port, cleanup, say)
            run_api(node_settings, listener, say)
        except _StopRequested as stop:
            say(f"stopping ({stop.args[0]})")


# ------------------------------------------------------------------ steps


def load_settings(warn) -> ApiSettings:
    """ApiSettings from the environment; development warnings become `warning:` lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            settings = ApiSettings()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: "
                f"{error['msg'].removeprefix('Value error, ')}"
                for error in exc.errors()
            )
            raise ServeError(f"invalid settings: {problems}") from None
    for warning in caught:
        warn(str(warning.message))
    return settings


def prepare_store(settings: ApiSettings) -> tuple[str, str | None]:
    """Reach the store, upgrade its schema, bootstrap an admin key. Returns the masked URL and
    the new key's plain text (None when an active admin key exists)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    import control_api.models  # noqa: F401 - the API's tables join the store's metadata
    from control_api.services.apikeys import bootstrap_admin_key
    from dataops_spiders.store import StoreError, check_connection, make_engine, write_session
    from dataops_spiders.store.config import mask_url
    from dataops_spiders.store.db import describe_error
    from dataops_spiders.store.migrate import upgrade

    masked = mask_url(settings.database_url)
    try:
        engine = make_engine(settings.database_url)
    except StoreError as exc:
        raise ServeError(str(exc)) from None
    try:
        check_connection(engine)
        upgrade(settings.database_url)
        with write_session(engine) as session:
            issued = bootstrap_admin_key(session)
            plain = issued.plain if issued is not None else None
    except StoreError as exc:
        raise ServeError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise ServeError(f"the store at {masked} failed: {describe_error(exc)}") from None
    except CommandError as exc:  # a revision this code does not know: a newer release's store
        raise ServeError(
            f"the store at {masked} cannot be upgraded by this version: {exc}"
        ) from None
    finally:
        engine.dispose()
    return masked, plain


def bind(host: str, port: int) -> socket.socket:
    """The API's listening socket, bound now: a port in use is reported before Scrapyd starts,
    and --port 0 gets a free port that is known before uvicorn runs."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host!r}: {exc.strerror}") from None
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts, as uvicorn does
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        where = f"{_show_host(host)}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is in use (another server?): stop it or choose "
                "another with --port"
            ) from None
        raise ServeError(f"cannot listen on {where}: {exc.strerror}") from None
    listener.listen(2048)
    listener.setblocking(False)
    return listener


def check_nodes(settings: ApiSettings, say, warn) -> None:
    """Say which configured nodes answer and have the project; those that don't are not fatal:
    tasks wait queued until a node answers."""
    from control_api.services.nodes import node_pool
    from dataops_spiders.runner.client import ScrapydError
    from dataops_spiders.runner.embedded import PROJECT

    pool = node_pool(settings, timeout=settings.health_timeout)
    try:
        loads, errors = pool.loads()
        for load in loads:
            try:
                deployed = load.client.listversions(PROJECT)
            except ScrapydError as exc:
                deployed, problem = [], str(exc)
            else:
                problem = f"no {PROJECT!r} project deployed: run scrapyd-deploy"
            if deployed:
                say(f"Scrapyd node {load.client.url}: ok ({load.running} running)")
            else:
                warn(f"Scrapyd node {load.client.url} answers, but {problem}")
        for error in errors:
            warn(
                f"Scrapyd node {error.node or '?'} does not answer ({error}); tasks wait "
                "queued until a node does"
            )
    finally:
        pool.close()


def start_embedded_scrapyd(
    settings: ApiSettings, port: int, cleanup: contextlib.ExitStack, say
) -> ApiSettings:
    """An embedded Scrapyd on loopback, its data in $DATAOPS_DATA_DIR/scrapyd, the project
    deployed; stopped by `cleanup`. Returns the settings that point the API at it."""
    from dataops_spiders.runner.client import ScrapydError
    from dataops_spiders.runner.egg import EggBuildError
    from dataops_spiders.runner.embedded import (
        PID_FILE,
        EmbeddedScrapydError,
        absolute_database_url,
    )
    from dataops_spiders.store.config import data_dir

    folder = data_dir() / "scrapyd"
    # The crawls run in Scrapyd's folder: they get the API's store as absolute paths.
    job_env = {
        "DATABASE_URL": absolute_database_url(settings.database_url),
        "DATAOPS_DATA_DIR": str(data_dir()),
    }
    leftover = _running_pid(folder / PID_FILE)
    if leftover is not None:
        raise ServeError(
            f"a Scrapyd still runs on {folder} (pid {leftover}), from a `dataops serve` that was "
            f"killed or is still running: stop it (kill {leftover}) and start again"
        )
    say("starting the embedded Scrapyd and deploying the project (a few seconds)")
    # The same port as last time when free: tasks name their node by URL, and the dispatcher
    # recognises the tasks of the previous run (finished, or still in Scrapyd's queue).
    previous = 0 if port else _previous_port(folder)
    try:
        try:
            scrapyd = _launch(folder, port or previous, job_env, cleanup, say)
        except EmbeddedScrapydError as exc:
            if not (previous and exc.port_taken):
                raise
            scrapyd = _launch(folder, 0, job_env, cleanup, say)  # another program has it now
    except EmbeddedScrapydError as exc:
        first = str(exc).splitlines()[0]
        if exc.port_taken and port:
            first = f"Scrapyd port {port} is in use: choose another with --scrapyd-port"
        raise ServeError(f"the embedded Scrapyd did not start: {first} (log: {folder})") from None
    except EggBuildError as exc:
        first = str(exc).splitlines()[0]
        raise ServeError(f"the project egg could not be built: {first}") from None
    except ScrapydError as exc:
        raise ServeError(f"the embedded Scrapyd refused the project egg: {exc}") from None
    say(
        f"embedded Scrapyd: {scrapyd.url} (pid {scrapyd.pid}, project deployed as version "
        f"{scrapyd.version}, data in {folder})"
    )
    return settings.model_copy(
        update={
            "scrapyd_urls": [scrapyd.url],
            "scrapyd_username": scrapyd.username,
            "scrapyd_password": SecretStr(scrapyd.password),
        }
    )


def _launch(folder: Path, port: int, job_env: dict[str, str], cleanup: contextlib.ExitStack, say):
    from dataops_spiders.runner.embedded import EmbeddedScrapyd

    scrapyd = EmbeddedScrapyd(folder, port=port, job_env=job_env)
    # Registered before start(): a signal during start-up must still stop what was spawned.
    cleanup.callback(_stop_scrapyd, scrapyd, say)
    return scrapyd.start()


def _previous_port(folder: Path) -> int:
    """The port of the embedded Scrapyd's last run (its scrapyd.conf), if it is free now."""
    from dataops_spiders.runner.embedded import BIND_ADDRESS, CONF_FILE

    conf = configparser.ConfigParser(interpolation=None)
    try:
        conf.read(folder / CONF_FILE)
        port = conf.getint("scrapyd", "http_port", fallback=0)
    except (configparser.Error, ValueError):
        return 0
    if not port:
        return 0
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Scrapyd binds it
        try:
            probe.bind((BIND_ADDRESS, port))
        except OSError:
            return 0
    return port


def run_api(settings: ApiSettings, listener: socket.socket, say) -> None:
    """uvicorn on `listener` until a stop signal (uvicorn handles it, then re-raises it)."""
    import uvicorn

    from control_api.app import create_app

    app = create_app(settings)
    host, port = listener.getsockname()[:2]
    config = uvicorn.Config(
        app,
        log_level="info",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    say(f"control API: http://{_show_host(host)}:{port}/ (docs at /docs); Ctrl-C stops")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    except SystemExit as exc:  # uvicorn exits this way when the app's start-up fails
        raise ServeError(f"the API did not start (exit {exc.code}): see the log above") from None


# ------------------------------------------------------------------ signals and helpers


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """Make the first SIGINT/SIGTERM unwind the stack (so each started part is stopped);
    later ones are ignored while that happens. uvicorn installs its own handlers while it
    serves and raises the signal again when it has stopped, which lands here."""
    stopping = False

    def handler(signum, _frame) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise _StopRequested(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _stop_scrapyd(scrapyd, say) -> None:
    if scrapyd.pid is None:
        return
    say("stopping the embedded Scrapyd and its crawls")
    # Not interrupted by a second Ctrl-C: a half-done stop would leave crawls running.
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    try:
        scrapyd.stop()
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
    say("embedded Scrapyd stopped")


def _running_pid(pid_file: Path) -> int | None:
    """The pid in Scrapyd's pid file when that process still runs (twistd would refuse to
    start a second one on the folder, with a less helpful message)."""
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):  # no file, no such process
        return None
    return pid


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _show_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
