"""A big tus upload streamed from a generator, and the API process's memory while it lands.

The file is a real MP4 (index first) followed by zeros up to the size asked; the
client holds one block at a time. Used by tests/workers/test_big_upload.py and by
bench/service.py and bench/upload_rss.py.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx

from plenaria.media.ffmpeg import ffmpeg_binary

BLOCK = 1 << 20


def mp4_header(tmp: Path) -> bytes:
    """A 4-second H.264/AAC MP4 with its index first: what the validation reads."""
    out = tmp / "head.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=s=320x240:r=10:d=4", "-f", "lavfi", "-i", "sine=d=4",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", "-movflags", "+faststart", str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def blocks(head: bytes, size: int, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
    """Bytes ``start:stop`` of ``head`` followed by zeros up to ``size``, by blocks."""
    stop = size if stop is None else stop
    zeros = bytes(BLOCK)
    pos = start
    while pos < stop:
        if pos < len(head):
            piece = head[pos : min(stop, len(head), pos + BLOCK)]
        else:
            piece = zeros[: min(BLOCK, stop - pos)]
        yield piece
        pos += len(piece)


def sha256_of(head: bytes, size: int) -> str:
    digest = hashlib.sha256()
    for block in blocks(head, size):
        digest.update(block)
    return digest.hexdigest()


def status_kb(pid: int, key: str) -> int:
    """A field of /proc/PID/status in kB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def tus_upload(
    http: httpx.Client,
    url: str,
    head: bytes,
    size: int,
    sha256: str,
    patch_bytes: int,
    headers: dict[str, str] | None = None,
) -> tuple[str, httpx.Response]:
    """Create the upload at ``url`` (the uploads collection) and send it in PATCHes.

    Returns the upload's address and the last PATCH's answer (the last one is
    answered once the upload is validated: the MP4's index says 4 seconds, the
    zeros after them are never read).
    """
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": "big.mp4", "sha256": sha256}.items()
    )
    tus = {"Tus-Resumable": "1.0.0", **(headers or {})}
    created = http.post(url, headers={**tus, "Upload-Length": str(size), "Upload-Metadata": meta})
    created.raise_for_status()
    location = created.headers["Location"]
    if location.startswith("/"):
        location = str(httpx.URL(url).join(location))
    offset = 0
    while True:
        stop = min(size, offset + patch_bytes)
        reply = http.patch(
            location,
            content=blocks(head, size, offset, stop),
            headers={
                **tus,
                "Upload-Offset": str(offset),
                "Content-Length": str(stop - offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        offset = stop
        if reply.status_code != 204 or offset >= size:
            return location, reply
