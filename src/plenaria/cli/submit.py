"""``plenaria submit``: send a recording to a Plenaria server and fetch its outputs.

The upload resumes where it stopped (after a dropped connection, or when the
same command is run again after Ctrl-C); a job already created for the same
file and options is followed again instead of being submitted twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import filesize
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from plenaria.api.i18n import step_label
from plenaria.cli import options as opt
from plenaria.cli.errors import err, reported_errors

out = Console()

OUTPUT_FILES = {
    "json": ("Transcripción (JSON)", "{stem}.json"),
    "vtt": ("Subtítulos (WebVTT)", "{stem}.vtt"),
    "srt": ("Subtítulos (SRT)", "{stem}.srt"),
    "docx": ("Borrador de acta (DOCX)", "{stem}.docx"),
    "proxy": ("Vídeo para la web (MP4)", "{stem}.proxy.mp4"),
}


def job_options(language: str | None, diarization: bool, proxy: bool) -> dict[str, Any]:
    """The job's options (``ProcessOptions`` as JSON): only what differs from the defaults."""
    options: dict[str, Any] = {}
    if language and "," in language:  # the council's languages: each turn in its own
        codes = [c.strip() for c in language.split(",") if c.strip()]
        options["transcription"] = {"detect_languages": codes}
    elif language:
        options["transcription"] = {"language": language}
    if not diarization:
        options["diarize"] = False
    if not proxy:
        options["make_proxy"] = False
    return options


