"""The job graph's shape, its progress figure, and the store steps write through."""

from __future__ import annotations

from pathlib import Path

import pytest

from plenaria.config import Settings
from plenaria.errors import ConfigError
from plenaria.graph.nodes import finished, graph_nodes, job_progress, ready
from plenaria.graph.options import JobSpec, ProcessOptions
from plenaria.storage import LocalStorage, StorageKeyError, clean_cache, external_key


def spec(**options: object) -> JobSpec:
    return JobSpec(original="uploads/x/original", file_name="pleno.mp4", options=options)


def names(nodes) -> list[str]:
    return [n.name for n in nodes]


def test_before_the_plan_only_the_first_steps_and_the_proxy_can_run() -> None:
    nodes = graph_nodes(spec(), None)
    assert names(ready(nodes, set())) == ["probe"]
    assert names(ready(nodes, {"probe"})) == ["audio", "proxy"]
    assert names(ready(nodes, {"probe", "audio", "speech", "proxy"})) == ["plan", "diarize"]
    # Assembly waits for the chunks, which are unknown until the plan is done.
    done = {"probe", "audio", "speech", "plan", "diarize", "name", "proxy"}
    assert "assemble" not in names(ready(nodes, done))
    assert not finished(nodes, done)


def test_after_the_plan_every_chunk_runs_in_parallel_beside_diarization() -> None:
    nodes = graph_nodes(spec(), [100.0, 50.0, 50.0])
    todo = names(ready(nodes, {"probe", "audio", "speech", "plan"}))
    assert todo == ["proxy", "transcribe:0", "transcribe:1", "transcribe:2", "diarize"]
    chunk_weights = [n.weight for n in nodes if n.kind == "transcribe"]
    assert chunk_weights[0] == pytest.approx(2 * chunk_weights[1])
    all_but_outputs = {n.name for n in nodes} - {"assemble", "outputs"}
    assert names(ready(nodes, all_but_outputs)) == ["assemble"]
    assert finished(nodes, {n.name for n in nodes})


def test_a_live_job_transcribes_each_chunk_while_it_records() -> None:
    live = JobSpec(original="live/j/original.ts", file_name="p.ts", live=True)
    nodes = graph_nodes(live, [])
    assert names(ready(nodes, set())) == ["record"]
    assert {n.queue for n in nodes if n.name == "record"} == {"live"}
    # Chunks closed so far are ready at once; what needs the whole session waits.
    nodes = graph_nodes(live, [25.0, 20.0])
    assert names(ready(nodes, set())) == ["record", "transcribe:0", "transcribe:1"]
    assert not finished(nodes, {"transcribe:0", "transcribe:1"})
    after = {"record", "transcribe:0", "transcribe:1"}
    assert names(ready(nodes, after)) == ["proxy", "diarize"]
    done = after | {"proxy", "diarize", "name"}
    assert names(ready(nodes, done)) == ["assemble"]
    assert finished(nodes, done | {"assemble", "outputs"})
    # The new field leaves an ordinary job's run id (its resumable work) as it was before.
    from plenaria.cache import cache_key

    before = cache_key("run/1", spec().model_dump(mode="json", exclude={"run_id", "live"}))
    assert spec().with_run_id().run_id == before[:24]


def test_options_remove_steps() -> None:
    nodes = graph_nodes(spec(diarize=False, make_proxy=False), [10.0])
    assert names(nodes) == [
        "probe",
        "audio",
        "speech",
        "plan",
        "transcribe:0",
        "assemble",
        "outputs",
    ]
    assert next(n for n in nodes if n.name == "assemble").deps == ("plan", "transcribe:0")


def test_progress_is_one_weighted_figure() -> None:
    before = graph_nodes(spec(), None)
    after = graph_nodes(spec(), [30.0, 30.0])
    assert job_progress(before, {}) == 0.0
    early = job_progress(before, {"probe": 1.0, "audio": 1.0})
    assert 0 < early < 0.1  # the chunks' share is counted before they are known
    half = job_progress(after, {n.name: 1.0 for n in after if n.name != "transcribe:1"})
    assert 0.6 < half < 0.8
    assert job_progress(after, {n.name: 1.0 for n in after}) == pytest.approx(1.0)


