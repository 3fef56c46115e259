"""Which demuxer may read a file, decided by its first bytes, never by its name.

ffmpeg guesses a file's format from its content and its extension, and some of
the formats it can guess (HLS playlists, ffconcat lists...) name other files
that it then opens. So the magic bytes choose one of a few plain containers,
ffmpeg and PyAV are forced to use exactly that demuxer (``-f``), and the
format whitelist stops any demuxer outside :data:`ACCEPTED_FORMATS`.
Anything else is refused with one line that says what the file is.
"""

from __future__ import annotations

from pathlib import Path

from plenaria.errors import InputError, MediaError

# ffmpeg demuxer names, in the order of the checks below.
ACCEPTED_FORMATS = ("mov", "matroska", "mp3", "ogg", "wav", "flac", "aac")
# ffmpeg's full names of those demuxers (what a probe without -f reports).
DEMUXER_NAMES = {"mov": "mov,mp4,m4a,3gp,3g2,mj2", "matroska": "matroska,webm"}
HEAD_BYTES = 4096  # enough for every signature and for the text checks
ACCEPTED_HINT = "Use la grabación misma: MP4/MOV, MKV/WebM, MP3, Ogg, WAV, FLAC o AAC."

# Top-level QuickTime/MP4 boxes a file may start with; ftyp in every modern file.
_MOV_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
# Markers of a text list of other files (a playlist or a concat script).
_PLAYLIST_MARKERS = (b"#EXTM3U", b"#EXT-X-", b"ffconcat version", b"<MPD", b"[playlist]")


class UnknownSignature(ValueError):
    """The first bytes of a refused file (kept as the cause of the InputError)."""

    def __init__(self, head: bytes) -> None:
        super().__init__(f"first bytes: {head[:16].hex(' ')}")
        self.head = head


def sniff(path: Path, name: str | None = None) -> str:
    """The ffmpeg demuxer (one of :data:`ACCEPTED_FORMATS`) for ``path``'s content.

    Raises :class:`~plenaria.errors.InputError` (unreadable file) or
    :class:`~plenaria.errors.MediaError` (empty, or any other content) with one
    line naming what the file is (called ``name``, default its file name) and
    what to upload instead.
    """
    name = name or path.name
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            after_id3 = b""
            if head.startswith(b"ID3") and len(head) >= 10:
                f.seek(_id3_size(head))
                after_id3 = f.read(16)
    except OSError as e:
        raise InputError(
            f"No se puede leer {name}: {e.strerror}.", "Revise el archivo y sus permisos."
        ) from e
    fmt = sniff_bytes(head, after_id3)
    if fmt is None:
        raise MediaError(*refusal(name, head)) from UnknownSignature(head)
    return fmt


def sniff_bytes(head: bytes, after_id3: bytes = b"") -> str | None:
    """The demuxer for a file starting with ``head``; None when it is not accepted.

    ``after_id3`` is the start of the data after a leading ID3v2 tag (MP3, AAC
    and FLAC files may begin with one).
    """
    size = int.from_bytes(head[:4], "big")
    if head[4:8] in _MOV_BOXES and (size in (0, 1) or size >= 8):  # 0: to the end, 1: 64-bit
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"OggS"):
        return "ogg"
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"ID3"):
        return _frames(after_id3) or "mp3"
    return _frames(head)


def _frames(data: bytes) -> str | None:
    """mp3 or aac for data starting with an MPEG audio or an ADTS frame header."""
    if data.startswith(b"fLaC"):
        return "flac"
    if len(data) < 2 or data[0] != 0xFF:
        return None
    b1 = data[1]
    b2 = data[2] if len(data) > 2 else 0
    if b1 & 0xF6 == 0xF0:  # 12-bit sync, layer 00: ADTS
        return "aac" if (b2 >> 2) & 0x0F <= 12 else None  # a real sampling rate
    layer = (b1 >> 1) & 0b11
    version = (b1 >> 3) & 0b11
    bitrate, rate = b2 >> 4, (b2 >> 2) & 0b11
    if b1 & 0xE0 == 0xE0 and layer != 0 and version != 0b01 and bitrate != 15 and rate != 3:
        return "mp3"
    return None


def _id3_size(head: bytes) -> int:
    """Bytes taken by the ID3v2 tag at the start of ``head`` (header, body, footer)."""
    body = 0
    for b in head[6:10]:
        body = (body << 7) | (b & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + body + footer


def refusal(name: str, head: bytes) -> tuple[str, str]:
    """(message, hint): one line saying what a refused file is, judged by its first bytes."""
    if not head:
        return (
            f"{name} está vacío (0 bytes).",
            "La copia o la subida falló: vuelva a copiar o a subir la grabación.",
        )
    what, container = _describe(head)
    if container:
        return (
            f"{name} es {what}, un formato contenedor que no se admite; no se abre.",
            "Cámbielo de contenedor sin recodificar (ffmpeg -i ENTRADA -c copy SALIDA.mkv) "
            "y use ese; se admiten MP4/MOV, MKV/WebM, MP3, Ogg, WAV, FLAC o AAC.",
        )
    return f"{name} es {what}, no una grabación; no se abre.", ACCEPTED_HINT


def playlist_inside(head: bytes) -> bool:
    """Whether ``head`` holds the text of a playlist or a concat list."""
    return any(marker in head for marker in _PLAYLIST_MARKERS)


def _describe(head: bytes) -> tuple[str, bool]:
    """(what the file is, whether it is a media container that is not accepted)."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"#EXTM3U", b"#EXT-X-")):
        return "una lista HLS (una lista de otros archivos)", False
    if stripped.startswith(b"ffconcat"):
        return "una lista ffconcat (un guion que nombra otros archivos)", False
    if stripped.startswith(b"<MPD") or (stripped.startswith(b"<?xml") and b"<MPD" in head):
        return "un manifiesto DASH (una lista de otros archivos)", False
    for signature, what, container in _KNOWN:
        if head.startswith(signature):
            return what, container
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "un archivo AVI", True
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return "un flujo de transporte MPEG (.ts, .mts)", True
    if playlist_inside(head):
        return "una lista de reproducción o de otros archivos", False
    if _is_text(head):
        return "un archivo de texto", False
    return "un archivo que no es de audio ni de vídeo en un formato admitido", False


_KNOWN = (
    (b"%PDF", "un documento PDF", False),
    (b"PK\x03\x04", "un archivo ZIP o un documento de oficina", False),
    (b"\x89PNG", "una imagen PNG", False),
    (b"\xff\xd8\xff", "una imagen JPEG", False),
    (b"GIF8", "una imagen GIF", False),
    (b"{\\rtf", "un documento RTF", False),
    (b"\xd0\xcf\x11\xe0", "un documento antiguo de Office", False),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "un archivo WMV/ASF", True),
    (b"FLV\x01", "un archivo FLV", True),
    (b"\x00\x00\x01\xba", "un flujo de programa MPEG (.mpg, .vob)", True),
)


def _is_text(head: bytes) -> bool:
    text = head.decode("utf-8", errors="replace")
    if len(head) == HEAD_BYTES:  # the last character may be cut in two
        text = text.rstrip("\ufffd")
    return all(c.isprintable() or c in "\r\n\t\f" for c in text)
