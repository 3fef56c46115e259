"""The main job end to end, with the real bundled model, on generated plenaries.

The sample's script is known (``plenaria.cli.samples``), so the transcript is
checked against it: no 20 s lost, no word lost or doubled at a chunk boundary. The sample
shares the tuning set's script and voices, so accuracy (WER, speaker labels, names) is
asserted on the evaluation set instead (``test_accuracy_eval.py``).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from pathlib import Path

import jiwer
import pytest
from docx import Document

from models_folder import shared_models_dir
from plenaria.cli.samples import SCRIPT, make_sample, render_script, write_wav
from plenaria.cli.session_file import load_session
from plenaria.config import Settings
from plenaria.domain import Transcript
from plenaria.errors import InputError
from plenaria.formats.jsonio import read_transcript
from plenaria.pipeline import (
    Engines,
    ProcessOptions,
    load_engines,
    process_recording,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from recall import (
    heard_words,
    lost_stretches,
    norm,
    script_words,
    stretch_recalls,
    unnoticed_losses,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # A private cache (the bundled model assembled once for the module), the suite's models.
    return Settings(
        cache_dir=tmp_path_factory.mktemp("cache"),
        data_dir=tmp_path_factory.mktemp("data"),
        models_dir=shared_models_dir(),
    )


@pytest.fixture(scope="module")
def engines(settings: Settings) -> Engines:
    return load_engines(settings)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def processed(
    sample: Path, engines: Engines, settings: Settings, tmp_path_factory: pytest.TempPathFactory
):
    out = tmp_path_factory.mktemp("out")
    session = load_session(sample.with_suffix(".yaml"))
    opts = ProcessOptions(acta_lang="es")
    return process_recording(sample, out, engines, settings, session, opts)


def test_sample_outputs_all_exist_and_agree(processed, sample: Path) -> None:
    assert set(processed.outputs) == {"json", "vtt", "srt", "docx", "proxy"}
    for path in processed.outputs.values():
        assert path.stat().st_size > 0
    t: Transcript = processed.transcript
    assert read_transcript(processed.outputs["json"]).to_dict() == t.to_dict()
    assert t.recording.file_name == sample.name
    assert t.languages == ("es",)
    vtt = processed.outputs["vtt"].read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "<v Interviniente" in vtt


def test_sample_transcript_loses_no_20_s(processed, sample: Path) -> None:
    # The sample (the tuning set's script and voices): this module checks the job around a
    # session file, so its bar is the lost window only; the accuracy bars (WER, labels,
    # names) are test_accuracy_eval.py's, on the evaluation set.
    truth = json.loads(sample.with_suffix(".truth.json").read_text(encoding="utf-8"))
    script = script_words(truth)
    heard = heard_words((w.text, w.start, w.end) for w in processed.transcript.words)
    recalls = stretch_recalls(script, heard)
    print("\nrecall per 20 s:", [f"{s.start:.0f}s {s.recall:.2f}" for s in recalls])
    assert not lost_stretches(script, heard), (recalls, processed.transcript.text)
    assert not unnoticed_losses(script, heard)  # and 20 s deleted anywhere would fail it


def test_docx_holds_every_intervention_with_its_link(processed) -> None:
    t: Transcript = processed.transcript
    doc = Document(str(processed.outputs["docx"]))
    body = "\n".join(p.text for p in doc.paragraphs)
    pos = 0
    for i in t.interventions:
        found = body.find(i.text, pos)
        assert found >= 0, i.text
        pos = found + len(i.text)
    targets = [r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")]
    seconds = [int(re.search(r"t=(\d+)", x).group(1)) for x in targets]
    assert seconds == [int(i.segment.start) for i in t.interventions]
    assert t.recording.sha256 in body


def test_rerun_reuses_every_chunk(
    sample: Path, engines: Engines, settings: Settings, tmp_path: Path
) -> None:
    counting = CountingTranscriber(engines.transcriber)
    again = Engines(engines.vad, counting, engines.diarizer)
    opts = ProcessOptions(make_proxy=False)
    session = load_session(sample.with_suffix(".yaml"))  # its vocabulary is part of the key
    process_recording(sample, tmp_path, again, settings, session, opts)
    assert counting.calls == 0  # the module's first run cached every chunk


def test_diarizing_beside_the_transcription_gives_the_same_transcript(
    processed, sample: Path, engines: Engines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a GPU machine does (the diarizer in a thread while the chunks are transcribed)."""
    import plenaria.pipeline

    beside = frozenset({"proxy", "diarize"})
    monkeypatch.setattr(plenaria.pipeline, "beside_transcription", lambda device: beside)
    fresh = Settings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
    session = load_session(sample.with_suffix(".yaml"))
    result = process_recording(
        sample, tmp_path / "out", engines, fresh, session, ProcessOptions(acta_lang="es")
    )
    assert result.timings_s["diarize"] > 0
    first = [(i.speaker, i.text) for i in processed.transcript.interventions]
    assert [(i.speaker, i.text) for i in result.transcript.interventions] == first


