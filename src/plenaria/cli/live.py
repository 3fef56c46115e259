"""``plenaria live URL``: transcribe a streamed pleno while it happens, on this machine.

Each new piece of transcript goes to stdout as soon as it is known, one line
each: ``[H:MM:SS] SPEAKER: text``. Everything else (connection, gaps, the final
summary) goes to stderr. When the stream ends (and does not come back within
``--end-timeout-s``) or on Ctrl-C, the session is finished: the original's
SHA-256, diarization over the whole session, the five outputs in ``--out``.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from plenaria.cli import options as opt
from plenaria.cli.errors import err, reported_errors, setup_logging
from plenaria.cli.process import OUTPUT_NAMES

INTERRUPTED_HINT = "Se abandonó la sesión al terminar; el original se guarda en --out."


def live(
    url: Annotated[
        str,
        typer.Argument(
            help="La emisión: http(s)://...(.ts|.m3u8), rtmp://..., srt://..., udp://..., "
            "tcp://...; con --listen, la dirección en la que escuchar (rtmp://127.0.0.1:1935/live)."
        ),
    ],
    language: opt.Language = None,
    model: opt.Model = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Carpeta de salida (por defecto: out/<nombre>)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            help="Nombre de la grabación y sus resultados (por defecto: live-<hora UTC>)."
        ),
    ] = None,
    session: opt.SessionFile = None,
    max_chunk_s: Annotated[
        float,
        typer.Option(
            help="Retardo máximo, en segundos: un fragmento se cierra en una pausa cuando su voz "
            "llena una ventana del reconocedor (25 s), o en su pausa más larga al durar esto."
        ),
    ] = 40.0,
    end_timeout_s: Annotated[
        float, typer.Option(help="Segundos que se sigue reconectando tras cortarse la emisión.")
    ] = 20.0,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen",
            help="Esperar a que el codificador envíe a URL (rtmp://servidor:puerto/app).",
        ),
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(
            envvar="PLENARIA_LIVE_KEY",
            show_envvar=True,
            help="Con --listen: la clave secreta de la emisión de la sesión; un envío con otra se "
            "rechaza. Por defecto: la última parte de URL (rtmp://servidor:puerto/app/CLAVE). "
            "Póngala en PLENARIA_LIVE_KEY para que no figure en la línea de órdenes.",
        ),
    ] = None,
    no_diarization: opt.NoDiarization = False,
    no_proxy: opt.NoProxy = False,
    acta_lang: opt.ActaLang = "es",
    acta_template: opt.ActaTemplate = None,
    verbatim: opt.Verbatim = False,
    verbose: opt.Verbose = False,
    debug: opt.Debug = False,
) -> None:
    """Transcribe a live stream as it happens; at its end, write the five outputs."""
    setup_logging(verbose)
    with reported_errors(debug, INTERRUPTED_HINT):
        from pydantic import ValidationError

        from plenaria.cli.session_file import load_session
        from plenaria.config import get_settings
        from plenaria.errors import ConfigError, InputError, validation_message
        from plenaria.live.handover import hand_over
        from plenaria.live.segmenter import LiveOptions
        from plenaria.live.session import LiveSession, Provisional, Transcribing
        from plenaria.live.source import check_url
        from plenaria.pipeline import ProcessOptions, _Source, load_engines, local_profiles
        from plenaria.storage import LocalStorage

        check_url(url)
        gate = None
        source_url = url
        if listen:
            from plenaria.live.rtmp_gate import PushAddress, open_gate

            address = PushAddress.parse(url, key)
        elif key is not None and key != os.environ.get("PLENARIA_LIVE_KEY"):
            raise InputError("--key va con --listen.", "Añada --listen o quite --key.")
        try:
            live_opts = LiveOptions(max_chunk_s=max_chunk_s, end_timeout_s=end_timeout_s)
        except ValidationError as e:
            first = e.errors()[0]
            raise ConfigError(
                f"Opción de directo no válida: {validation_message(first)}.", "Revise los valores."
            ) from e
        settings = get_settings()
        if no_diarization:
            settings = settings.model_copy(update={"diarization_backend": "none"})
        options = opt.process_options(
            ProcessOptions(),
            language=language,
            detect_languages=opt.settings_languages(language, settings),
            make_proxy=not no_proxy,
            diarize=not no_diarization,
            acta_lang=acta_lang,
            acta_interventions="verbatim" if verbatim else "synthesis",
        )
        # A council's template that does not fit fails now, before the stream is recorded.
        from plenaria.acts.acta_template import load_template
        from plenaria.acts.draft import acta_template_path

        load_template(acta_template_path(acta_lang, acta_template, settings.acta_templates))
        info = load_session(session) if session is not None else None
        stem = name or datetime.now(UTC).strftime("live-%Y%m%d-%H%M%S")
        if "/" in stem or stem.startswith("."):
            raise InputError(
                f"--name no válido: {stem!r}.", "Dé un nombre de archivo simple, sin carpetas."
            )
        target = out_dir or Path("out") / stem
        target.mkdir(parents=True, exist_ok=True)
        original = target / f"{stem}.ts"
        if original.exists():
            raise InputError(
                f"{original} ya existe: una sesión en directo nunca sobrescribe una grabación.",
                "Dé otro --name u otro --out.",
            )
        engines = load_engines(settings, model)
        if engines.diarizer is None and options.diarize:
            options = options.model_copy(update={"diarize": False})
        profiles = local_profiles(settings) if options.diarize else ()
        from plenaria.diarization.profiles import VoiceProfile

        wav = settings.cache_dir / "live" / stem / "audio.wav"
        if listen:
            gate, source_url = open_gate(
                address,
                on_refused=lambda why: err.print(f"Envío RTMP rechazado: {why}.", markup=False),
            )
        voices = [VoiceProfile.from_dict(p) for p in profiles]
        provisional = Provisional(wav, engines.diarizer, options, voices)
        runner = LiveSession(
            source_url,
            original,
            wav,
            engines.vad,
            options,
            live_opts,
            Transcribing(engines.transcriber, wav, options, provisional, emit=_emit),
            listen=listen,
            notify=lambda message: err.print(message, markup=False, highlight=False),
        )
        where = f"rtmp://{address.host}:{gate.port}/{address.app}/<key>" if gate else url
        err.print(
            f"Grabando {where} en {original}; las líneas de la transcripción salen por stdout."
        )
        try:
            record = runner.run()
        finally:
            if gate is not None:
                gate.close()
        if record.duration_s <= 0:
            raise InputError(
                f"No llegó audio de {url}.",
                "Compruebe que la emisión está en directo y lleva sonido; con --verbose se ven "
                "los últimos mensajes de ffmpeg: "
                f"{record.errors[-1] if record.errors else 'ninguno'}",
            )
        err.print(
            f"Emisión terminada: {record.duration_s:.0f} s grabados, SHA-256 {record.sha256}; "
            f"{len(record.gaps)} corte(s). Terminando (intervinientes, acta, resultados)..."
        )
        for gap in record.gaps:
            err.print(
                f"Corte: faltan {gap.length_s:.1f} s de la emisión a los {gap.start_s:.1f} s."
            )
        result = hand_over(
            record,
            target,
            LocalStorage(settings.cache_dir),
            _Source(engines),
            options,
            live_opts,
            session=info,
            profiles=profiles,
            video_url_template=settings.video_url_template,
            acta_template=str(acta_template.resolve()) if acta_template else "",
            summary_model=settings.summary_model,
        )
        cert = result.certificate
        for kind, path in result.outputs.items():
            err.print(f"{OUTPUT_NAMES.get(kind, kind)}: {path}")
        err.print(
            f"Retardo de los fragmentos: mediana {cert['lag_median_s']} s, máximo "
            f"{cert['lag_max_s']} s; {len(result.transcript.interventions)} intervenciones, "
            f"{len(result.transcript.speakers)} intervinientes."
        )


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.command(
        help="Transcribir una emisión en directo; al acabar, escribir los cinco resultados."
    )(live)
