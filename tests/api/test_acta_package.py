"""The publication package (GET /api/v1/sessions/{id}/acta/package): a ZIP with the signed
PDF/A, the certificate, the web video, the captions and the transcript, whose manifest's
SHA-256 and sizes are the files'; refused (409) before the signature; a secretary's or an
admin's, not a clerk's nor another council's. With a redaction, the captions, the
transcript and the video are the portal's (the redacted words out, the interval black)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from test_acta import acta, approved
from test_acta_sign import pki, signing_client  # noqa: F401 (fixtures)

from conftest import World
from plenaria.acts import signing
from plenaria.acts.package import MANIFEST, PackageFile, build_package
from plenaria.db.models import Job, TranscriptVersion
from plenaria.media.ffmpeg import ffmpeg_binary

V1 = "/api/v1"


def web_proxy(path: Path) -> bytes:
    """A 3-second MP4 as the media step makes it (H.264 and AAC)."""
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "3",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def with_proxy(world: World, sid: str, proxy: bytes) -> None:
    """The session's versions came from a job that made ``proxy``."""
    job_id = world.job(state="done", outputs={"proxy": proxy})
    with world.db.transaction() as s:
        s.execute(update(TranscriptVersion).values(job_id=job_id))
        s.execute(update(Job).where(Job.id == job_id).values(session_id=sid))


