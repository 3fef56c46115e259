"""``plenaria process`` and ``plenaria sample``: the main job in this process.

Errors a user can fix print one line and exit with the error's code (2 for bad
input); nothing prints a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from plenaria.api.i18n import step_label
from plenaria.cli import options as opt
from plenaria.cli.errors import err, reported_errors, setup_logging

out = Console()

STAGE_LABELS = {
    "job": "Todos los pasos",
    "hash": "SHA-256 del original",
    "audio": "Extracción del audio a 16 kHz",
    "speech": "Detección de la voz",
    "transcribe": "Transcripción",
    "diarize": "Quién habla y cuándo",
    "proxy": "Vídeo para la web",
}


class RichProgress:
    """Maps ``progress(stage, done, total)`` to one Rich bar per stage, with ETA."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: float, total: float) -> None:
        task = self._tasks.get(stage)
        if task is None:
            label = STAGE_LABELS.get(stage) or step_label(stage, "es")
            task = self._progress.add_task(label, total=max(total, 1e-9))
            self._tasks[stage] = task
        self._progress.update(task, completed=min(done, total), total=max(total, 1e-9))


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        TextColumn("quedan"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def process(
    recording: opt.Recording,
    language: opt.Language = None,
    session: opt.SessionFile = None,
    out_dir: opt.OutDir = None,
    model: opt.Model = None,
    min_speakers: Annotated[int | None, typer.Option(help="Al menos estos intervinientes.")] = None,
    max_speakers: Annotated[
        int | None, typer.Option(help="Como mucho estos intervinientes.")
    ] = None,
    chunk_max_s: Annotated[
        float | None, typer.Option(help="Fragmento de audio más largo, en segundos.")
    ] = None,
    beam_size: Annotated[
        int | None, typer.Option(help="Anchura del haz de la decodificación (beam size).")
    ] = None,
    no_diarization: opt.NoDiarization = False,
    no_proxy: opt.NoProxy = False,
    acta_lang: opt.ActaLang = "es",
    acta_template: opt.ActaTemplate = None,
    verbatim: opt.Verbatim = False,
    verbose: opt.Verbose = False,
    debug: opt.Debug = False,
) -> None:
    """Turn a recording into a transcript, captions, a draft acta (DOCX) and a web video."""
    setup_logging(verbose)
    with reported_errors(debug):
        from plenaria.cli.session_file import load_session
        from plenaria.config import Settings, get_settings
        from plenaria.pipeline import ProcessOptions, load_engines, process_recording

        settings: Settings = get_settings()
        if no_diarization:
            settings = settings.model_copy(update={"diarization_backend": "none"})
        options = opt.process_options(
            ProcessOptions(),
            language=language,
            detect_languages=opt.settings_languages(language, settings),
            min_speakers=min_speakers,
            max_speakers=max_speakers,
            chunk_max_s=chunk_max_s,
            beam_size=beam_size,
            make_proxy=not no_proxy,
            diarize=not no_diarization,
            acta_lang=acta_lang,
            acta_interventions="verbatim" if verbatim else "synthesis",
        )
        # A council's template that does not fit fails now, before any work.
        from plenaria.acts.acta_template import load_template
        from plenaria.acts.draft import acta_template_path

        load_template(acta_template_path(acta_lang, acta_template, settings.acta_templates))
        session_info = load_session(session) if session is not None else None
        target = out_dir or Path("out") / recording.stem
        started = time.perf_counter()
        with _bars() as bars:
            report = RichProgress(bars)
            # Validate the input before loading models: a bad file fails in a second.
            from plenaria.media.probe import inspect_recording

            inspect_recording(recording, report)
            engines = load_engines(settings, model)
            result = process_recording(
                recording,
                target,
                engines,
                settings,
                session_info,
                options,
                report,
                acta_template=acta_template,
            )
        _summary(result, time.perf_counter() - started)


# The outputs by their names for a person (the run's summary, `plenaria live`'s last lines).
OUTPUT_NAMES = {
    "json": "Transcripción (JSON)",
    "vtt": "Subtítulos (WebVTT)",
    "srt": "Subtítulos (SRT)",
    "docx": "Borrador de acta (DOCX)",
    "proxy": "Vídeo para la web (MP4)",
}


def _summary(result: Any, elapsed_s: float) -> None:
    t = result.transcript
    table = Table(title="Plenaria: resultados", show_header=True)
    table.add_column("resultado")
    table.add_column("archivo")
    for key, path in result.outputs.items():
        table.add_row(OUTPUT_NAMES.get(key, key), str(path))
    out.print(table)
    out.print(
        f"{len(t.interventions)} intervenciones, {len(t.speakers)} intervinientes, "
        f"idiomas: {', '.join(t.languages) or '-'}; "
        f"grabación de {t.recording.duration_s / 60:.1f} min, "
        f"procesada en {elapsed_s:.0f} s (SHA-256 {t.recording.sha256})."
    )


def sample(
    out_dir: Annotated[Path, typer.Argument(help="Carpeta de los archivos de ejemplo.")] = Path(
        "samples"
    ),
    repeat: Annotated[int, typer.Option(min=1, help="Repetir el guion para alargarlo.")] = 1,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Generate a sample plenary (Spanish, 3 voices, agenda with votes) as a video file."""
    with reported_errors(debug):
        from plenaria.cli.samples import make_sample

        video = make_sample(out_dir, repeat=repeat)
        out.print(f"Grabación de ejemplo: {video}")
        out.print(f"Datos de la sesión:   {video.with_suffix('.yaml')}")


def register(app: typer.Typer) -> None:
    """``plenaria process`` and ``plenaria sample``."""
    app.command(
        help="Convertir una grabación en transcripción, subtítulos, borrador de acta (DOCX) "
        "y vídeo para la web."
    )(process)
    app.command(
        help="Generar un pleno de ejemplo (en castellano, 3 voces, orden del día con "
        "votaciones) como archivo de vídeo."
    )(sample)
