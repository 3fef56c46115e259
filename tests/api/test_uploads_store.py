"""Clean-up of expired uploads and the metadata parser, on tuspyserver's real sidecars."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from upload_server import create_app

from plenaria.domain import Recording
from plenaria.uploads import (
    REFUSAL_KEEP_S,
    AcceptedUpload,
    UploadRefused,
    UploadStore,
    display_name,
    parse_metadata,
)

A = {"Tus-Resumable": "1.0.0", "Authorization": "Bearer council-a"}
DAY = 24 * 3600.0


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _create(client: TestClient) -> str:
    meta = f"filename {_b64('a.mp4')},sha256 {_b64('ab' * 32)}"
    reply = client.post(
        "/api/v1/uploads/", headers={**A, "Upload-Length": "100", "Upload-Metadata": meta}
    )
    assert reply.status_code == 201, reply.text
    return httpx.URL(reply.headers["Location"]).path.rsplit("/", 1)[-1]


def test_clean_removes_expired_incomplete_uploads_only(tmp_path: Path) -> None:
    client = TestClient(create_app(tmp_path / "s", 1000, tmp_path / "events"))
    store = UploadStore(tmp_path / "s" / "uploads")
    expired, accepted = _create(client), _create(client)
    store.accept(
        AcceptedUpload(
            accepted, "council-a", store.data_path(accepted), "a.mp4", "ab" * 32,
            Recording("a.mp4", "ab" * 32, 100, 1.0, "wav"),
        )
    )  # fmt: skip
    orphan = "f" * 32  # a folder whose creation never finished: no sidecar
    store.create(orphan, "council-a")
    refused = _create(client)
    store.refuse(refused, "council-a", UploadRefused(422, "no"))
    tomb = store.root / ".refused" / f"{refused}.json"

    assert store.clean(time.time()) == []  # nothing is due yet
    assert store.refusal(refused) is not None
    later = time.time() + 3 * DAY + 60  # past tuspyserver's expiry date (RFC 7231 format)
    assert later - tomb.stat().st_mtime > REFUSAL_KEEP_S
    assert set(store.clean(later)) == {expired, orphan, refused}
    assert {p.name for p in store.root.iterdir() if not p.name.startswith(".")} == {accepted}
    assert store.accepted(accepted, "council-a") is not None
    assert store.accepted(accepted, "council-b") is None
    assert not tomb.exists()


def test_metadata_parser() -> None:
    meta = parse_metadata(f"filename {_b64('../../etc/Pleno ñ.mp4')}, sha256 {_b64('AB' * 32)}")
    assert meta.filename == "Pleno ñ.mp4"  # never a path
    assert meta.sha256 == "ab" * 32
    assert display_name("C:\\Users\\x\\pleno\n.mp4") == "pleno .mp4"
    with pytest.raises(UploadRefused, match="sha256") as err:
        parse_metadata(f"filename {_b64('a.mp4')}")
    assert err.value.status == 400
    with pytest.raises(UploadRefused, match="filename"):
        parse_metadata(None)
