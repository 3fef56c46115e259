"""What the original recording is: its SHA-256, container, duration and streams.

Probing goes through PyAV (no ffprobe needed), with the demuxer the file's first
bytes name forced and the same whitelists as ffmpeg. :func:`inspect_recording`
turns every unusable input into one :class:`~plenaria.errors.InputError` line
that says what is wrong and what to do.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import av

from plenaria.domain import Recording, Stream
from plenaria.errors import InputError, MediaError
from plenaria.media.ffmpeg import file_url, input_options
from plenaria.media.sniff import DEMUXER_NAMES, playlist_inside, sniff
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

TRUNCATION_TOLERANCE_S = 2.0  # data may end this much before the declared duration
_EXPORT_HINT = "Dé una grabación de audio o vídeo (MP4/MOV, MKV/WebM, MP3, Ogg, WAV, FLAC, AAC)."


def sha256_file(path: Path, progress: Progress = no_progress, block_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in blocks (memory does not grow with the file).

    Reports ``progress("hash", bytes_done, bytes_total)``.
    """
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    progress("hash", 0, total)
    with path.open("rb") as f:
        while block := f.read(block_bytes):
            digest.update(block)
            done += len(block)
            progress("hash", done, total)
    return digest.hexdigest()


def open_input(path: Path, name: str | None = None) -> av.container.InputContainer:
    """Open a recording with PyAV: the sniffed demuxer forced, local files only.

    Raises :class:`MediaError` (naming ``name``, default the file's name) when
    the first bytes are not those of an accepted recording; PyAV's own errors
    (``av.FFmpegError``) pass through.
    """
    fmt = sniff(path, name)
    return av.open(file_url(path), format=fmt, options=input_options())


def probe(path: Path, name: str | None = None) -> tuple[str, float, tuple[Stream, ...]]:
    """``(format_name, duration_s, streams)`` of a media file.

    The duration is the container's; when the container does not say, the
    streams' or, last, the end of the last audio packet. Raises
    :class:`MediaError` for a file that is not a readable recording; messages
    call it ``name`` (default: the file's name).
    """
    try:
        with open_input(path, name) as container:
            streams = tuple(_stream(s) for s in container.streams)
            duration = _declared_duration(container)
            if duration is None:
                duration = _demuxed_duration(container)
            fmt = container.format.name  # as forced: "mov" for the whole mov/mp4 family
            return DEMUXER_NAMES.get(fmt, fmt), duration, streams
    except (av.FFmpegError, UnicodeDecodeError) as e:
        raise MediaError(*_unreadable(path, e, name or path.name)) from e


def inspect_recording(
    path: Path,
    progress: Progress = no_progress,
    *,
    name: str | None = None,
    sha256: str | None = None,
) -> Recording:
    """Validate the original recording and hash it; the certified description of the input.

    ``name`` is the recording's name in messages and in the result (default:
    the file's name; an upload is stored under a generated name). A caller that
    has just hashed the file passes its hex ``sha256`` so it is not read twice.
    """
    name = name or path.name
    size = _check_file(path, name)
    format_name, duration, streams = probe(path, name)
    audio = [s for s in streams if s.kind == "audio"]
    if not audio:
        what = " (solo vídeo)" if any(s.kind == "video" for s in streams) else ""
        raise MediaError(
            f"{name} no tiene pista de audio{what}: no hay nada que transcribir.",
            "Exporte de nuevo la grabación con su pista de sonido.",
        )
    if duration <= 0:
        raise MediaError(
            f"{name} dura 0 segundos: no tiene audio que transcribir.",
            "Revise la exportación o la copia de la grabación; está vacía.",
        )
    _check_complete(path, audio[0].index, duration, name)
    digest = sha256 or sha256_file(path, progress)
    log.info("Recording %s: %.1f s, %s, sha256 %s", name, duration, format_name, digest[:12])
    return Recording(
        file_name=name,
        sha256=digest,
        size_bytes=size,
        duration_s=duration,
        format_name=format_name,
        streams=streams,
    )


def _check_file(path: Path, name: str) -> int:
    """The file's size; an InputError for a missing, unreadable, directory or empty path."""
    if not path.exists():
        raise InputError(
            f"No se encuentra la grabación: {path}", "Revise la ruta y el nombre del archivo."
        )
    if path.is_dir():
        raise InputError(
            f"{path} es una carpeta, no una grabación.", "Dé la ruta del archivo mismo."
        )
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as e:
        raise InputError(
            f"No se puede leer {path}: {e.strerror}.", "Revise los permisos del archivo."
        ) from e
    if size == 0:
        raise InputError(
            f"{name} está vacío (0 bytes).",
            "La copia o la subida falló: vuelva a copiar la grabación.",
        )
    return size


