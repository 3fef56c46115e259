"""The service learns a voice from a clerk's correction and names it in the next pleno.

A real Celery worker (whisper base, the diarization ONNX networks) on PostgreSQL and a
Redis of the test's own processes two generated plenos of one council through the API
(uploads, jobs, the editor's save). In the first, nobody is named (the council has no
voice profiles); the clerk gives the voice of one speaker a member of the roster. The
second pleno, other words with the same voices and one voice more, must name that voice
with that member, and nobody else with them.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from servicekit import RedisServer, Service, drop_pg, pg_database

from plenaria.api.app import create_app
from plenaria.cli.samples import (
    ALCALDESA,
    CONCEJAL,
    SECRETARIO,
    SampleLine,
    Voice,
    render_script,
    write_wav,
)
from plenaria.db import accounts
from plenaria.db import jobs as job_repo
from plenaria.workers.queue import CeleryJobQueue

pytestmark = pytest.mark.integration

V1 = "/api/v1"
MEMBER = "Luis García"  # the roster's person whose voice is CONCEJAL's

# Two plenos of one council: the same voices, none of the same words.
FIRST: tuple[tuple[Voice, str], ...] = (
    (ALCALDESA, "Buenas tardes. Empieza la sesión extraordinaria sobre el presupuesto."),
    (CONCEJAL, "Gracias. Presentamos el presupuesto del año próximo con más inversión."),
    (ALCALDESA, "Tiene la palabra otra vez el concejal de Hacienda para las cifras."),
    (CONCEJAL, "Los ingresos suben un tres por ciento y la deuda baja a la mitad."),
    (ALCALDESA, "Muchas gracias. Pasamos a la votación del presupuesto."),
    (CONCEJAL, "Pedimos el voto favorable de todos los grupos municipales."),
)
SECOND: tuple[tuple[Voice, str], ...] = (
    (SECRETARIO, "Se abre la sesión ordinaria de diciembre con quórum suficiente."),
    (ALCALDESA, "Primer asunto, la compra de dos autobuses eléctricos para el barrio."),
    (CONCEJAL, "El contrato se financia con fondos europeos y no sube ningún impuesto."),
    (SECRETARIO, "Consta el informe favorable de intervención sobre este contrato."),
    (CONCEJAL, "Los autobuses llegarán en primavera y darán servicio a la estación."),
    (ALCALDESA, "Se aprueba el contrato. Se levanta la sesión, buenas noches."),
)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """PostgreSQL, a Redis of the test's own and one worker for every queue."""
    redis = RedisServer(tmp_path)
    redis.start()
    url = pg_database()
    service = Service(tmp_path, url, redis.url)
    service.migrate()
    try:
        service.start_worker("media,asr,diarization,default", "all")
        yield service
    finally:
        service.stop()
        service.database().dispose()
        drop_pg(url)
        redis.kill()


def pleno(folder: Path, name: str, script: tuple[tuple[Voice, str], ...]) -> tuple[Path, list[Any]]:
    audio, lines = render_script(script, pause_s=0.9)
    return write_wav(folder / f"{name}.wav", audio), lines


def upload(service: Service, council_id: str, wav: Path) -> str:
    """A complete upload of ``wav`` in the council's storage, as tus leaves it."""
    upload_id = uuid.uuid4().hex
    key = f"uploads/{upload_id}/original"
    dest = service.root / "storage" / key
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wav, dest)
    sha = hashlib.sha256(dest.read_bytes()).hexdigest()
    with service.database().transaction() as s:
        up = job_repo.create_upload(
            s, council_id, upload_id, wav.name, sha, dest.stat().st_size, storage_key=key
        )
        job_repo.set_upload_state(up, "complete")
    return upload_id


