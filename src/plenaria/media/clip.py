"""A clip: one stretch of the public video as its own short MP4.

Cut from the public copy (redactions already burnt in), never from the proxy or
the original, and re-encoded so that it starts and ends where asked (a stream
copy would start at the previous key frame). Written atomically: two visitors
asking for the same clip at once each write their own part file, the last rename wins.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from plenaria.media.ffmpeg import file_url, run_ffmpeg
from plenaria.media.redact import AUDIO_BITRATE, VIDEO_CRF


def cut_clip(
    src: Path, dest: Path, start: float, end: float, has_video: bool, threads: int = 0
) -> Path:
    """Write ``src`` from ``start`` to ``end`` seconds at ``dest``; returns ``dest``."""
    if end <= start:
        raise ValueError(f"empty clip {start}-{end}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    args = ["-y", "-ss", f"{start:.3f}", "-i", file_url(src), "-t", f"{end - start:.3f}"]
    args += ["-map", "0:a?", "-c:a", "aac", "-b:a", AUDIO_BITRATE]
    if has_video:
        args += ["-map", "0:v:0?", "-c:v", "libx264", "-preset", "veryfast"]
        args += ["-crf", str(VIDEO_CRF), "-pix_fmt", "yuv420p"]
    else:
        args += ["-vn"]
    if threads > 0:
        args += ["-threads", str(threads)]
    args += ["-sn", "-dn", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4"]
    try:
        run_ffmpeg([*args, file_url(tmp)], what="cortar un fragmento del vídeo público")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def still_frame(src: Path, dest: Path, seconds: float, width: int = 640) -> Path:
    """Write the picture at ``seconds`` of ``src`` as a JPEG ``width`` pixels wide."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    args = ["-y", "-ss", f"{seconds:.3f}", "-i", file_url(src), "-map", "0:v:0"]
    args += ["-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "4", "-f", "image2"]
    args += ["-c:v", "mjpeg"]
    try:
        run_ffmpeg([*args, file_url(tmp)], what="sacar un fotograma del vídeo público")
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise FileNotFoundError(dest)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest
