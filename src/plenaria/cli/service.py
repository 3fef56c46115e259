"""Service commands: ``plenaria serve | api | worker | cache | models``.

``serve`` is the embedded default on one machine (SQLite, kombu's filesystem
broker, a worker beside the web app); ``api`` and ``worker`` are production's
processes, configured by ``PLENARIA_DATABASE_URL``, ``PLENARIA_BROKER_URL`` and
``PLENARIA_STORAGE_DIR``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from plenaria.cli.errors import err, reported_errors

if TYPE_CHECKING:
    from fastapi import FastAPI

    from plenaria.config import Settings

log = logging.getLogger(__name__)

ALL_QUEUES = "media,asr,diarization,default"
LIVE_SESSIONS = 2  # plenaria serve: live sessions recorded at once (the live queue's worker)
STOP_GRACE_S = 15.0  # plenaria serve: how long its workers get to stop, all together

cache_app = typer.Typer(no_args_is_help=True, help="La caché del trabajo reutilizable.")
models_app = typer.Typer(no_args_is_help=True, help="Los modelos, preparados una vez.")


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
            help="Colas separadas por comas: media, asr, diarization, default; live (las "
            "grabadoras de las sesiones en directo, una por proceso: deles un trabajador propio)."
        ),
    ] = ALL_QUEUES,
    concurrency: Annotated[int, typer.Option(min=1, help="Procesos del trabajador.")] = 1,
    device: Annotated[
        str | None, typer.Option(help="cpu o cuda (por defecto: PLENARIA_DEVICE).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Nombre del trabajador (por defecto: colas@servidor).")
    ] = None,
    loglevel: Annotated[
        str, typer.Option(help="debug, info, warning (detalle del registro).")
    ] = "info",
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
                f"Cola(s) desconocida(s): {', '.join(unknown) or '(no se dio ninguna)'}.",
                f"Elija entre {', '.join(QUEUES)}.",
            )
        if device not in (None, "cpu", "cuda"):
            raise ConfigError(f"Dispositivo desconocido: {device!r}.", "Use cpu o cuda.")
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
    host: Annotated[str, typer.Option(help="Dirección en la que escuchar.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Procesos del servidor web.")] = 1,
    loglevel: Annotated[str, typer.Option()] = "info",
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """The web app and API (production: PostgreSQL and Redis from the environment)."""
    _logging(loglevel)
    with reported_errors(debug):
        import uvicorn

        settings = _settings()  # fail fast on unsafe settings, before binding the port
        uvicorn.run(
            "plenaria.cli.service:service_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=loglevel.lower(),
            **proxy_options(settings),
        )


def _start_worker(queues: str, concurrency: int, loglevel: str) -> subprocess.Popen[bytes]:
    """``plenaria worker`` in a session (and process group) of its own: stopping the group
    reaches its pool processes too, and a Ctrl-C in the terminal reaches ``serve`` alone."""
    return subprocess.Popen(
        [sys.executable, "-m", "plenaria", "worker", "--queues", queues]
        + ["--concurrency", str(concurrency), "--loglevel", loglevel],
        start_new_session=True,
    )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_groups(children: list[subprocess.Popen[bytes]], grace_s: float) -> None:
    """SIGTERM every child's process group at once, wait for them all until one shared
    deadline (a second Ctrl-C or SIGTERM ends the wait), then SIGKILL the groups left."""
    deadline = [time.monotonic() + grace_s]

    def hurry(*_: object) -> None:
        deadline[0] = 0.0

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, hurry)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
    while time.monotonic() < deadline[0]:
        for child in children:
            child.poll()  # reaps the worker's main process once it exits
        if not any(_group_alive(child.pid) for child in children):
            break
        time.sleep(0.1)
    for child in children:
        try:
            os.killpg(child.pid, signal.SIGKILL)
            log.warning("worker %s did not stop in %.0f s: killed", child.pid, grace_s)
        except ProcessLookupError:
            pass
        child.wait()


def _raise_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def serve(
    host: Annotated[str, typer.Option(help="Dirección en la que escuchar.")] = "127.0.0.1",
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
        prepare_models(settings)  # once here, not in each worker at the same moment
        # uvicorn stops on SIGTERM, then raises it again: this handler turns it into an
        # exit that runs the ``finally`` below instead of ending the process at once.
        signal.signal(signal.SIGTERM, _raise_exit)
        children: list[subprocess.Popen[bytes]] = []
        try:
            for queues, concurrency in ((ALL_QUEUES, 1), ("live", LIVE_SESSIONS)):
                children.append(_start_worker(queues, concurrency, loglevel))
            pids = ", ".join(str(c.pid) for c in children)
            err.print(
                f"Plenaria en http://{host}:{port}/  (pids de los trabajadores {pids}; Ctrl-C para)"
            )
            uvicorn.run(
                "plenaria.cli.service:service_app",
                factory=True,
                host=host,
                port=port,
                log_level=loglevel.lower(),
                **proxy_options(settings),
            )
        finally:
            stop_groups(children, STOP_GRACE_S)


@cache_app.command(
    "clean",
    help="Borrar el trabajo guardado de las grabaciones usadas hace más tiempo, por encima "
    "del límite de tamaño.",
)
def cache_clean(
    max_bytes: Annotated[
        int | None, typer.Option(help="Guardar como mucho estos bytes (por defecto: el ajuste).")
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
        typer.echo(f"Borradas {removed} grabación(es); {freed / 1e6:.1f} MB liberados.")


def prepare_models(settings: Settings) -> list[Path]:
    """What the settings' models need once, made now: the diarization networks' ONNX
    export (it needs torch) and the bundled Whisper model assembled from its parts.
    Safe when several processes run it at once; the paths ready."""
    from plenaria.transcription.models import BUNDLED_NAME, bundled_base_model

    ready: list[Path] = []
    if settings.diarization_backend == "embedded":
        from plenaria.diarization.models import ensure_onnx

        ready += ensure_onnx(settings.models_path)
    if settings.asr_backend == "faster-whisper" and settings.whisper_model.strip() == BUNDLED_NAME:
        bundled = bundled_base_model(settings)
        if bundled is not None:
            ready.append(bundled)
    return ready


@models_app.command(
    "prepare",
    help="Exportar a ONNX las redes de intervinientes y montar el modelo Whisper incluido, "
    "una vez (make lo hace al instalar; serve, antes de arrancar sus trabajadores).",
)
def models_prepare(
    loglevel: Annotated[
        str, typer.Option(help="debug, info, warning (detalle del registro).")
    ] = "info",
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Export the diarization networks to ONNX and assemble the bundled Whisper model, once
    (make runs it after installing; serve before its workers start)."""
    _logging(loglevel)
    with reported_errors(debug, "Vuelva a ejecutarlo: lo que ya está listo no se repite."):
        from plenaria.config import get_settings

        for path in prepare_models(get_settings()):
            typer.echo(f"Listo: {path}", err=True)


def register(app: typer.Typer) -> None:
    app.command(
        help="Una sola máquina: la aplicación web y sus trabajadores, SQLite y una cola "
        "que no necesita servidor."
    )(serve)
    app.command(help="La aplicación web y la API (producción: PostgreSQL y Redis del entorno).")(
        api
    )
    app.command(
        help="Un trabajador Celery para las colas dadas (GPU: --queues asr --device cuda "
        "--concurrency 1)."
    )(worker)
    app.add_typer(cache_app, name="cache")
    app.add_typer(models_app, name="models")