def _request_key(session: dict[str, Any], options: dict[str, Any]) -> str:
    blob = json.dumps({"session": session, "options": options}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _fmt_eta(eta_s: Any) -> str:
    if not isinstance(eta_s, int | float) or eta_s < 0:
        return "quedan -:--:--"
    s = int(eta_s)
    return f"quedan {s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class _Bars:
    """One Rich display for the hash, the upload, the job and the downloads."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def _task(self, name: str, label: str, total: float, counts_bytes: bool) -> TaskID:
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(
                label, total=total, info="", bytes=counts_bytes
            )
        return self.tasks[name]

    def __call__(self, stage: str, done: float, total: float) -> None:
        label = {"hash": "SHA-256", "upload": "Subiendo"}.get(stage, f"Descargando {stage}")
        task = self._task(stage, label, total, counts_bytes=True)
        self.progress.update(task, completed=done, total=max(total, 1))

    def job(self, job: dict[str, Any]) -> None:
        task = self._task("job", "Processing", 1.0, counts_bytes=False)
        state = str(job.get("state", ""))
        step = job.get("step") or state
        progress = job.get("progress")
        done = float(progress) if isinstance(progress, int | float) else 0.0
        info = _fmt_eta(job.get("eta_s")) if state in ("queued", "running") else state
        self.progress.update(
            task,
            completed=min(max(done, 0.0), 1.0),
            description=f"Procesando: {step_label(step, 'es')}",
            info=info,
        )


class _BytesColumn(ProgressColumn):
    """``12.6/20.0 MB 31.2 MB/s`` on the bars that count bytes; the job bar counts 0..1."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("bytes"):
            return Text("")
        total = filesize.decimal(int(task.total or 0))
        speed = f" {filesize.decimal(int(task.speed))}/s" if task.speed else ""
        return Text(f"{filesize.decimal(int(task.completed))}/{total}{speed}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        _BytesColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
        console=err,
        transient=False,
    )


def submit(
    recording: opt.Recording,
    server: Annotated[
        str,
        typer.Option(
            "--server",
            envvar="PLENARIA_SERVER",
            help="El servicio, p. ej. https://plenaria.example.es",
        ),
    ],
    token: Annotated[
        str,
        typer.Option(
            "--token",
            envvar="PLENARIA_TOKEN",
            help="Un token de API (plenaria admin create-token).",
        ),
    ],
    session: opt.SessionFile = None,
    out_dir: opt.OutDir = None,
    detach: Annotated[
        bool,
        typer.Option("--detach", help="Mostrar el id del proceso cuando esté en cola y volver."),
    ] = False,
    language: opt.Language = None,
    no_diarization: opt.NoDiarization = False,
    no_proxy: opt.NoProxy = False,
    debug: opt.Debug = False,
) -> None:
    """Upload a recording to a Plenaria server, wait for its job, download the outputs."""
    with reported_errors(debug):
        _require_httpx()
        from plenaria.cli.client import (
            Client,
            UploadState,
            check_recording_file,
            upload_file,
            upload_id_of,
        )
        from plenaria.cli.service_errors import JobFailedError, ServiceError
        from plenaria.cli.session_file import load_session
        from plenaria.config import get_settings

        check_recording_file(recording)
        session_data = load_session(session).to_dict() if session is not None else {}
        options = job_options(language, not no_diarization, not no_proxy)
        state = UploadState(get_settings().cache_dir / "submit-state.json")
        started = time.perf_counter()
        with Client(server, token) as client, _progress() as display:
            bars = _Bars(display)
            key = state.key(client.server, recording)
            request = _request_key(session_data, options)
            job = _earlier_job(client, state.get(key), request)
            if job is None:
                upload_url, _ = upload_file(client, recording, state, bars)
                job = client.create_job(upload_id_of(upload_url), session_data, options)
                if not isinstance(job.get("id"), str):
                    raise ServiceError(
                        "El servidor creó el proceso pero no envió su id.",
                        "Mire la lista de procesos en la web.",
                    )
                state.update(key, job_id=job["id"], request=request)
            job_id: str = job["id"]
            if detach:
                display.stop()
                print(job_id)
                return
            try:
                job = client.wait(job_id, bars.job)
            except JobFailedError:
                state.update(key, job_id=None, request=None)
                raise
            target = out_dir or Path("out") / recording.stem
            kinds = _output_kinds(job, no_proxy)
            files = {
                kind: client.download(
                    job_id,
                    kind,
                    target / OUTPUT_FILES[kind][1].format(stem=recording.stem),
                    bars,
                )
                for kind in kinds
            }
        state.forget(key)
        _summary(job_id, job, files, time.perf_counter() - started)


def _output_kinds(job: dict[str, Any], no_proxy: bool) -> list[str]:
    """The outputs to download: those the job lists, else the five (four with --no-proxy)."""
    listed = job.get("outputs")
    if isinstance(listed, list) and listed:
        return [k for k in OUTPUT_FILES if k in listed]
    return [k for k in OUTPUT_FILES if not (no_proxy and k == "proxy")]


def _require_httpx() -> None:
    import importlib.util

    if importlib.util.find_spec("httpx") is None:
        from plenaria.errors import DependencyError

        raise DependencyError(
            "plenaria submit necesita httpx, que no está instalado.",
            "Instálelo con: pip install 'plenaria[client]'.",
        )


def _earlier_job(client: Any, entry: dict[str, Any], request: str) -> dict[str, Any] | None:
    """The job an earlier run created for this file and request, if it can still finish."""
    job_id = entry.get("job_id")
    if not isinstance(job_id, str) or entry.get("request") != request:
        return None
    job = client.find_job(job_id)
    if job is None or job.get("state") in ("failed", "cancelled"):
        return None
    return dict(job)


def _summary(job_id: str, job: dict[str, Any], files: dict[str, Path], elapsed_s: float) -> None:
    table = Table(title="Plenaria: resultados", show_header=True)
    table.add_column("resultado")
    table.add_column("archivo")
    for kind, path in files.items():
        table.add_row(OUTPUT_FILES[kind][0], str(path))
    out.print(table)
    session = f", sesión {job['session_id']}" if job.get("session_id") else ""
    out.print(f"Proceso {job_id} terminado{session}; {len(files)} resultados en {elapsed_s:.0f} s.")