def _stream(s: av.stream.Stream) -> Stream:
    ctx = s.codec_context
    codec = ""
    if ctx is not None:  # the codec's name (mp3), not its decoder's (mp3float)
        codec = getattr(ctx.codec, "canonical_name", None) or ctx.name or ""
    if isinstance(s, av.audio.stream.AudioStream):
        actx = s.codec_context
        return Stream(
            s.index, "audio", codec, channels=actx.channels or 0, sample_rate=actx.sample_rate or 0
        )
    if isinstance(s, av.video.stream.VideoStream):
        # Cover art in an audio file is a still "image", not a video track.
        kind = "image" if s.disposition & av.stream.Disposition.attached_pic else "video"
        vctx = s.codec_context
        return Stream(s.index, kind, codec, width=vctx.width or 0, height=vctx.height or 0)
    return Stream(s.index, str(s.type), codec)


def _declared_duration(container: av.container.InputContainer) -> float | None:
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    ends = [
        float(s.duration * s.time_base)
        for s in container.streams
        if s.duration is not None and s.time_base is not None and s.duration > 0
    ]
    return max(ends) if ends else None


def _demuxed_duration(container: av.container.InputContainer) -> float:
    """End of the last audio packet (reads packets, decodes nothing); 0 when there are none."""
    if not container.streams.audio:
        return 0.0
    audio = container.streams.audio[0]
    return _last_packet_end(container, audio)


def _last_packet_end(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    end = 0.0
    tb = stream.time_base
    for packet in container.demux(stream):
        if packet.pts is None or not packet.size or tb is None:
            continue
        end = max(end, float((packet.pts + (packet.duration or 0)) * tb))
    return end


def _check_complete(path: Path, audio_index: int, duration: float, name: str) -> None:
    """Raise MediaError when the audio data stops well before the declared duration.

    A faststart MP4 cut short keeps its index, so it opens and claims its full
    length; seeking near the end finds no data. Only then is the file read
    through (packets only) to see where it really ends.
    """
    try:
        with open_input(path, name) as container:
            stream = container.streams[audio_index]
            tolerance = min(TRUNCATION_TOLERANCE_S, 0.1 * duration)
            target = max(0.0, duration - tolerance)
            try:
                if stream.time_base is None:
                    return
                offset = int(target / stream.time_base)
                container.seek(offset, backward=True, any_frame=False, stream=stream)
            except av.FFmpegError:
                log.debug("%s cannot seek; skipping the end check", name)
                return
            for packet in container.demux(stream):
                if packet.size:
                    return
            container.seek(0)
            end = _last_packet_end(container, stream)
    except av.FFmpegError as e:
        raise MediaError(
            f"{name} está dañado: sus datos no se pueden leer hasta el final ({e}).",
            "Seguramente el archivo quedó cortado: vuelva a copiarlo o exportarlo.",
        ) from e
    if end < duration - tolerance:
        raise MediaError(
            f"{name} está cortado: declara {duration:.1f} s pero su audio termina "
            f"a los {end:.1f} s.",
            "La copia o la subida se interrumpió: vuelva a copiar o exportar la grabación.",
        )


def _unreadable(path: Path, error: Exception, name: str) -> tuple[str, str]:
    """(message, hint) saying why ffmpeg cannot open ``path``, judged by its first bytes."""
    with path.open("rb") as f:
        head = f.read(4096)
    if playlist_inside(head):  # a playlist behind a valid-looking header
        return (
            f"{name} esconde una lista de reproducción o de otros archivos tras una cabecera "
            "de vídeo; no se abre.",
            _EXPORT_HINT,
        )
    if head[4:8] in (b"ftyp", b"mdat", b"free", b"wide", b"moov"):
        return (
            f"{name} es un archivo MP4/MOV incompleto: le falta el índice (átomo moov).",
            "La copia o la subida se interrumpió: vuelva a copiar o exportar la grabación.",
        )
    reason = getattr(error, "strerror", None) or str(error)
    return f"{name} no es un archivo de audio o vídeo que ffmpeg pueda leer ({reason}).", (
        _EXPORT_HINT
    )