def unzip(data: bytes) -> tuple[dict[str, bytes], dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        files = {name: z.read(name) for name in z.namelist()}
    return files, json.loads(files.pop(MANIFEST))


def test_the_package_holds_the_signed_acta_and_a_manifest_of_its_hashes(
    signing_client: TestClient,  # noqa: F811 (the fixture)
    world: World,
    tmp_path: Path,
) -> None:
    client = signing_client
    sid, _body = approved(client, world)
    proxy = web_proxy(tmp_path / "proxy.mp4")
    with_proxy(world, sid, proxy)
    r = client.get(acta(sid, "/package"), headers=world.headers("secretary"))
    assert r.status_code == 409
    assert r.json()["detail"].startswith("El acta de esta sesión está aprobada: el paquete")

    assert client.post(acta(sid, "/sign"), headers=world.headers("secretary")).status_code == 200
    assert client.get(acta(sid, "/package"), headers=world.headers("clerk")).status_code == 403
    assert client.get(acta(sid, "/package"), headers=world.headers("other")).status_code == 404
    assert client.get(acta(sid, "/package")).status_code == 401
    h = world.headers("admin")
    r = client.get(acta(sid, "/package"), headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="paquete-2026-11-24-ordinaria-v1.zip"' in r.headers["content-disposition"]
    files, manifest = unzip(r.content)

    assert manifest["session_id"] == "2026-11-24-ordinaria" and manifest["council"] == "Villa A"
    assert manifest["date"] == "2026-11-24" and manifest["acta_version"] == 1
    certificate = client.get(acta(sid, "/certificate"), headers=world.headers("clerk")).json()
    assert manifest["recording_sha256"] == certificate["recording"]["sha256"]
    assert len(manifest["recording_sha256"]) == 64 and manifest["csv"] == certificate["csv"]
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    for name, data in files.items():
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert listed[name]["size"] == len(data), name
    roles = {f["role"] for f in manifest["files"]}
    assert roles == {"acta_firmada", "certificado", "video", "subtitulos", "transcripcion"}

    signed = files["acta-2026-11-24-ordinaria-v1-firmada.pdf"]
    assert signed == client.get(acta(sid, "/pdf"), headers=world.headers("clerk")).content
    assert signing.verify_pdf(signed, []).intact
    pdf_entry = listed["acta-2026-11-24-ordinaria-v1-firmada.pdf"]
    assert pdf_entry["sha256"] == certificate_signed_sha(client, world, sid)
    assert json.loads(files["certificado-2026-11-24-ordinaria-v1.json"]) == certificate
    assert certificate["csv"] in files["certificado-2026-11-24-ordinaria-v1.txt"].decode()
    assert files["certificado-2026-11-24-ordinaria-v1.docx"].startswith(b"PK")
    assert files["2026-11-24-ordinaria.mp4"] == proxy  # no redaction: the proxy as made
    vtt = client.get(f"{V1}/sessions/{sid}/outputs/vtt", headers=world.headers("clerk")).text
    assert files["2026-11-24-ordinaria.vtt"].decode() == vtt
    transcript = json.loads(files["2026-11-24-ordinaria.json"])
    assert transcript["interventions"] and "sha256" not in transcript["recording"]
    assert not list((world.storage / "tmp" / "packages").glob("*"))  # the ZIP is removed
    # published on the portal by the API: the signed acta is published, its package the same
    assert client.post(f"{V1}/sessions/{sid}/publish", headers=h).status_code == 200
    assert client.get(acta(sid), headers=h).json()["state"] == "published"
    again, _manifest = unzip(client.get(acta(sid, "/package"), headers=h).content)
    assert again == files
    # ...and the citizen downloads the signed acta from the session's public page
    public_url = client.post(f"{V1}/sessions/{sid}/publish", headers=h).json()["public_url"]
    client.cookies.clear()
    assert f'href="{public_url}/acta.pdf"' in client.get(public_url).text
    public = client.get(f"{public_url}/acta.pdf")
    assert public.status_code == 200 and public.headers["content-type"] == "application/pdf"
    assert public.content == signed


def certificate_signed_sha(client: TestClient, world: World, sid: str) -> str:
    body = client.get(acta(sid), headers=world.headers("clerk")).json()
    signed = [e for e in body["history"] if e["detail"].get("to") == "signed"]
    return str(signed[-1]["detail"]["sha256"])


def test_with_a_redaction_the_package_is_the_portals_copy(
    signing_client: TestClient,  # noqa: F811 (the fixture)
    world: World,
    tmp_path: Path,
) -> None:
    client = signing_client
    sid, _body = approved(client, world)
    proxy = web_proxy(tmp_path / "proxy.mp4")
    with_proxy(world, sid, proxy)
    content = client.get(f"{V1}/sessions/{sid}/transcript", headers=world.headers("clerk"))
    first = content.json()["transcript"]["interventions"][0]["words"][0]
    span = {"start": first["start"], "end": first["end"], "reason": "Datos personales"}
    h = world.headers("secretary")
    assert client.post(f"{V1}/sessions/{sid}/redactions", json=span, headers=h).status_code == 201
    assert client.post(acta(sid, "/sign"), headers=h).status_code == 200
    r = client.get(acta(sid, "/package"), headers=h)
    assert r.status_code == 200, r.text
    files, manifest = unzip(r.content)
    assert manifest["redactions"] == 1
    video = files["2026-11-24-ordinaria.mp4"]
    assert video != proxy and video[4:8] == b"ftyp"  # a new copy, an MP4
    full = client.get(f"{V1}/sessions/{sid}/outputs/vtt", headers=h).text
    vtt = files["2026-11-24-ordinaria.vtt"].decode()
    assert vtt.startswith("WEBVTT") and vtt != full
    said = [i["text"] for i in json.loads(files["2026-11-24-ordinaria.json"])["interventions"]]
    assert not said[0].startswith(first["text"])
    assert (
        hashlib.sha256(video).hexdigest()
        == {f["name"]: f for f in manifest["files"]}["2026-11-24-ordinaria.mp4"]["sha256"]
    )
    assert not list((world.storage / "tmp" / "packages").glob("*"))


def test_the_builder_streams_a_file_and_refuses_a_repeated_name(tmp_path: Path) -> None:
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\x00\x01" * 1_500_000)  # more than one block
    out = io.BytesIO()
    files = [PackageFile("a.txt", "texto", data=b"hola\n"), PackageFile("v.mp4", "video", path=big)]
    manifest = build_package(out, files, {"session_id": "s"})
    assert manifest["session_id"] == "s"
    assert [f["size"] for f in manifest["files"]] == [5, 3_000_000]
    assert manifest["files"][1]["sha256"] == hashlib.sha256(big.read_bytes()).hexdigest()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert z.getinfo("v.mp4").compress_type == zipfile.ZIP_STORED
        assert z.getinfo("a.txt").compress_type == zipfile.ZIP_DEFLATED
        assert json.loads(z.read(MANIFEST)) == manifest
    again = io.BytesIO()
    build_package(again, files, {"session_id": "s"})
    assert again.getvalue() == out.getvalue()  # the same files, the same ZIP
    with pytest.raises(ValueError, match=r"a\.txt"):
        build_package(io.BytesIO(), [*files, PackageFile("a.txt", "texto", data=b"")], {})
