"""tus uploads against a real uvicorn server: resume, validation, refusals, council scoping."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from upload_server import create_app, create_plenaria_app

from plenaria.db import accounts
from plenaria.db.engine import make_engine
from plenaria.db.migrate import upgrade_engine
from plenaria.db.models import Recording, Upload
from plenaria.media.ffmpeg import ffmpeg_binary

MAX_BYTES = 3_000_000
TUS = {"Tus-Resumable": "1.0.0"}
A = {**TUS, "Authorization": "Bearer council-a"}
B = {**TUS, "Authorization": "Bearer council-b"}
FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


# -- the server and the media ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The uploads router behind uvicorn, in a process of its own.

    ``bare``: the test app of upload_server.py, whose tokens name the council.
    ``plenaria``: Plenaria's ``create_app`` on a migrated SQLite database, with two
    councils whose admins hold real API tokens; accepted uploads are its rows.
    """

    def __init__(self, root: Path, kind: str) -> None:
        self.kind = kind
        self.storage = root / "storage"
        self.events = root / "events.jsonl"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        script = Path(__file__).with_name("upload_server.py")
        if kind == "bare":
            self.a, self.b = A, B
            self.council_a = "council-a"
            args = [str(self.storage), str(MAX_BYTES), str(self.port), str(self.events)]
        else:
            self.database_url = f"sqlite:///{root / 'plenaria.db'}"
            tokens, self.council_a = _accounts(self.database_url)
            self.a = {**TUS, "Authorization": f"Bearer {tokens['a']}"}
            self.b = {**TUS, "Authorization": f"Bearer {tokens['b']}"}
            port = str(self.port)
            args = ["--plenaria", str(self.storage), str(MAX_BYTES), port, self.database_url]
        self.proc = subprocess.Popen([sys.executable, str(script), *args])
        self.http = httpx.Client(base_url=self.url, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.http.options("/api/v1/uploads/", headers=self.a)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the upload server did not start") from None
                time.sleep(0.1)

    @property
    def uploads(self) -> Path:
        return self.storage / "uploads"

    def folders(self) -> set[str]:
        if not self.uploads.is_dir():
            return set()
        return {p.name for p in self.uploads.iterdir() if not p.name.startswith(".")}

    def handed_over(self) -> list[dict[str, object]]:
        """Every hand-over of an accepted upload (a repeated one appears twice)."""
        if self.kind == "bare":
            if not self.events.exists():
                return []
            return [json.loads(line) for line in self.events.read_text("utf-8").splitlines()]
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as s:
                rows = s.execute(
                    select(Upload, Recording).join(Recording, Recording.upload_id == Upload.id)
                ).all()
                return [
                    {
                        "id": up.id,
                        "path": str(self.storage / up.storage_key),
                        "filename": up.filename,
                        "council_id": up.council_id,
                        "sha256": up.sha256,
                        "recording": rec.probe,
                    }
                    for up, rec in rows
                    if up.state == "complete"
                ]
        finally:
            engine.dispose()

    def accepted(self) -> dict[str, dict[str, object]]:
        return {e["id"]: e for e in self.handed_over()}  # type: ignore[misc]

    def patch(
        self, path: str, offset: int, body: bytes, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return patch(self.http, path, offset, body, headers or self.a)

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _accounts(database_url: str) -> tuple[dict[str, str], str]:
    """Two councils on a migrated database, an admin with an API token in each:
    ({"a": token, "b": token}, council a's id)."""
    engine = make_engine(database_url)
    upgrade_engine(engine)
    tokens: dict[str, str] = {}
    try:
        with Session(engine) as s, s.begin():
            for key in ("a", "b"):
                council = accounts.create_council(s, f"villa-{key}", f"Villa {key.upper()}")
                user = accounts.create_user(
                    s, council, f"admin@{key}.example.org", "correct horse battery", "admin"
                )
                tokens[key] = accounts.create_token(s, user, "tus")[1]
                if key == "a":
                    council_a = council.id
    finally:
        engine.dispose()
    return tokens, council_a


@pytest.fixture(scope="module", params=["bare", "plenaria"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("uploads"), request.param)
    yield srv
    srv.stop()


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("media")
    av = ["-f", "lavfi", "-i", "testsrc=s=320x240:r=10:d=4", "-f", "lavfi", "-i", "sine=d=4"]
    enc = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    _ffmpeg(*av, *enc, "-shortest", str(d / "camera.mp4"))  # moov at the end
    _ffmpeg(*av, *enc, "-shortest", "-movflags", "+faststart", str(d / "web.mp4"))
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=2", "-c:v", "libx264", str(d / "mute.mp4")
    )
    return {p.stem: p.read_bytes() for p in d.iterdir()}


# -- a small tus client ------------------------------------------------------------------------


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _metadata(filename: str, data: bytes, sha256: str | None = None) -> str:
    sha = sha256 if sha256 is not None else hashlib.sha256(data).hexdigest()
    return f"filename {_b64(filename)},filetype {_b64('video/mp4')},sha256 {_b64(sha)}"


def create(server: Server, data: bytes, filename: str = "pleno.mp4", **kw: str) -> httpx.Response:
    headers = {**server.a, "Upload-Length": str(len(data))}
    headers.update({"Upload-Metadata": _metadata(filename, data), **kw})
    return server.http.post("/api/v1/uploads/", headers=headers)


def patch(
    http: httpx.Client | TestClient,
    path: str,
    offset: int,
    body: bytes,
    headers: dict[str, str] = A,
) -> httpx.Response:
    extra = {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
    return http.patch(path, content=body, headers={**headers, **extra})


def upload(
    server: Server, data: bytes, filename: str = "pleno.mp4", sha256: str | None = None
) -> tuple[str, httpx.Response]:
    """Create and send ``data`` in two PATCHes; (upload path, the final PATCH's response)."""
    headers = {**server.a, "Upload-Length": str(len(data))}
    headers["Upload-Metadata"] = _metadata(filename, data, sha256)
    created = server.http.post("/api/v1/uploads/", headers=headers)
    assert created.status_code == 201, created.text
    path = httpx.URL(created.headers["Location"]).path
    half = len(data) // 2
    first = server.patch(path, 0, data[:half])
    assert first.status_code == 204, first.text
    assert first.headers["Upload-Offset"] == str(half)
    return path, server.patch(path, half, data[half:])


def upload_id(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _assert_refused(server: Server, path: str, final: httpx.Response, *words: str) -> None:
    """The final PATCH, HEAD and GET all refuse with the same line; nothing stays."""
    assert final.status_code == 422, final.text
    detail = final.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail
    for word in words:
        assert word in detail, detail
    uid = upload_id(path)
    assert uid not in server.folders()
    assert uid not in server.accepted()
    assert server.http.head(path, headers=server.a).status_code == 422
    again = server.http.get(path, headers=server.a)
    assert (again.status_code, again.json()["detail"]) == (422, detail)


# -- tests -------------------------------------------------------------------------------------


def test_upload_in_pieces_is_validated_and_handed_over(
    server: Server, media: dict[str, bytes]
) -> None:
    data = media["camera"]
    path, final = upload(server, data, "Pleno de marzo ñ.mp4")
    assert final.status_code == 204, final.text
    assert final.headers["Upload-Offset"] == str(len(data))
    uid = upload_id(path)

    event = server.accepted()[uid]
    stored = Path(str(event["path"]))
    assert stored == server.uploads / uid / uid  # its own folder, a generated name
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert event["filename"] == "Pleno de marzo ñ.mp4"
    assert event["council_id"] == server.council_a
    assert event["sha256"] == hashlib.sha256(data).hexdigest()
    recording = event["recording"]
    assert isinstance(recording, dict)
    assert recording["duration_s"] == pytest.approx(4.0, abs=0.2)
    assert recording["sha256"] == event["sha256"]

    head = server.http.head(path, headers=server.a)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))
    state = server.http.get(path, headers=server.a).json()
    assert state["state"] == "accepted" and state["recording"]["duration_s"] == pytest.approx(
        4.0, abs=0.2
    )
    # A complete upload takes no more bytes and is handed over only once.
    again = server.patch(path, len(data), b"")
    assert again.status_code == 409
    assert [e["id"] for e in server.handed_over()].count(uid) == 1


def test_interrupted_upload_resumes_at_its_offset(server: Server, media: dict[str, bytes]) -> None:
    data = media["web"]
    created = create(server, data, "reanudado.mp4")
    path = httpx.URL(created.headers["Location"]).path
    half = len(data) // 2

    # Announce the whole file, send half of it, and drop the connection.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: {server.a['Authorization']}\r\nUpload-Offset: 0\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        sock.sendall(head.encode() + data[:half])
        time.sleep(0.5)

    offset = -1
    for _ in range(50):  # the server notices the disconnection and records the offset
        reply = server.http.head(path, headers=server.a)
        if int(reply.headers["Upload-Offset"]) == offset:
            break
        offset = int(reply.headers["Upload-Offset"])
        time.sleep(0.1)
    assert 0 < offset <= half
    assert server.http.get(path, headers=server.a).json()["state"] == "receiving"

    final = server.patch(path, offset, data[offset:])
    assert final.status_code == 204, final.text
    uid = upload_id(path)
    stored = server.uploads / uid / uid
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert uid in server.accepted()


def test_empty_file_is_refused_at_creation(server: Server) -> None:
    before = server.folders()
    reply = create(server, b"", "vacío.mp4")
    assert reply.status_code == 422
    assert "vacío.mp4 está vacío (0 bytes)" in reply.json()["detail"]
    assert server.folders() == before


def test_over_the_limit_is_413_at_creation(server: Server) -> None:
    before = server.folders()
    reply = server.http.post(
        "/api/v1/uploads/",
        headers={
            **server.a,
            "Upload-Length": str(MAX_BYTES + 1),
            "Upload-Metadata": _metadata("enorme.mp4", b"x"),
        },
    )
    assert reply.status_code == 413
    detail = reply.json()["detail"]
    assert "enorme.mp4" in detail and "PLENARIA_MAX_UPLOAD_BYTES" in detail
    assert server.folders() == before


def test_pdf_named_mp4_is_refused(server: Server) -> None:
    pdf = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 100 + b"%%EOF\n"
    path, final = upload(server, pdf, "acta.mp4")
    _assert_refused(server, path, final, "acta.mp4 es un documento PDF, no una grabación")


def test_pdf_named_mp4_is_refused_at_its_first_chunk(server: Server) -> None:
    """A 2 MB PDF sent in 256 KiB chunks: the first PATCH is refused, the upload is gone."""
    chunk = 256 * 1024
    pdf = b"%PDF-1.7\n" + b"1 0 obj << /Type /Page >> endobj\n" * (2_000_000 // 32)
    created = create(server, pdf, "pleno.mp4")
    assert created.status_code == 201, created.text
    path = httpx.URL(created.headers["Location"]).path
    offset, reply = 0, None
    while offset < len(pdf):
        reply = server.patch(path, offset, pdf[offset : offset + chunk])
        if reply.status_code != 204:
            break
        offset += chunk
    assert reply is not None and reply.status_code == 422, reply and reply.text
    assert offset < 1_000_000, f"refused only after {offset} bytes"
    assert offset == 0, "the first chunk is judged as it arrives"
    detail = reply.json()["detail"]
    assert "pleno.mp4 es un documento PDF, no una grabación" in detail, detail
    assert upload_id(path) not in server.folders()
    assert server.http.head(path, headers=server.a).status_code == 422
    assert server.patch(path, chunk, pdf[chunk : 2 * chunk]).status_code == 422


@pytest.mark.parametrize(
    ("source", "words"),
    [("camera", ("cortado.mp4", "incompleto", "moov")), ("web", ("cortado.mp4", "cortado"))],
)
def test_truncated_mp4_is_refused(
    server: Server, media: dict[str, bytes], source: str, words: tuple[str, ...]
) -> None:
    data = media[source]
    path, final = upload(server, data[: len(data) // 2], "cortado.mp4")
    _assert_refused(server, path, final, *words)


def test_video_without_audio_is_refused(server: Server, media: dict[str, bytes]) -> None:
    path, final = upload(server, media["mute"], "mudo.mp4")
    _assert_refused(server, path, final, "mudo.mp4 no tiene pista de audio (solo vídeo)")


def test_sha256_mismatch_is_refused(server: Server, media: dict[str, bytes]) -> None:
    data = media["web"]
    wrong = hashlib.sha256(data + b"!").hexdigest()
    path, final = upload(server, data, "pleno.mp4", sha256=wrong)
    _assert_refused(server, path, final, "SHA-256 declarado no coincide", wrong)


@pytest.mark.parametrize("dress", ["", "ftyp"])
@pytest.mark.parametrize("kind", ["hls", "concat"])
def test_playlist_pointing_at_another_upload_is_refused(
    server: Server, media: dict[str, bytes], kind: str, dress: str
) -> None:
    victim_path, ok = upload(server, media["web"], "otro.mp4")
    assert ok.status_code == 204
    victim = upload_id(victim_path)
    target = server.uploads / victim / victim
    relative = f"../{victim}/{victim}"
    if kind == "hls":
        segments = "".join(f"#EXTINF:4.0,\n{name}\n" for name in (target, relative))
        text = f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n{segments}#EXT-X-ENDLIST\n"
        words = ("lista.mp4", "lista HLS") if not dress else ("lista.mp4", "lista de reproducción")
    else:
        text = f"ffconcat version 1.0\nfile '{target}'\nfile '{relative}'\n"
        words = (
            ("lista.mp4", "lista ffconcat") if not dress else ("lista.mp4", "lista de reproducción")
        )
    data = (FTYP if dress else b"") + text.encode()
    accepted_before = set(server.accepted())
    path, final = upload(server, data, "lista.mp4")
    _assert_refused(server, path, final, *words)
    assert set(server.accepted()) == accepted_before  # nothing handed over for a job
    assert (
        hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(media["web"]).hexdigest()
    )


@pytest.mark.parametrize(
    ("metadata", "words"),
    [
        (f"filename {_b64('a.mp4')}", ("sha256",)),
        (f"filename {_b64('a.mp4')},sha256 {_b64('abc')}", ("64 dígitos hexadecimales",)),
        (f"sha256 {_b64('0' * 64)}", ("filename",)),
        ("filename !!!,sha256 xx", ("base64",)),
    ],
)
def test_bad_metadata_is_400_naming_the_key(
    server: Server, metadata: str, words: tuple[str, ...]
) -> None:
    before = server.folders()
    reply = server.http.post(
        "/api/v1/uploads/", headers={**server.a, "Upload-Length": "10", "Upload-Metadata": metadata}
    )
    assert reply.status_code == 400
    for word in words:
        assert word in reply.json()["detail"]
    assert server.folders() == before


def test_uploads_are_scoped_by_council(server: Server, media: dict[str, bytes]) -> None:
    created = create(server, media["web"])
    path = httpx.URL(created.headers["Location"]).path
    for method in ("HEAD", "GET", "DELETE"):
        assert server.http.request(method, path, headers=server.b).status_code == 404
        assert server.http.request(method, path, headers=TUS).status_code == 401
    assert server.patch(path, 0, media["web"], headers=server.b).status_code == 404
    assert server.patch(path, 0, media["web"], headers=TUS).status_code == 401
    assert server.http.post("/api/v1/uploads/", headers=TUS).status_code == 401
    assert server.http.head(path, headers=server.a).headers["Upload-Offset"] == "0"  # untouched
    # An id that was never issued is the same 404 as another council's.
    assert server.http.head("/api/v1/uploads/" + "0" * 32, headers=server.a).status_code == 404
    # The owner terminates it: its folder goes.
    assert server.http.delete(path, headers=server.a).status_code == 204
    assert upload_id(path) not in server.folders()
    assert server.http.head(path, headers=server.a).status_code == 404


def test_options_advertise_what_is_supported(server: Server) -> None:
    reply = server.http.options("/api/v1/uploads/", headers=server.a)
    assert reply.status_code == 204
    assert reply.headers["Tus-Max-Size"] == str(MAX_BYTES)
    assert set(reply.headers["Tus-Extension"].split(",")) == {
        "creation",
        "expiration",
        "termination",
    }


# -- PATCH edge cases, in process ---------------------------------------------------------------


@pytest.fixture(params=["bare", "plenaria"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """The router in process; its caller's headers are ``client.headers`` (council a's)."""
    if request.param == "bare":
        app = create_app(tmp_path / "storage", MAX_BYTES, tmp_path / "events.jsonl")
        auth = A
    else:
        url = f"sqlite:///{tmp_path / 'plenaria.db'}"
        tokens, _ = _accounts(url)
        app = create_plenaria_app(tmp_path / "storage", MAX_BYTES, url)
        auth = {**TUS, "Authorization": f"Bearer {tokens['a']}"}
    with TestClient(app) as c:
        c.headers.update(auth)
        yield c


def _created(client: TestClient, data: bytes) -> str:
    reply = client.post(
        "/api/v1/uploads/",
        headers={
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": _metadata("a.mp4", data),
        },
    )
    assert reply.status_code == 201, reply.text
    return httpx.URL(reply.headers["Location"]).path


def test_patch_headers_are_checked_before_the_body(client: TestClient, tmp_path: Path) -> None:
    path = _created(client, b"x" * 1000)
    ctype = {"Content-Type": "application/offset+octet-stream"}
    cases = [
        ({"Upload-Offset": "0", "Content-Length": "abc"}, 400, "Content-Length"),
        ({"Upload-Offset": "0", "Content-Length": "-5"}, 400, "Content-Length"),
        ({"Content-Length": "10"}, 400, "Falta Upload-Offset"),
        ({"Upload-Offset": "x", "Content-Length": "10"}, 400, "Upload-Offset"),
        ({"Upload-Offset": "7", "Content-Length": "10"}, 409, "posición de la subida, 0"),
        (
            {"Upload-Offset": "0", "Content-Length": "1001"},
            400,
            "más allá del Upload-Length declarado",
        ),
        (
            {"Upload-Offset": "0", "Content-Length": str(MAX_BYTES + 1)},
            413,
            "más allá del Upload-Length declarado",
        ),
    ]
    for headers, status, words in cases:
        reply = client.patch(path, headers={**TUS, **ctype, **headers})
        assert reply.status_code == status, (headers, reply.text)
        assert words in reply.json()["detail"]
    no_length = client.build_request("PATCH", path, headers={**TUS, **ctype, "Upload-Offset": "0"})
    no_length.headers.pop("Content-Length", None)
    assert client.send(no_length).status_code == 411
    assert patch(client, path, 0, b"x", headers={**TUS, "Tus-Resumable": "0.2"}).status_code == 412
    wrong_type = client.patch(path, content=b"x", headers={**TUS, "Upload-Offset": "0"})
    assert wrong_type.status_code == 415
    # None of these wrote a byte (tuspyserver alone writes, then answers 412 or 415).
    assert client.head(path, headers=TUS).headers["Upload-Offset"] == "0"
    uid = upload_id(path)
    assert (tmp_path / "storage" / "uploads" / uid / uid).stat().st_size == 0


def test_bytes_of_a_refused_patch_never_reach_the_file(client: TestClient, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4  # 1024 bytes declared
    path = _created(client, data)
    uid = upload_id(path)
    stored = tmp_path / "storage" / "uploads" / uid / uid

    def pieces() -> Iterator[bytes]:
        yield b"A" * 600
        yield b"B" * 600  # past the declared length: tuspyserver refuses mid-body

    headers = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    reply = client.patch(path, content=pieces(), headers={**headers, "Content-Length": "600"})
    assert reply.status_code == 400
    assert client.head(path, headers=TUS).headers["Upload-Offset"] == "0"
    # The next PATCH starts at the recorded offset; the stray bytes are gone.
    reply = patch(client, path, 0, data[:512], headers=TUS)
    assert reply.status_code == 204
    assert stored.read_bytes() == data[:512]


def test_creation_refuses_what_is_not_supported(client: TestClient) -> None:
    meta = _metadata("a.mp4", b"x")
    for extra, words in [
        ({"Upload-Concat": "partial", "Upload-Length": "10"}, "Upload-Concat"),
        ({"Upload-Defer-Length": "1"}, "Upload-Defer-Length"),
        ({}, "Falta Upload-Length"),
        ({"Upload-Length": "ten"}, "Upload-Length tiene que ser un número entero"),
    ]:
        reply = client.post("/api/v1/uploads/", headers={**TUS, "Upload-Metadata": meta, **extra})
        assert reply.status_code == 400, (extra, reply.text)
        assert words in reply.json()["detail"]
    with_body = client.post(
        "/api/v1/uploads/",
        content=b"x" * 10,
        headers={**TUS, "Upload-Metadata": meta, "Upload-Length": "10"},
    )
    assert with_body.status_code == 400 and "PATCH" in with_body.json()["detail"]


def test_openapi_schema_lists_the_routes(client: TestClient) -> None:
    schema = client.get(client.app.openapi_url).json()  # type: ignore[attr-defined]
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/v1/uploads/"])
    assert {"head", "get", "patch", "delete"} <= set(paths["/api/v1/uploads/{uuid}"])


def test_first_bytes_are_judged_before_any_upload(client: TestClient) -> None:
    """The upload page asks before it hashes a whole file: a PDF named .mp4 is refused with
    its upload's line, a recording's first bytes pass, and nothing is stored."""
    pdf = b"%PDF-1.7\n" + b"1 0 obj << /Type /Page >> endobj\n" * 1000
    reply = client.post("/api/v1/uploads/check?filename=pleno.mp4", content=pdf)
    assert reply.status_code == 422, reply.text
    assert "pleno.mp4 es un documento PDF, no una grabación" in reply.json()["detail"]
    assert client.post("/api/v1/uploads/check?filename=a.mp4", content=FTYP).status_code == 204
    anonymous = client.post("/api/v1/uploads/check", content=pdf, headers={"Authorization": ""})
    assert anonymous.status_code == 401
