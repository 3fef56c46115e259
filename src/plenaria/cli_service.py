"""Service commands: ``plenaria serve | api | worker | cache``.

``serve`` is the embedded default on one machine (SQLite, kombu's filesystem
broker, a worker beside the web app); ``api`` and ``worker`` are production's
processes, configured by ``PLENARIA_DATABASE_URL``, ``PLENARIA_BROKER_URL`` and
``PLENARIA_STORAGE_DIR``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from plenaria.cli_errors import err, reported_errors

if TYPE_CHECKING:
    from fastapi import FastAPI

    from plenaria.config import Settings

log = logging.getLogger(__name__)

ALL_QUEUES = "media,asr,diarization,default"
LIVE_SESSIONS = 2  # plenaria serve: live sessions recorded at once (the live queue's worker)

cache_app = typer.Typer(no_args_is_help=True, help="The cache of reusable work.")


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _settings(**updates: object) -> Settings:
    from plenaria.config import get_settings

    settings = get_settings()
    given = {k: v for k, v in updates.items() if v is not None}
    if given:
        settings = settings.model_copy(update=given)
    settings.check_safe()
    return settings


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-* from the same peers as the app (PLENARIA_TRUSTED_PROXIES)."""
    networks = ",".join(str(n) for n in settings.trusted_networks)
    return {"proxy_headers": bool(networks), "forwarded_allow_ips": networks or None}


def service_app() -> FastAPI:
    """The API wired to the Celery queue, from the environment (uvicorn's factory)."""
    from plenaria.api.app import create_app
    from plenaria.workers.queue import CeleryJobQueue

    settings = _settings()
    return create_app(settings, job_queue=CeleryJobQueue(settings))


def worker(
    queues: Annotated[
        str,
        typer.Option(
            help="Comma-separated queues: media, asr, diarization, default; live (the "
            "recorders of live sessions, one per process: give them a worker of their own)."
        ),
    ] = ALL_QUEUES,
    concurrency: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    device: Annotated[
        str | None, typer.Option(help="cpu or cuda (default: PLENARIA_DEVICE).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name (default: queues@host).")] = None,
    loglevel: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """A Celery worker for the given queues (GPU: --queues asr --device cuda --concurrency 1)."""
    _logging(loglevel)
    with reported_errors(debug):
        from celery.signals import worker_ready

        from plenaria.errors import ConfigError
        from plenaria.workers.app import QUEUES, configure
        from plenaria.workers.reconciler import start_reconciler

        wanted = [q.strip() for q in queues.split(",") if q.strip()]
        unknown = sorted(set(wanted) - set(QUEUES))
        if unknown or not wanted:
            raise ConfigError(
                f"Unknown queue(s): {', '.join(unknown) or '(none given)'}.",
                f"Choose among {', '.join(QUEUES)}.",
            )
        if device not in (None, "cpu", "cuda"):
            raise ConfigError(f"Unknown device {device!r}.", "Use cpu or cuda.")
        settings = _settings(device=device)
        celery = configure(settings)
        celery.conf.plenaria_queues = wanted

        def _reconcile(**_: object) -> None:
            # Started once the pool has forked its processes: no thread is copied into them.
            start_reconciler(settings.reconcile_every_s)

        worker_ready.connect(_reconcile, weak=False)

        argv = [
            "worker",
            "--queues",
            ",".join(wanted),
            "--concurrency",
            str(concurrency),
            "--hostname",
            name or f"{'-'.join(wanted)}-{os.getpid()}@%h",
            "--loglevel",
            loglevel.upper(),
            "--without-gossip",
            "--without-mingle",
        ]
        celery.worker_main(argv)


def api(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Web server processes.")] = 1,
    loglevel: Annotated[str, typer.Option()] = "info",
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """The web app and API (production: PostgreSQL and Redis from the environment)."""
    _logging(loglevel)
    with reported_errors(debug):
        import uvicorn

        settings = _settings()  # fail fast on unsafe settings, before binding the port
        uvicorn.run(
            "plenaria.cli_service:service_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=loglevel.lower(),
            **proxy_options(settings),
        )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    loglevel: Annotated[str, typer.Option()] = "info",
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """One machine: the web app and its workers, SQLite and a broker that needs no server."""
    _logging(loglevel)
    with reported_errors(debug):
        import uvicorn

        from plenaria.db.migrate import upgrade

        settings = _settings()
        settings.storage_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings)
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "plenaria", "worker", "--queues", queues]
                + ["--concurrency", str(concurrency), "--loglevel", loglevel],
                env=os.environ.copy(),
            )
            for queues, concurrency in ((ALL_QUEUES, 1), ("live", LIVE_SESSIONS))
        ]
        pids = ", ".join(str(c.pid) for c in children)
        err.print(f"Plenaria on http://{host}:{port}/  (worker pids {pids}; Ctrl-C stops)")
        try:
            uvicorn.run(
                "plenaria.cli_service:service_app",
                factory=True,
                host=host,
                port=port,
                log_level=loglevel.lower(),
                **proxy_options(settings),
            )
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()


@cache_app.command("clean")
def cache_clean(
    max_bytes: Annotated[
        int | None, typer.Option(help="Keep at most this many bytes (default: setting).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Remove the least recently used recordings' cached work above the size limit."""
    with reported_errors(debug):
        from plenaria.config import get_settings
        from plenaria.storage import clean_cache

        settings = get_settings()
        limit = settings.cache_max_bytes if max_bytes is None else max_bytes
        removed, freed = clean_cache(settings.cache_dir, limit)
        typer.echo(f"Removed {removed} recording(s), {freed / 1e6:.1f} MB freed.")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(api)
    app.command()(worker)
    app.add_typer(cache_app, name="cache")
