"""The service's recorder reads only from the hosts the guard allows, wherever ffmpeg goes:
an HLS segment or a redirect to an internal address is refused at the worker's proxy
(the internal server never sees a request), and tcp/udp/srt are pinned to the address
checked. Two real HTTP servers on loopback: 127.0.0.1 (allowed here) and 127.0.0.2
(internal)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from plenaria.live.egress import CheckedProxy, GuardedSource
from plenaria.live.pull_guard import AllowedHosts, PullRefused, pinned_url
from plenaria.live.recorder import Recorder
from plenaria.live.source import input_args
from plenaria.media.ffmpeg import ffmpeg_binary

ALLOWED = AllowedHosts.parse("127.0.0.1/32")


class Site:
    """An HTTP server on one loopback address: path -> (status, headers, body); every
    request's path is kept."""

    def __init__(self, host: str) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                status, headers, body = site.routes.get(self.path, (404, {}, b""))
                self.send_response(status)
                for k, v in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    public, internal = Site("127.0.0.1"), Site("127.0.0.2")
    yield public, internal
    public.close()
    internal.close()


def _segment(tmp_path: Path, name: str, seconds: float) -> bytes:
    out = tmp_path / name
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
         "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-f", "mpegts", str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def _record(url: str, tmp_path: Path) -> tuple[Recorder, GuardedSource]:
    source = GuardedSource(url, ALLOWED)
    recorder = Recorder(
        source.url, tmp_path / "o.ts", tmp_path / "a.wav", end_timeout_s=1.0,
        next_url=source.next_url, http_proxy=source.http_proxy,
    )  # fmt: skip
    thread = threading.Thread(target=recorder.run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    alive = thread.is_alive()
    if alive:
        recorder.stop()
        thread.join(timeout=10)
    source.close()
    assert not alive, "the recording did not end"
    recorder.close_original()
    return recorder, source


def test_an_hls_segment_on_an_internal_host_is_never_fetched(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    public, internal = sites
    public.routes["/seg0.ts"] = (200, {}, _segment(tmp_path, "seg0.ts", 2.0))
    internal.routes["/seg1.ts"] = (200, {}, _segment(tmp_path, "seg1.ts", 2.0))
    playlist = (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:2.0,\n{public.base}/seg0.ts\n#EXTINF:2.0,\n{internal.base}/seg1.ts\n"
        "#EXT-X-ENDLIST\n"
    )
    public.routes["/live.m3u8"] = (200, {}, playlist.encode())
    recorder, source = _record(f"{public.base}/live.m3u8", tmp_path)
    assert internal.requests == []
    assert source.proxy is not None and source.proxy.refused == [internal.base[7:]]
    assert public.requests[:2] == ["/live.m3u8", "/seg0.ts"]
    assert 1.5 <= recorder.wav.duration_s <= 2.6, recorder.wav.duration_s  # seg0 only


def test_a_redirect_to_an_internal_host_is_not_followed(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    public, internal = sites
    internal.routes["/seg1.ts"] = (200, {}, _segment(tmp_path, "seg1.ts", 2.0))
    public.routes["/live.ts"] = (302, {"Location": f"{internal.base}/seg1.ts"}, b"")
    recorder, source = _record(f"{public.base}/live.ts", tmp_path)
    assert "/live.ts" in public.requests and internal.requests == []
    assert source.proxy is not None and internal.base[7:] in source.proxy.refused
    assert recorder.wav.duration_s == 0


def test_tcp_udp_srt_are_pinned_to_the_checked_address() -> None:
    loopback = AllowedHosts.parse("127.0.0.0/8,::1/128")
    assert pinned_url("tcp://localhost:9000", loopback) in (
        "tcp://127.0.0.1:9000",
        "tcp://[::1]:9000",
    )
    assert pinned_url("udp://127.0.0.1:5000", loopback) == "udp://127.0.0.1:5000?connect=1"
    assert pinned_url("srt://127.0.0.1:9000?streamid=a", loopback) == (
        "srt://127.0.0.1:9000?streamid=a"
    )
    with pytest.raises(PullRefused, match="local \\(loopback\\)"):
        pinned_url("tcp://localhost:9000", AllowedHosts())


def test_https_goes_through_the_proxy_too(sites: tuple[Site, Site], tmp_path: Path) -> None:
    """ffmpeg tunnels https with CONNECT through the proxy, which checks the host first: a
    real ffmpeg, with the recorder's options, asks the proxy for the internal host."""
    _, internal = sites
    proxy = CheckedProxy(ALLOWED).start()
    try:
        url = f"https://{internal.base[7:]}/pleno/live.m3u8"
        cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error"]
        cmd += [*input_args(url, http_proxy=proxy.url), "-f", "null", "-"]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        assert run.returncode != 0 and "403" in run.stderr, run.stderr
        assert proxy.refused == [internal.base[7:]] and internal.requests == []
        # The recorder checks its URL itself before each connection, too.
        recorder, _ = _record(url, tmp_path)
        assert recorder.wav.duration_s == 0 and "dirección local" in recorder.errors[-1]
    finally:
        proxy.close()
