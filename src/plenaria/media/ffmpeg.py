"""Running ffmpeg safely: which binary, forced demuxers, whitelists, progress, errors.

Every file ffmpeg or PyAV opens is read with the demuxer its first bytes name
(:mod:`plenaria.media.sniff`), forced with ``-f``, under a format whitelist of
plain containers and a protocol whitelist of local files: a playlist or a
concat list renamed ``.mp4`` can never make ffmpeg read other files or reach
the network (the protocol whitelist alone does not stop a concat list).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from plenaria.errors import DependencyError, MediaError
from plenaria.media.sniff import ACCEPTED_FORMATS, sniff
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

PROTOCOL_WHITELIST = "file,pipe,fd"
# The only demuxers ffmpeg and PyAV may use. Deliberately absent: hls, dash, concat,
# image2 (patterns), lavfi, sdp, rtsp and every other demuxer that can open
# further files or URLs named inside the input.
FORMAT_WHITELIST = ",".join(ACCEPTED_FORMATS)
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")

STDERR_TAIL_CHARS = 1500


def input_options() -> dict[str, str]:
    """The whitelists as PyAV ``options=`` for :func:`av.open` (local files only)."""
    return {"protocol_whitelist": "file", "format_whitelist": FORMAT_WHITELIST}


def file_url(path: Path) -> str:
    """An unambiguous ffmpeg URL for a local path (names with ``:`` or a leading ``-``)."""
    return "file:" + str(path.absolute())


@lru_cache(maxsize=1)
def ffmpeg_binary() -> str:
    """The system ``ffmpeg`` when on PATH, else the one bundled with imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as e:
        raise DependencyError(
            "No se encuentra ffmpeg en el PATH ni en imageio-ffmpeg.",
            "Instale ffmpeg (apt-get install ffmpeg) o pip install imageio-ffmpeg.",
        ) from e


def guard_inputs(args: Sequence[str]) -> list[str]:
    """``args`` with the whitelists, and the sniffed ``-f``, added before every ``-i``.

    A local file input without ``-f`` gets the demuxer its first bytes name
    (:func:`~plenaria.media.sniff.sniff`, which raises MediaError for anything
    else); a missing file is left to ffmpeg to report. A generated ``-f lavfi``
    input (test tones, colour frames) keeps its format; it still gets the
    protocol whitelist. Options the caller already set win.
    """
    out: list[str] = []
    pending: list[str] = []  # options given since the previous input or output
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-i" and i + 1 < len(args):
            fmt = _option(pending, "-f")
            if _option(pending, "-protocol_whitelist") is None:
                out += ["-protocol_whitelist", PROTOCOL_WHITELIST]
            if fmt != "lavfi" and _option(pending, "-format_whitelist") is None:
                out += ["-format_whitelist", FORMAT_WHITELIST]
            local = _local_file(args[i + 1])
            if fmt is None and local is not None:
                out += ["-f", sniff(local)]
            out += [*pending, arg, args[i + 1]]
            pending = []
            i += 2
            continue
        pending.append(arg)
        i += 1
    return out + pending


def _local_file(url: str) -> Path | None:
    """The existing local file an input URL names (None for pipes, URLs, missing files)."""
    if url.startswith("file:"):
        url = url[len("file:") :]
    elif url == "-" or _URL_SCHEME.match(url):
        return None
    path = Path(url)
    return path if path.is_file() else None


def _option(args: Sequence[str], name: str) -> str | None:
    for k in range(len(args) - 1):
        if args[k] == name:
            return args[k + 1]
    return None


def run_ffmpeg(
    args: list[str],
    *,
    what: str,
    progress_total_s: float | None = None,
    progress: Progress = no_progress,
    stage: str = "",
) -> None:
    """Run ffmpeg with ``args`` (inputs and outputs, no binary name).

    ``what`` names the job for the error message ("extracting the audio").
    With ``progress_total_s`` and ``stage``, ffmpeg's ``out_time`` is reported
    as ``progress(stage, seconds_done, progress_total_s)``.
    Raises :class:`MediaError` carrying the tail of ffmpeg's stderr, or naming
    what an input file is when its content is not an accepted recording.
    """
    cmd = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    report = bool(stage) and progress_total_s is not None and progress_total_s > 0
    if report:
        cmd += ["-progress", "pipe:1", "-nostats"]
    cmd += guard_inputs(args)
    log.debug("ffmpeg %s: %s", what, cmd)
    if report:
        progress(stage, 0.0, float(progress_total_s or 0.0))
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err
            )
        except OSError as e:
            raise MediaError(
                f"No se pudo arrancar ffmpeg al {what}: {e}.",
                "Compruebe que ffmpeg está instalado y se puede ejecutar.",
            ) from e
        try:
            assert proc.stdout is not None
            total = float(progress_total_s or 0.0)
            for raw in proc.stdout:
                if report:
                    done = _out_time_s(raw.decode("ascii", "replace"))
                    if done is not None:
                        progress(stage, min(done, total), total)
            code = proc.wait()
        finally:
            if proc.poll() is None:  # interrupted (Ctrl-C): do not leave ffmpeg running
                proc.kill()
                proc.wait()
        if code != 0:
            err.seek(0)
            tail = _tail(err.read().decode("utf-8", "replace"))
            raise MediaError(
                f"ffmpeg falló al {what} (salida {code}): {tail}",
                "Compruebe que el archivo es una grabación de audio o vídeo completa.",
            )
    if report:
        progress(stage, total, total)


def _out_time_s(line: str) -> float | None:
    """Seconds from a ``-progress`` line ``out_time_us=...`` (``N/A`` early on)."""
    key, _, value = line.strip().partition("=")
    if key not in ("out_time_us", "out_time_ms"):  # both are microseconds
        return None
    try:
        return max(0.0, int(value) / 1e6)
    except ValueError:
        return None


def _tail(stderr: str) -> str:
    """The last lines of ffmpeg's stderr, on one line, at most a few hundred characters."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    text = " | ".join(lines[-4:]) or "no error message"
    return text if len(text) <= STDERR_TAIL_CHARS else "..." + text[-STDERR_TAIL_CHARS:]
