"""Schemathesis over the uploads router's OpenAPI schema: whatever the headers, no 5xx."""

from __future__ import annotations

import atexit
import base64
import shutil
import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from upload_server import create_app

_root = Path(tempfile.mkdtemp(prefix="plenaria-upload-schema-"))
atexit.register(shutil.rmtree, _root, ignore_errors=True)
app = create_app(_root / "storage", 3_000_000, _root / "events.jsonl")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
AUTH = {"Authorization": "Bearer council-a"}


def _an_upload() -> str:
    """An incomplete upload of council-a, so that PATCH and HEAD reach their real checks."""
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": "a.mp4", "sha256": "0" * 64}.items()
    )
    reply = TestClient(app).post(
        "/api/v1/uploads/",
        headers={
            **AUTH,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": meta,
        },
    )
    assert reply.status_code == 201, reply.text
    return str(reply.headers["Location"]).rsplit("/", 1)[-1]


EXISTING = _an_upload()


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])  # anonymous: 401, never 5xx
    if case.path_parameters and "uuid" in case.path_parameters:
        case.path_parameters["uuid"] = EXISTING
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
    # With valid tus headers the generated Content-Length and Upload-Offset reach the PATCH.
    tus = {**AUTH, "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream"}
    case.call_and_validate(headers=tus, checks=[not_a_server_error])
