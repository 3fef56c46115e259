"""Every option a caller sets is bounded: outside the bounds is a 422 naming the option.

Checked on the job options themselves (every number of every option class has a lower
and an upper bound, every list and text a length) and through the API that takes them
(POST /jobs, POST /live): nothing is queued. A caller cannot name a model: the
models are the deployment's settings, and an unknown option is a 422.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from conftest import RecordingQueue, World
from plenaria.graph.options import ProcessOptions
from plenaria.live.segmenter import LiveOptions

V1 = "/api/v1"

# (options, the option named in the answer): each one just outside its bounds
OUT_OF_BOUNDS: list[tuple[dict[str, Any], str]] = [
    ({"transcription": {"beam_size": 11}}, "beam_size"),
    ({"transcription": {"beam_size": 0}}, "beam_size"),
    ({"transcription": {"batch_size": 65}}, "batch_size"),
    ({"transcription": {"temperatures": [0.0, 2.5]}}, "temperatures"),
    ({"transcription": {"temperatures": [0.1] * 11}}, "temperatures"),
    ({"transcription": {"temperatures": []}}, "temperatures"),
    ({"transcription": {"no_speech_threshold": 1.5}}, "no_speech_threshold"),
    ({"transcription": {"log_prob_threshold": "-inf"}}, "log_prob_threshold"),
    ({"transcription": {"compression_ratio_threshold": "nan"}}, "compression_ratio_threshold"),
    ({"transcription": {"silence_dbfs": -1000}}, "silence_dbfs"),
    ({"transcription": {"max_gap_ms": 10**9}}, "max_gap_ms"),
    ({"transcription": {"vocabulary": ["x" * 201]}}, "vocabulary"),
    ({"transcription": {"vocabulary": ["x"] * 5001}}, "vocabulary"),
    ({"transcription": {"language": "español"}}, "language"),
    ({"transcription": {"detect_languages": ["es"] * 101}}, "detect_languages"),
    ({"chunking": {"chunk_max_s": 4}}, "chunk_max_s"),
    ({"chunking": {"chunk_max_s": 3601}}, "chunk_max_s"),
    ({"chunking": {"chunk_max_s": 2**64}}, "chunk_max_s"),
    ({"vad": {"min_silence_ms": 10**6}}, "min_silence_ms"),
    ({"diarization": {"max_speakers": 101}}, "max_speakers"),
    ({"diarization": {"min_speakers": 0}}, "min_speakers"),
    ({"diarization": {"max_cluster_embeddings": 10**6}}, "max_cluster_embeddings"),
    ({"diarization": {"batch_windows": 1000}}, "batch_windows"),
    ({"assembly": {"new_intervention_gap_s": 1e9}}, "new_intervention_gap_s"),
    ({"naming": {"threshold": 1.0}}, "threshold"),
    ({"acta_lang": "fr"}, "acta_lang"),
    ({"transcription": {"model": "/etc/passwd"}}, "model"),  # no such option: not a caller's
    ({"model": "large-v3"}, "model"),
]

# the bounds themselves are accepted (generous enough for real use)
AT_THE_BOUNDS: dict[str, Any] = {
    "transcription": {
        "beam_size": 10,
        "batch_size": 64,
        "temperatures": [0.0, 0.5, 1.0, 1.5, 2.0],
        "vocabulary": ["Villaejemplo"] * 5000,
        "language": "ca",
    },
    "chunking": {"chunk_max_s": 3600},
    "diarization": {"min_speakers": 1, "max_speakers": 100},
}


@pytest.mark.parametrize(("options", "name"), OUT_OF_BOUNDS)
def test_an_option_out_of_bounds_is_refused(options: dict[str, Any], name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProcessOptions.model_validate(options)
    assert name in str(caught.value)


def test_the_defaults_and_the_bounds_themselves_are_accepted() -> None:
    defaults = ProcessOptions()
    assert ProcessOptions.model_validate(defaults.model_dump()) == defaults
    assert defaults.transcription.beam_size == 5 and defaults.chunking.chunk_max_s == 240.0
    wide = ProcessOptions.model_validate(AT_THE_BOUNDS)
    assert wide.transcription.beam_size == 10 and wide.chunking.chunk_max_s == 3600


def _bounds(info: FieldInfo | Any) -> set[str]:
    """Which constraints (ge, le, max_length, pattern...) a field or an Annotated type has."""
    metadata = list(getattr(info, "metadata", ()))
    if typing.get_origin(info) is typing.Annotated:
        metadata = [m for a in typing.get_args(info)[1:] for m in getattr(a, "metadata", [a])]
    found = set()
    for item in metadata:
        for name in ("ge", "gt", "le", "lt", "max_length", "pattern"):
            if getattr(item, name, None) is not None:
                found.add(name)
    return found


def _unbounded(model: type[BaseModel], prefix: str = "") -> list[str]:
    """The options of ``model`` (nested ones too) a caller can set without a bound."""
    validated = {"language"}  # checked by a validator: a 2- or 3-letter code
    missing = []
    for name, info in model.model_fields.items():
        where = f"{prefix}{name}"
        kinds = [a for a in typing.get_args(info.annotation) if a is not type(None)]
        annotation = kinds[0] if isinstance(info.annotation, types.UnionType) else info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            missing += _unbounded(annotation, f"{where}.")
        elif annotation is bool or name in validated:
            continue
        elif annotation in (int, float):
            found = _bounds(info)
            if not ({"ge", "gt"} & found and {"le", "lt"} & found):
                missing.append(where)
        elif typing.get_origin(annotation) is tuple:
            item = typing.get_args(annotation)[0]
            if "max_length" not in _bounds(info) or not _bounds(item):
                missing.append(where)
        elif annotation is str:
            if not {"max_length", "pattern"} & _bounds(info):
                missing.append(where)
        else:
            missing.append(f"{where} ({annotation}: not checked here)")
    return missing


@pytest.mark.parametrize("model", [ProcessOptions, LiveOptions])
def test_every_option_has_bounds(model: type[BaseModel]) -> None:
    assert _unbounded(model) == []


@pytest.mark.parametrize(("options", "name"), OUT_OF_BOUNDS[::3] + OUT_OF_BOUNDS[-2:])
def test_job_options_out_of_bounds_are_422_through_the_api(
    client: TestClient,
    world: World,
    queue: RecordingQueue,
    options: dict[str, Any],
    name: str,
) -> None:
    h = world.headers("secretary")
    body = {"upload_id": world.upload("a"), "options": options}
    r = client.post(f"{V1}/jobs", json=body, headers=h)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("Opciones del proceso no válidas:") and name in detail
    assert "\n" not in detail
    r = client.post(f"{V1}/live", json={"push": True, "options": options}, headers=h)
    assert r.status_code == 422 and name in r.json()["detail"], r.text
    assert queue.calls == [] and client.get(f"{V1}/jobs", headers=h).json() == []


def test_live_options_out_of_bounds_are_422_and_the_bounds_queue(
    client: TestClient, world: World, queue: RecordingQueue
) -> None:
    h = world.headers("secretary")
    for live in ({"max_chunk_s": 601}, {"end_timeout_s": 3601}, {"max_chunk_s": "inf"}):
        r = client.post(f"{V1}/live", json={"push": True, "live": live}, headers=h)
        assert r.status_code == 422 and next(iter(live)) in r.json()["detail"], r.text
    assert queue.calls == []
    body = {"upload_id": world.upload("a"), "options": AT_THE_BOUNDS}
    r = client.post(f"{V1}/jobs", json=body, headers=h)
    assert r.status_code == 202, r.text
    assert world.job_row(r.json()["id"]).options["transcription"]["beam_size"] == 10


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/sessions", {"president": "Ana\x00"}, "president"),
        ("/roster", {"name": "Luis\x07 Martín"}, "name"),
        ("/jobs", {"upload_id": "x", "session": {"place": "\x00"}}, "session"),
        (
            "/live",
            {"push": True, "options": {"transcription": {"vocabulary": ["a\x00"]}}},
            "options",
        ),
    ],
)
def test_a_nul_or_control_character_in_a_body_is_422(
    client: TestClient, world: World, path: str, body: dict[str, Any], field: str
) -> None:
    r = client.post(f"{V1}{path}", json=body, headers=world.headers("secretary"))
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"] and "carácter de control" in r.json()["detail"]


def test_a_nul_in_a_path_id_is_422_not_500(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    for tail in ("sessions/a%00b", "roster/%00", "jobs/%00", "users/%00/", "tokens/%00"):
        method = client.delete if tail.startswith("tokens") else client.get
        r = method(f"{V1}/{tail.rstrip('/')}", headers=h)
        assert r.status_code in (404, 422), (tail, r.status_code, r.text)
    r = client.post(f"{V1}/roster", json={"name": "Ana\tGómez"}, headers=h)  # a tab is text
    assert r.status_code == 201, r.text
