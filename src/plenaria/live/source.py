"""Which streams a live session may read, and the ffmpeg command that records one.

The URL's scheme decides ffmpeg's ``-protocol_whitelist`` (only the protocols
that scheme needs: an HTTP stream cannot make ffmpeg open a local file) and its
``-format_whitelist`` (stream containers only). One ffmpeg process per
connection writes two outputs: the full-quality original, stream-copied as
MPEG-TS to stdout (MPEG-TS can be appended to after a reconnection), and 16 kHz
mono s16le PCM to a second pipe.

ffmpeg's own ``-reconnect`` is left off on purpose: it would splice over a dropped
stream without telling us, and a gap must be recorded as a gap. The recorder
reconnects itself (``plenaria.live.recorder``) and measures what was missed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from plenaria.errors import InputError
from plenaria.media.audio import SAMPLE_RATE

# scheme -> the protocols ffmpeg may open for it
PROTOCOLS: dict[str, str] = {
    "http": "http,tcp",
    "https": "https,http,tls,tcp",
    "rtmp": "rtmp,tcp",
    "rtmps": "rtmps,rtmp,tls,tcp",
    "srt": "srt,udp",
    "udp": "udp",
    "tcp": "tcp",
}
# HLS playlists name their segments by URL: both http and https, and AES-128 (crypto).
HLS_PROTOCOLS = "https,http,tls,tcp,crypto"
# Stream containers a live source may carry (no concat, no image2, no lavfi...).
STREAM_FORMATS = "mpegts,flv,live_flv,hls,matroska,mov,aac,mp3,ogg,wav"
RW_TIMEOUT_US = 5_000_000  # a connection silent this long is a dropped one


def check_url(url: str) -> str:
    """The URL's scheme, or an InputError naming what is wrong with it."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in PROTOCOLS:
        known = ", ".join(f"{s}://" for s in PROTOCOLS)
        raise InputError(
            f"No se puede leer la emisión {url!r}: el esquema tiene que ser uno de {known}.",
            "Indique la URL de la emisión, p. ej. http://servidor/live.ts, "
            "https://servidor/live.m3u8, rtmp://servidor/app/clave o srt://servidor:puerto.",
        )
    if not parts.hostname:
        raise InputError(
            f"La URL de la emisión {url!r} no tiene servidor.", "Indique servidor y puerto."
        )
    return scheme


def is_hls(url: str) -> bool:
    """An HLS playlist: its end (``#EXT-X-ENDLIST``) is the end of the broadcast."""
    scheme = urlsplit(url).scheme.lower()
    return scheme in ("http", "https") and urlsplit(url).path.lower().endswith((".m3u8", ".m3u"))


def protocol_whitelist(url: str) -> str:
    scheme = check_url(url)
    return HLS_PROTOCOLS if is_hls(url) else PROTOCOLS[scheme]


def input_args(url: str, listen: bool = False, http_proxy: str | None = None) -> list[str]:
    """ffmpeg's options for reading ``url`` (``listen``: wait for a push, as an RTMP server;
    ``http_proxy``: every http request and https tunnel through that proxy)."""
    whitelist = protocol_whitelist(url)
    if http_proxy is not None and "https" in whitelist:
        whitelist += ",httpproxy"  # https through a proxy is a CONNECT tunnel
    args = [
        "-protocol_whitelist", whitelist,
        "-format_whitelist", STREAM_FORMATS,
        "-rw_timeout", str(RW_TIMEOUT_US),
        "-analyzeduration", "2000000",
        "-probesize", "1000000",
    ]  # fmt: skip
    if listen:
        args += ["-listen", "1", "-timeout", "-1"]
    if http_proxy is not None:
        args += ["-http_proxy", http_proxy]
        if is_hls(url):
            args += ["-http_persistent", "0"]  # the proxy closes after each answer
    if is_hls(url):
        # Start at the newest segment: after a reconnection, the older ones listed in the
        # playlist were recorded already (at most one segment may come twice).
        args += ["-live_start_index", "-1"]
    return [*args, "-i", url]


def record_args(
    url: str,
    pcm_fd: int,
    ts_offset_s: float,
    listen: bool = False,
    http_proxy: str | None = None,
) -> list[str]:
    """The whole command after the binary: the original to stdout, PCM to ``pcm_fd``.

    ``ts_offset_s`` is where this connection starts on the session's timeline, so the
    original's timestamps keep going after a reconnection (the gap stays a gap in them).
    """
    return [
        "-hide_banner", "-nostdin", "-loglevel", "error",
        *input_args(url, listen, http_proxy),
        "-map", "0:v?", "-map", "0:a", "-c", "copy",
        "-output_ts_offset", f"{ts_offset_s:.3f}",
        "-f", "mpegts", "-flush_packets", "1", "pipe:1",
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le",
        "-f", "s16le", "-flush_packets", "1", f"pipe:{pcm_fd}",
    ]  # fmt: skip
