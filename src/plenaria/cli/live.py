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

INTERRUPTED_HINT = "The session was abandoned while finishing; the original is kept in --out."


def live(
    url: Annotated[
        str,
        typer.Argument(
            help="The stream: http(s)://...(.ts|.m3u8), rtmp://..., srt://..., udp://..., "
            "tcp://...; with --listen, the address to listen on (rtmp://127.0.0.1:1935/live)."
        ),
    ],
    language: opt.Language = None,
    model: opt.Model = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: out/<name>).")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Name of the recording and its outputs (default: live-<UTC time>)."),
    ] = None,
    session: opt.SessionFile = None,
    max_chunk_s: Annotated[
        float,
        typer.Option(
            help="Latency bound, seconds: a chunk closes at a pause when its speech fills one "
            "recogniser window (25 s), or at its widest pause once this long."
        ),
    ] = 40.0,
    end_timeout_s: Annotated[
        float, typer.Option(help="Seconds to keep reconnecting after the stream drops.")
    ] = 20.0,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen", help="Wait for the encoder to push to URL (rtmp://host:port/app)."
        ),
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(
            envvar="PLENARIA_LIVE_KEY",
            show_envvar=True,
            help="With --listen: the session's secret stream key; a push with another is "
            "refused. Default: the last part of URL (rtmp://host:port/app/KEY). Set it in "
            "PLENARIA_LIVE_KEY to keep it off the command line.",
        ),
    ] = None,
    no_diarization: opt.NoDiarization = False,
    no_proxy: opt.NoProxy = False,
    acta_lang: opt.ActaLang = "es",
    verbose: opt.Verbose = False,
    debug: opt.Debug = False,
) -> None:
    """Transcribe a live stream as it happens; at its end, write the five outputs."""
    setup_logging(verbose)
    with reported_errors(debug, INTERRUPTED_HINT):
        from pydantic import ValidationError

        from plenaria.config import get_settings
        from plenaria.errors import ConfigError, InputError
        from plenaria.live.handover import hand_over
        from plenaria.live.segmenter import LiveOptions
        from plenaria.live.session import LiveSession, Provisional, Transcribing
        from plenaria.live.source import check_url
        from plenaria.pipeline import ProcessOptions, _Source, load_engines, local_profiles
        from plenaria.session import load_session
        from plenaria.storage import LocalStorage

        check_url(url)
        gate = None
        source_url = url
        if listen:
            from plenaria.live.rtmp_gate import PushAddress, open_gate

            address = PushAddress.parse(url, key)
        elif key is not None and key != os.environ.get("PLENARIA_LIVE_KEY"):
            raise InputError("--key goes with --listen.", "Add --listen, or drop --key.")
        try:
            live_opts = LiveOptions(max_chunk_s=max_chunk_s, end_timeout_s=end_timeout_s)
        except ValidationError as e:
            first = e.errors()[0]
            raise ConfigError(f"Invalid live option: {first['msg']}.", "Check the values.") from e
        settings = get_settings()
        if no_diarization:
            settings = settings.model_copy(update={"diarization_backend": "none"})
        options = opt.process_options(
            ProcessOptions(),
            language=language,
            make_proxy=not no_proxy,
            diarize=not no_diarization,
            acta_lang=acta_lang,
        )
        info = load_session(session) if session is not None else None
        stem = name or datetime.now(UTC).strftime("live-%Y%m%d-%H%M%S")
        if "/" in stem or stem.startswith("."):
            raise InputError(f"Invalid --name {stem!r}.", "Give a plain file name, no folders.")
        target = out_dir or Path("out") / stem
        target.mkdir(parents=True, exist_ok=True)
        original = target / f"{stem}.ts"
        if original.exists():
            raise InputError(
                f"{original} exists already: a live session never overwrites a recording.",
                "Give another --name or --out.",
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
                on_refused=lambda why: err.print(f"Refused an RTMP push: {why}.", markup=False),
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
        err.print(f"Recording {where} into {original}; transcript lines follow on stdout.")
        try:
            record = runner.run()
        finally:
            if gate is not None:
                gate.close()
        if record.duration_s <= 0:
            raise InputError(
                f"No audio came from {url}.",
                "Check that the stream is live and carries sound; see --verbose for ffmpeg's "
                f"last words: {record.errors[-1] if record.errors else 'none'}",
            )
        err.print(
            f"Stream over: {record.duration_s:.0f} s recorded, SHA-256 {record.sha256}; "
            f"{len(record.gaps)} gap(s). Finishing (diarization, acta, outputs)..."
        )
        for gap in record.gaps:
            err.print(f"Gap: {gap.length_s:.1f} s missing from the stream at {gap.start_s:.1f} s.")
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
        )
        cert = result.certificate
        for kind, path in result.outputs.items():
            err.print(f"{kind:<12} {path}")
        err.print(
            f"Chunk lag: median {cert['lag_median_s']} s, max {cert['lag_max_s']} s; "
            f"{len(result.transcript.interventions)} interventions, "
            f"{len(result.transcript.speakers)} speakers."
        )


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.command()(live)
