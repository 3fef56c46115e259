"""The web proxy: an MP4 any browser plays (H.264 yuv420p + AAC, moov first).

A stream that is already playable (H.264 8-bit 4:2:0, AAC) is copied, not
re-encoded: remuxing a 3-hour plenary takes seconds. Anything else is
transcoded, with the video scaled down to at most 720 lines. An audio-only
recording gives an AAC-in-MP4 audio proxy.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import av

from plenaria.domain import Recording, Stream
from plenaria.errors import MediaError
from plenaria.media.ffmpeg import file_url, run_ffmpeg
from plenaria.media.probe import open_input
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

MAX_HEIGHT = 720
PLAYABLE_PIX_FMTS = ("yuv420p", "yuvj420p")
VIDEO_CRF = 23
AUDIO_BITRATE = "128k"


def make_proxy(
    src: Path,
    dest: Path,
    recording: Recording,
    progress: Progress = no_progress,
    threads: int = 0,
) -> Path:
    """Write the web-playable MP4 of ``src`` at ``dest`` (atomically) and return ``dest``.

    Reports ``progress("proxy", seconds_done, recording.duration_s)``. ``threads``: the
    encoders' threads (a worker given one CPU thread keeps to it); 0: ffmpeg's choice.
    """
    video = _first(recording, "video")
    audio = _first(recording, "audio")
    if video is None and audio is None:
        raise MediaError(
            f"{recording.file_name} no tiene audio ni vídeo con que hacer la versión web.",
            "Dé la grabación original.",
        )
    args = ["-y", "-i", file_url(src)]
    plan: list[str] = []
    if video is not None:
        copy_video = video.codec == "h264" and _pix_fmt(src, video.index) in PLAYABLE_PIX_FMTS
        args += ["-map", f"0:{video.index}"]
        if copy_video:
            args += ["-c:v", "copy"]
        else:
            args += [
                "-c:v", "libx264", "-preset", "veryfast", "-crf", str(VIDEO_CRF),
                "-pix_fmt", "yuv420p",
                "-vf", f"scale=-2:'trunc(min({MAX_HEIGHT},ih)/2)*2'",
            ]  # fmt: skip
        plan.append("video copied" if copy_video else "video transcoded")
    if audio is not None:
        args += ["-map", f"0:{audio.index}"]
        if audio.codec == "aac":
            args += ["-c:a", "copy"]
        else:
            args += ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", str(min(2, audio.channels or 2))]
        plan.append("audio copied" if audio.codec == "aac" else "audio transcoded")
    if video is None:
        args += ["-vn"]

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    args += ["-sn", "-dn", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4"]
    if threads > 0:
        args += ["-threads", str(threads)]
    try:
        run_ffmpeg(
            [*args, file_url(tmp)],
            what=f"hacer la versión web de {recording.file_name}",
            progress_total_s=recording.duration_s,
            progress=progress,
            stage="proxy",
        )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("Proxy %s (%s)", dest, ", ".join(plan))
    return dest


def _first(recording: Recording, kind: str) -> Stream | None:
    return next((s for s in recording.streams if s.kind == kind), None)


def _pix_fmt(src: Path, index: int) -> str:
    """Pixel format of stream ``index`` ("" when unknown, which forces a transcode)."""
    try:
        with open_input(src) as container:
            ctx = container.streams[index].codec_context
            fmt = getattr(ctx, "pix_fmt", None)
            return str(fmt or "")
    except (av.FFmpegError, IndexError) as e:
        raise MediaError(
            f"No se puede leer {src.name} para hacer su versión web: {e}.",
            "Compruebe que la grabación original sigue en su sitio y completa.",
        ) from e