def process(
    client: TestClient, service: Service, token: str, council_id: str, wav: Path, slug: str
) -> tuple[str, dict[str, Any]]:
    """Upload, queue the job (its session made from its data), wait: the session's id and
    its transcript's latest version."""
    body = {
        "upload_id": upload(service, council_id, wav),
        "session": {"id": slug, "date": "2026-12-04"},
        "options": {"make_proxy": False},
    }
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post(f"{V1}/jobs", json=body, headers=headers)
    assert r.status_code == 202, r.text
    job = service.wait(r.json()["id"], ("done", "failed"), timeout_s=400)
    assert job.state == "done", (job.error, service.log("all")[-3000:])
    assert job.session_id
    got = client.get(f"{V1}/sessions/{job.session_id}/transcript", headers=headers)
    assert got.status_code == 200, got.text
    return job.session_id, got.json()


def voice_label(transcript: dict[str, Any], lines: list[SampleLine], who: Voice) -> str:
    """The diarized label that speaks ``who``'s lines (the most of their time); the split
    must be clean enough for the test to mean anything."""
    spoken: dict[str, float] = {}
    for turn in transcript["turns"]:
        for line in lines:
            if line.speaker == who.name:
                overlap = min(turn["end"], line.end) - max(turn["start"], line.start)
                spoken[turn["speaker"]] = spoken.get(turn["speaker"], 0.0) + max(overlap, 0.0)
    label = max(spoken, key=lambda k: spoken[k])
    total = sum(line.end - line.start for line in lines if line.speaker == who.name)
    assert spoken[label] > 0.6 * total, (who.name, spoken, total, transcript["turns"])
    return label


def test_a_voice_named_by_the_clerk_is_named_in_the_next_pleno(
    service: Service, tmp_path: Path
) -> None:
    first, first_lines = pleno(tmp_path, "pleno-presupuesto", FIRST)
    second, second_lines = pleno(tmp_path, "pleno-diciembre", SECOND)
    with service.database().transaction() as s:
        council = accounts.create_council(s, "villa", "Villaejemplo")
        secretary = accounts.create_user(s, council, "sec@villa.es", "x" * 16, "secretary")
        clerk = accounts.create_user(s, council, "clerk@villa.es", "x" * 16, "clerk")
        tokens = {
            "secretary": accounts.create_token(s, secretary, "sede")[1],
            "clerk": accounts.create_token(s, clerk, "editor")[1],
        }
        council_id = council.id
    settings = service.settings
    app = create_app(settings, job_queue=CeleryJobQueue(settings))
    auth = {who: {"Authorization": f"Bearer {t}"} for who, t in tokens.items()}
    service.wait_ready("all")
    with TestClient(app) as client:
        r = client.post(f"{V1}/roster", json={"name": MEMBER}, headers=auth["secretary"])
        assert r.status_code == 201, r.text
        member = r.json()["id"]

        sid, got = process(client, service, tokens["secretary"], council_id, first, "pleno-1")
        transcript = got["transcript"]
        assert all(s["person_id"] is None for s in transcript["speakers"])  # nothing to go by
        label = voice_label(transcript, first_lines, CONCEJAL)
        assert label != voice_label(transcript, first_lines, ALCALDESA)

        # The clerk names the voice in the editor (a whole save, as the editor sends it).
        speakers = [
            {**s, "person_id": member, "name": MEMBER} if s["id"] == label else s
            for s in transcript["speakers"]
        ]
        r = client.put(
            f"{V1}/sessions/{sid}/transcript",
            json={"parent": got["number"], "transcript": {**transcript, "speakers": speakers}},
            headers=auth["clerk"],
        )
        assert r.status_code == 201, r.text
        learned = client.get(f"{V1}/roster/{member}/voice", headers=auth["clerk"]).json()
        assert [(x["source"], x["session_id"], x["speaker"]) for x in learned["samples"]] == [
            ("correction", sid, label)
        ]

        _sid2, got2 = process(client, service, tokens["secretary"], council_id, second, "pleno-2")
    speakers2 = {s["id"]: s for s in got2["transcript"]["speakers"]}
    label2 = voice_label(got2["transcript"], second_lines, CONCEJAL)
    assert speakers2[label2]["person_id"] == member, speakers2
    assert speakers2[label2]["name"] == MEMBER
    others = [s for k, s in speakers2.items() if k != label2]
    assert others and all(s["person_id"] != member for s in others), speakers2
    named = [i for i in got2["transcript"]["interventions"] if i["speaker"] == label2]
    assert named, got2["transcript"]["interventions"]