def test_run_id_is_a_digest_of_the_spec() -> None:
    a, b = spec().with_run_id(), spec(make_proxy=False).with_run_id()
    assert a.run_id and a.run_id != b.run_id
    assert spec().with_run_id().run_id == a.run_id
    assert JobSpec(original="k", file_name="f", run_id="job1").with_run_id().run_id == "job1"


def test_unknown_options_are_an_error() -> None:
    with pytest.raises(ValueError, match="extra"):
        ProcessOptions.model_validate({"diarise": False})


def test_session_vocabulary_reaches_the_recogniser() -> None:
    s = JobSpec(original="k", file_name="f", session={"vocabulary": ["Villaejemplo"]})
    assert s.effective_options.transcription.vocabulary == ("Villaejemplo",)


def test_storage_refuses_keys_outside_it(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    for bad in ("", "/etc/passwd", "../x", "a/../../x"):
        with pytest.raises(StorageKeyError):
            store.exists(bad)
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("x")
    assert store.local_path(external_key(outside)) == outside.resolve()


def test_storage_writes_are_atomic(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    with pytest.raises(RuntimeError), store.writing("a/b.json") as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert not store.exists("a/b.json")
    assert list((tmp_path / "a").iterdir()) == []
    store.write_json("a/b.json", {"x": 1})
    assert store.read_json("a/b.json") == {"x": 1}
    (tmp_path / "a" / "b.json").write_text("{broken")
    assert store.read_json("a/b.json") is None  # damaged: recomputed
    assert not store.exists("a/b.json")


def test_cache_clean_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    import os

    for i, name in enumerate(("old", "mid", "new")):
        folder = tmp_path / "recordings" / name
        folder.mkdir(parents=True)
        (folder / "audio.wav").write_bytes(b"x" * 1000)
        os.utime(folder / "audio.wav", (1000 + i, 1000 + i))
    removed, freed = clean_cache(tmp_path, 2000)
    assert (removed, freed) == (1, 1000)
    assert sorted(p.name for p in (tmp_path / "recordings").iterdir()) == ["mid", "new"]


def test_queue_routes_are_checked() -> None:
    assert Settings(queue_routes="diarize=asr, proxy=media").routes == {
        "diarize": "asr",
        "proxy": "media",
    }
    Settings(queue_routes="diarize=asr").check_safe()
    for bad in ("diarise=asr", "diarize=gpu"):
        with pytest.raises(ConfigError, match="QUEUE_ROUTES"):
            Settings(queue_routes=bad).check_safe()


def test_the_diarizer_runs_beside_the_transcription_only_where_there_is_room() -> None:
    from plenaria.graph.run import beside_transcription

    assert beside_transcription("cpu", cpu_count=2) == {"proxy"}
    assert beside_transcription("cpu", cpu_count=16) == {"proxy", "diarize"}
    assert beside_transcription("cuda", cpu_count=2) == {"proxy", "diarize"}


def test_a_pointer_never_decides_and_a_replaced_file_is_a_new_probe(tmp_path: Path) -> None:
    from plenaria.errors import InputError
    from plenaria.graph.keys import probe_key
    from plenaria.graph.steps import StepContext

    original = tmp_path / "pleno.wav"
    original.write_bytes(b"first recording")
    store = LocalStorage(tmp_path / "store")
    job = JobSpec(original=external_key(original), file_name="pleno.wav").with_run_id()
    ctx = StepContext(job, store, engines=None)  # type: ignore[arg-type]
    first = probe_key(ctx)
    # A pointer left by an earlier run says nothing: the result under the key does.
    ctx.finish("probe", first)
    assert not ctx.is_done("probe")
    store.write_json(first, {"sha256": "0" * 64})
    assert ctx.is_done("probe")
    # The same name, the same size, other bytes: another key, so not done.
    replacement = tmp_path / "other.wav"
    replacement.write_bytes(b"other recording")
    replacement.replace(original)
    assert probe_key(ctx) != first
    assert not ctx.is_done("probe")
    original.unlink()
    assert not ctx.is_done("probe")
    with pytest.raises(InputError, match=r"No se encuentra la grabación pleno\.wav"):
        probe_key(ctx)