class CountingTranscriber:
    """The real transcriber, counting how often it is asked to work."""

    def __init__(self, inner, stop_after: int | None = None) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.calls = 0
        self.stop_after = stop_after

    def transcribe(self, audio, speech, options):
        if self.stop_after is not None and self.calls >= self.stop_after:
            raise KeyboardInterrupt  # what Ctrl-C does in the middle of a run
        self.calls += 1
        return self.inner.transcribe(audio, speech, options)


def _speech_file(tmp: Path, repeat: int = 1, pause_s: float = 1.0) -> tuple[Path, list]:
    audio, lines = render_script(SCRIPT[:10], pause_s=pause_s, repeat=repeat)
    return write_wav(tmp / "pleno corto ñ.wav", audio), lines


def test_interrupted_run_resumes_with_the_chunks_left(
    engines: Engines, settings: Settings, tmp_path: Path
) -> None:
    wav, _ = _speech_file(tmp_path)
    opts = ProcessOptions(make_proxy=False, chunking={"chunk_max_s": 20.0})
    first = CountingTranscriber(engines.transcriber, stop_after=2)
    with pytest.raises(KeyboardInterrupt):
        process_recording(
            wav, tmp_path / "o", Engines(engines.vad, first, None), settings, None, opts
        )
    assert first.calls == 2
    second = CountingTranscriber(engines.transcriber)
    result = process_recording(
        wav, tmp_path / "o", Engines(engines.vad, second, None), settings, None, opts
    )
    assert len(result.chunks) >= 4
    assert second.calls == len(result.chunks) - 2


def test_bad_input_fails_before_any_work(
    engines: Engines, settings: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "vacío.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError):
        process_recording(empty, tmp_path / "o", engines, settings)
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_25_minute_recording_loses_and_doubles_no_word_at_chunk_boundaries(
    engines: Engines, settings: Settings, tmp_path: Path
) -> None:
    audio, lines = render_script(SCRIPT, pause_s=0.7, repeat=9)
    assert 24 * 60 < lines[-1].end < 27 * 60
    wav = write_wav(tmp_path / "largo.wav", audio)
    opts = ProcessOptions(make_proxy=False, chunking={"chunk_max_s": 480.0})
    result = process_recording(
        wav, tmp_path / "o", Engines(engines.vad, engines.transcriber, None), settings, None, opts
    )
    chunks = result.chunks
    assert len(chunks) >= 3
    words = result.transcript.words
    # Time order, and no word overlapping its neighbour with the same text (a doubled word).
    for a, b in itertools.pairwise(words):
        assert a.start <= b.start
        assert not (norm(a.text) == norm(b.text) and b.start < a.end), (a, b)
    # Each cut falls between lines or in a pause inside one, never inside a word.
    for cut in (c.segment.end for c in chunks[:-1]):
        assert not any(w.start + 0.05 < cut < w.end - 0.05 for w in words), cut

    # The lines on both sides of every cut are transcribed whole. The script repeats 9 times, so
    # each line at a cut is compared with the same line everywhere else: a word lost or doubled at
    # the cut makes it worse than all its repetitions, whatever the recogniser's usual errors.
    def heard(line) -> str:
        near = [w.text for w in words if line.start - 0.3 <= w.middle <= line.end + 0.3]
        return norm(" ".join(near))

    occurrences: dict[str, list] = {}
    for line in lines:
        occurrences.setdefault(line.text, []).append(line)
    for cut in (c.segment.end for c in chunks[:-1]):
        before = max((ln for ln in lines if ln.end <= cut + 0.3), key=lambda ln: ln.end)
        after = min((ln for ln in lines if ln.start >= cut - 0.3), key=lambda ln: ln.start)
        for line in (before, after):
            ref = norm(line.text)
            others = [heard(o) for o in occurrences[line.text] if o is not line]
            counts = [len(h.split()) for h in others]
            got = heard(line)
            assert min(counts) - 1 <= len(got.split()) <= max(counts) + 1, (cut, got, others)
            worst = max(jiwer.wer(ref, h) for h in others)
            assert jiwer.wer(ref, got) <= worst + 0.1, (cut, got, others)
    # The sample's script (its repetitions tell a cut's loss from the recogniser's errors):
    # a behaviour check, so the bar is the lost window, not a WER (measured 0.48, under its
    # old bar of 0.6 while 15 s went missing twice, below).
    script = script_words({"start": ln.start, "end": ln.end, "text": ln.text} for ln in lines)
    heard = heard_words((w.text, w.start, w.end) for w in words)
    assert not unnoticed_losses(script, heard)
    # Until 2026-12-05 the 4th chunk (1053-1461 s) dropped "Buenas tardes. Se abre la sesión
    # ... Hay quórum" at 1136 s and 1298 s (20-s recall 0.05-0.28): a window skipped 24 s and
    # decoding that hole again whole skipped it again; what is left is now decoded alone.
    lost = lost_stretches(script, heard)
    assert not lost, [(round(x.start), round(x.recall, 2)) for x in lost]
