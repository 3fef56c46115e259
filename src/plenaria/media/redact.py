"""The public video: the web proxy with redacted intervals silent and black, burnt in.

The copy is re-encoded (H.264 + AAC, moov first), so the redacted audio and
pictures are not in the file at all: no Range request can fetch them. Without
redactions the proxy itself is the public video (:func:`make_public_video`
copies it).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from plenaria.domain import Segment
from plenaria.media.ffmpeg import file_url, run_ffmpeg

log = logging.getLogger(__name__)

VIDEO_CRF = 23
AUDIO_BITRATE = "128k"


def _between(intervals: Sequence[Segment]) -> str:
    return "+".join(f"between(t,{s.start:.3f},{s.end:.3f})" for s in intervals)


def audio_filter(intervals: Sequence[Segment]) -> str:
    """An ffmpeg audio filter that silences ``intervals`` (seconds); '' when there are none."""
    if not intervals:
        return ""
    return f"volume=enable='{_between(intervals)}':volume=0"


def video_filter(intervals: Sequence[Segment]) -> str:
    """An ffmpeg video filter that paints ``intervals`` black; '' when there are none."""
    if not intervals:
        return ""
    return f"drawbox=enable='{_between(intervals)}':x=0:y=0:w=iw:h=ih:color=black:t=fill"


def make_public_video(
    src: Path, dest: Path, intervals: Sequence[Segment], has_video: bool, threads: int = 0
) -> Path:
    """Write ``src`` (a web proxy) at ``dest`` with ``intervals`` burnt in, atomically.

    ``has_video`` False: an audio-only proxy (only the audio is filtered).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        if not intervals:
            shutil.copyfile(src, tmp)
        else:
            args = ["-y", "-i", file_url(src), "-map", "0:a?", "-af", audio_filter(intervals)]
            args += ["-c:a", "aac", "-b:a", AUDIO_BITRATE]
            if has_video:
                args += ["-map", "0:v:0", "-vf", video_filter(intervals)]
                args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(VIDEO_CRF)]
                args += ["-pix_fmt", "yuv420p"]
            else:
                args += ["-vn"]
            if threads > 0:
                args += ["-threads", str(threads)]
            args += ["-sn", "-dn", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4"]
            what = "hacer el vídeo público con sus partes censuradas"
            run_ffmpeg([*args, file_url(tmp)], what=what)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("Public video %s (%d redacted intervals)", dest, len(intervals))
    return dest
