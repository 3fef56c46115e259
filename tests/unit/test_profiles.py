"""Voice profiles: enrollment, calibrated matching, one-to-one naming, the JSON store."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from plenaria.diarization.models import ENCODER_ID, MODEL_ID
from plenaria.diarization.profiles import (
    DEFAULT_MARGIN_COS,
    DEFAULT_THRESHOLD,
    NamingOptions,
    VoiceProfile,
    calibrated_score,
    enroll,
    name_speakers,
    profile_id,
)
from plenaria.domain import Diarization, Segment, Speaker, Turn
from plenaria.errors import InputError
from plenaria.voices import VoiceStore, parse_source, parse_time, speech_regions

DIM = 192


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def voice(seed: int) -> np.ndarray:
    return unit(np.random.default_rng(seed).normal(size=DIM))


def near(v: np.ndarray, cosine: float, seed: int = 99) -> np.ndarray:
    """A unit vector at exactly this cosine similarity from unit ``v``."""
    r = np.random.default_rng(seed).normal(size=DIM)
    r = unit(r - (r @ v) * v)
    return cosine * v + math.sqrt(1 - cosine**2) * r


def profile(name: str, v: np.ndarray, **kw: object) -> VoiceProfile:
    kw.setdefault("model_id", ENCODER_ID)
    return enroll(None, v, 10.0, name=name, now="2025-01-01T00:00:00+00:00", **kw)  # type: ignore[arg-type]


def diarized(embeddings: dict[str, np.ndarray], model_id: str = MODEL_ID) -> Diarization:
    """A Diarization with one turn per speaker (in this order) and these centroids."""
    turns = tuple(Turn(k, Segment(i, i + 1.0)) for i, k in enumerate(embeddings))
    centroids = tuple((k, tuple(float(x) for x in v)) for k, v in embeddings.items())
    return Diarization(turns, centroids, model_id)


def name(
    embeddings: dict[str, np.ndarray],
    profiles: list[VoiceProfile],
    options: NamingOptions | None = None,
) -> tuple[Speaker, ...]:
    return name_speakers(diarized(embeddings), profiles, options)


# --- calibrated score -------------------------------------------------------------


def test_calibrated_score_is_a_monotonic_probability() -> None:
    xs = np.linspace(-1, 1, 201)
    ys = [calibrated_score(x) for x in xs]
    assert all(0.0 <= y <= 1.0 for y in ys)
    assert all(b >= a for a, b in itertools.pairwise(ys))
    assert ys[0] < 1e-6 and ys[-1] > 0.98
    # Different people (median cosine 0.35 on the tuning set) score near 0; one person
    # (median 0.92) passes; nearly all different people (99.5 % below 0.733) do not.
    assert calibrated_score(0.30) < 0.001
    assert calibrated_score(0.96) >= DEFAULT_THRESHOLD
    assert calibrated_score(0.72) < DEFAULT_THRESHOLD


# --- enroll ---------------------------------------------------------------------


def test_enroll_new_profile_takes_the_mean_of_unit_windows() -> None:
    a, b = voice(1), voice(2)
    p = enroll(None, np.stack([a * 3, b]), 4.0, name=" María García ", role="alcaldesa")
    assert p.name == "María García" and p.id == "maria-garcia" and p.role == "alcaldesa"
    assert (p.samples, p.seconds) == (1, 4.0)
    np.testing.assert_allclose(p.embedding, (a + b) / 2, atol=1e-9)
    np.testing.assert_allclose(p.vector, unit(a + b), atol=1e-9)


def test_enroll_running_mean_is_weighted_by_seconds_and_input_untouched() -> None:
    a, b = voice(1), voice(2)
    first = enroll(None, a, 10.0, name="Ana")
    second = enroll(first, np.stack([b, b]), 30.0, group="Grupo Verde")
    assert first.samples == 1 and first.seconds == 10.0 and first.group is None  # unchanged
    assert second.samples == 2 and second.seconds == 40.0
    assert second.name == "Ana" and second.group == "Grupo Verde" and second.id == first.id
    np.testing.assert_allclose(second.embedding, 0.25 * a + 0.75 * b, atol=1e-9)


def test_enroll_rejects_empty_and_silent_samples() -> None:
    with pytest.raises(InputError, match="no se encontró voz"):
        enroll(None, np.zeros((0, DIM)), 3.0, name="Ana")
    with pytest.raises(InputError, match="silencio"):
        enroll(None, np.zeros((3, DIM)), 3.0, name="Ana")
    with pytest.raises(InputError, match="nombre"):
        enroll(None, voice(1), 3.0)
    with pytest.raises(InputError, match="otro modelo de voz"):
        enroll(profile("Ana", voice(1)), np.ones(128), 3.0, model_id=ENCODER_ID)
    with pytest.raises(InputError, match="otro modelo de voz"):
        enroll(profile("Ana", voice(1)), voice(2), 3.0, model_id="resemblyzer")


def test_profile_id_is_file_safe() -> None:
    assert profile_id("José Ñúñez-Puig i Vilà") == "jose-nunez-puig-i-vila"
    assert profile_id("../../etc/passwd") == "etc-passwd"
    assert profile_id("Ελένη").startswith("voice-")
    assert profile_id("Ελένη") != profile_id("Νίκος")


# --- naming ---------------------------------------------------------------------


def test_names_each_speaker_by_its_closest_profile() -> None:
    ana, luis, marta = voice(1), voice(2), voice(3)
    profiles = [profile("Ana", ana, role="alcaldesa"), profile("Luis", luis, group="PSC")]
    speakers = name(
        {
            "SPEAKER_00": near(luis, 0.97, 5),
            "SPEAKER_01": near(ana, 0.96, 6),
            "SPEAKER_02": near(marta, 0.99, 7),  # not enrolled
        },
        profiles,
        NamingOptions(),
    )
    assert [s.id for s in speakers] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]
    assert [s.name for s in speakers] == ["Luis", "Ana", None]
    assert speakers[0].group == "PSC" and speakers[1].role == "alcaldesa"
    assert speakers[0].score == pytest.approx(calibrated_score(0.97), abs=1e-6)
    assert speakers[2].score is None and speakers[2].label == "Interviniente 3"


def test_below_threshold_stays_unnamed() -> None:
    ana = voice(1)
    emb = {"SPEAKER_00": near(ana, 0.72)}
    assert name(emb, [profile("Ana", ana)], NamingOptions())[0].name is None
    loose = NamingOptions(threshold=calibrated_score(0.71))
    assert name(emb, [profile("Ana", ana)], loose)[0].name == "Ana"


def test_one_to_one_assignment_beats_greedy() -> None:
    # Both speakers are closest to Ana; greedy would give Ana to SPEAKER_00 and
    # leave SPEAKER_01 with Luis below threshold. The optimal pairing names both.
    ana = voice(1)
    luis = near(ana, 0.80, 11)
    s0 = unit(0.5 * ana + 0.5 * luis)  # close to both
    s1 = near(ana, 0.99, 12)
    opts = NamingOptions(threshold=0.5, shared_names=False, margin_cos=0.0)
    profiles = [profile("Ana", ana), profile("Luis", luis)]
    named = {s.id: s.name for s in name({"S0": s0, "S1": s1}, profiles, opts)}
    assert named == {"S0": "Luis", "S1": "Ana"}


def test_two_speakers_never_share_a_name_unless_their_voices_match() -> None:
    ana = voice(1)
    r = near(ana, 0.0, 21)  # orthogonal to ana
    a1, a2 = 0.92 * ana + math.sqrt(1 - 0.92**2) * r, 0.92 * ana - math.sqrt(1 - 0.92**2) * r
    assert calibrated_score(float(a1 @ a2)) < DEFAULT_THRESHOLD  # the two differ from each other
    profiles = [profile("Ana", ana)]
    names = [s.name for s in name({"S0": a1, "S1": a2}, profiles, NamingOptions())]
    assert names.count("Ana") == 1 and None in names

    # One person split in two by diarization: both halves match each other too.
    b1 = near(ana, 0.985, 23)
    b2 = unit(b1 + 0.02 * voice(24))
    assert calibrated_score(float(b1 @ b2)) >= DEFAULT_THRESHOLD
    named = name({"S0": b1, "S1": b2}, profiles, NamingOptions())
    assert [s.name for s in named] == ["Ana", "Ana"]
    strict = name({"S0": b1, "S1": b2}, profiles, NamingOptions(shared_names=False))
    assert sorted(s.name or "" for s in strict) == ["", "Ana"]


def test_margin_leaves_look_alike_voices_unnamed() -> None:
    ana = voice(1)
    twin = near(ana, 0.999, 31)
    emb = {"S0": near(ana, 0.98, 32)}
    profiles = [profile("Ana", ana), profile("Twin", twin)]
    assert name(emb, profiles, NamingOptions(margin_cos=0.0))[0].name is not None
    assert name(emb, profiles, NamingOptions(margin_cos=0.05))[0].name is None


def _between(a: np.ndarray, b: np.ndarray, cos_a: float, cos_b: float) -> np.ndarray:
    """A unit vector with these cosines to unit ``a`` and ``b`` (solved in their plane + noise)."""
    ab = float(a @ b)
    x, y = np.linalg.solve([[1.0, ab], [ab, 1.0]], [cos_a, cos_b])
    v = x * a + y * b
    b_perp = unit(b - ab * a)
    r = np.random.default_rng(77).normal(size=DIM)
    r = r - (r @ a) * a
    r = unit(r - (r @ b_perp) * b_perp)  # orthogonal to both a and b
    return v + math.sqrt(max(0.0, 1.0 - float(v @ v))) * r


def test_default_margin_is_cosine_and_spares_a_clear_match() -> None:
    # Two enrolled people whose voices differ (cosine 0.90 between their profiles). A
    # diarized speaker that sits 0.97 from Ana and 0.955 from Bea (diarization merged the
    # two, or a look-alike) stays unnamed by default: both calibrated scores are ~1, so
    # only the cosine tells them apart. One 0.97 from Ana and 0.90 from Bea is named.
    ana = voice(1)
    bea = near(ana, 0.90, 41)
    profiles = [profile("Ana", ana), profile("Bea", bea)]
    close = _between(ana, bea, 0.97, 0.955)
    clear = _between(ana, bea, 0.97, 0.90)
    assert float(close @ ana) == pytest.approx(0.97) and float(close @ bea) == pytest.approx(0.955)
    assert calibrated_score(0.955) >= DEFAULT_THRESHOLD  # a score margin could not see it
    assert NamingOptions().margin_cos == DEFAULT_MARGIN_COS > 0.015
    named = name({"S0": close, "S1": clear}, profiles)
    assert [s.name for s in named] == [None, "Ana"]
    loose = name({"S0": close}, profiles, NamingOptions(margin_cos=0.0))
    assert loose[0].name == "Ana"


def test_shared_name_also_needs_the_margin() -> None:
    # S0 takes Ana; S1 matches Ana and S0 well but is as close to Bea: it stays unnamed
    # rather than take Ana's name a second time.
    ana = voice(1)
    bea = near(ana, 0.93, 51)
    s0 = near(ana, 0.99, 52)
    s1 = _between(ana, bea, 0.975, 0.97)
    assert calibrated_score(float(s0 @ s1)) >= DEFAULT_THRESHOLD
    profiles = [profile("Ana", ana), profile("Bea", bea)]
    names = [s.name for s in name({"S0": s0, "S1": s1}, profiles)]
    assert names == ["Ana", None]
    # Without the margin the one-to-one assignment hands S1 the other name: a wrong one.
    loose = name({"S0": s0, "S1": s1}, profiles, NamingOptions(margin_cos=0.0))
    assert [s.name for s in loose] == ["Ana", "Bea"]


def test_no_profiles_or_bad_embeddings_leave_everyone_unnamed() -> None:
    emb = {"SPEAKER_00": voice(1), "SPEAKER_01": np.zeros(DIM)}
    assert [s.name for s in name(emb, [], NamingOptions())] == [None, None]
    out = name(emb, [profile("Ana", voice(1))], NamingOptions())
    assert [s.name for s in out] == ["Ana", None]
    assert name({}, [profile("Ana", voice(1))]) == ()
    # A speaker without a centroid (a backend that gives none) stays unnamed.
    bare = Diarization((Turn("S0", Segment(0, 1)),), (), MODEL_ID)
    assert name_speakers(bare, [profile("Ana", voice(1))])[0].name is None
    with pytest.raises(ValueError, match="encoder"):
        name({"S0": np.ones(128)}, [profile("Ana", voice(1))])


def test_naming_options_are_strict() -> None:
    with pytest.raises(ValidationError):
        NamingOptions(treshold=0.5)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        NamingOptions(threshold=1.5)
    with pytest.raises(ValidationError):
        NamingOptions().threshold = 0.1  # type: ignore[misc]


# --- store ----------------------------------------------------------------------


def test_store_round_trip_and_lookup(tmp_path: Path) -> None:
    store = VoiceStore(tmp_path / "voices")
    assert store.list() == () and store.get("Ana") is None
    ana = profile("Ana Martínez", voice(1), role="concejal", group="Grupo Verde")
    path = store.save(ana)
    assert path == tmp_path / "voices" / "ana-martinez.json"
    again = store.get("ana martinez")
    assert again is not None
    assert (again.name, again.role, again.group, again.samples) == (
        "Ana Martínez",
        "concejal",
        "Grupo Verde",
        1,
    )
    np.testing.assert_allclose(again.embedding, ana.embedding, atol=1e-6)
    assert store.get("ana-martinez") == again and store.get("ANA MARTÍNEZ") == again
    store.save(profile("Bruno", voice(2)))
    assert [p.name for p in store.list()] == ["Ana Martínez", "Bruno"]
    # Embeddings only: no audio, no paths of the sources.
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {
        "id",
        "name",
        "role",
        "group",
        "seconds",
        "samples",
        "updated",
        "model_id",
        "person_id",
        "embedding",
    }
    assert data["model_id"] == ENCODER_ID
    assert len(data["embedding"]) == DIM


def test_remove_leaves_nothing_of_the_person(tmp_path: Path) -> None:
    root = tmp_path / "voices"
    store = VoiceStore(root)
    store.save(profile("Ana Martínez", voice(1)))
    store.save(profile("Bruno", voice(2)))
    (root / ".ana-martinez.json.x1.tmp").write_text("half")  # a write killed halfway
    assert store.remove("Ana Martínez") is True
    assert store.get("Ana Martínez") is None
    assert [p.name for p in store.list()] == ["Bruno"]
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in leftovers] == ["bruno.json"]
    assert all("Ana" not in p.read_text(encoding="utf-8") for p in leftovers)
    assert store.remove("Ana Martínez") is False
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    assert store.remove("../outside") is False and outside.exists()


def test_damaged_profile_is_skipped_named_and_removable(tmp_path: Path) -> None:
    store = VoiceStore(tmp_path)
    store.save(profile("Bruno", voice(2)))
    (tmp_path / "ana.json").write_text("{not json", encoding="utf-8")
    assert [p.name for p in store.list()] == ["Bruno"]
    with pytest.raises(InputError, match=r"ana\.json está dañado"):
        store.get("ana")
    assert store.remove("ana") is True and not (tmp_path / "ana.json").exists()


# --- sources ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("65", 65.0), ("65.5", 65.5), ("1:05", 65.0), ("01:01:05", 3665.0), ("0:00.5", 0.5)],
)
def test_parse_time(text: str, seconds: float) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["", "1:75", "a", "1::2", "1:2:3:4", "1.5:20", "-3"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


def test_parse_source(tmp_path: Path) -> None:
    assert parse_source("pleno.mp4:1:05-2:30") == (Path("pleno.mp4"), Segment(65.0, 150.0))
    assert parse_source("pleno.mp4:65-150.5") == (Path("pleno.mp4"), Segment(65.0, 150.5))
    assert parse_source("pleno.mp4") == (Path("pleno.mp4"), None)
    odd = tmp_path / "sesión 1:2.wav"
    odd.write_bytes(b"x")
    assert parse_source(str(odd)) == (odd, None)  # an existing name with a colon is a file


@pytest.mark.parametrize("spec", ["pleno.mp4:2:30-1:05", "pleno.mp4:1:75-2:00", "pleno.mp4:10", ""])
def test_parse_source_bad_spec_says_the_format(spec: str) -> None:
    with pytest.raises(InputError) as e:
        parse_source(spec)
    assert "ARCHIVO:INICIO-FIN" in str(e.value)


def test_speech_regions_finds_the_loud_parts() -> None:
    rate = 16000
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    quiet = np.zeros(rate, dtype=np.float32) + 1e-5
    x = np.concatenate([quiet, tone, quiet, tone[: rate // 2]])
    regions = speech_regions(x, offset_s=10.0)
    assert len(regions) == 2
    assert regions[0].start == pytest.approx(11.0, abs=0.05)
    assert regions[0].end == pytest.approx(12.0, abs=0.05)
    assert regions[1].start == pytest.approx(13.0, abs=0.05)
    assert speech_regions(quiet) == []


def test_profiles_of_another_encoder_are_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ana = voice(1)
    old = profile("Ana", ana, model_id="resemblyzer")
    emb = {"S0": near(ana, 0.97)}
    assert name(emb, [old])[0].name is None
    assert "not used for naming" in caplog.text
    # The encoder is the part of the diarizer's id after the segmentation model's.
    other = diarized(emb, model_id="seg3.0:x+campplus:other")
    assert name_speakers(other, [profile("Ana", ana)])[0].name is None
    assert name(emb, [profile("Ana", ana)])[0].name == "Ana"


def test_a_named_speaker_carries_the_roster_person() -> None:
    ana = voice(1)
    tied = VoiceProfile(**{**vars_of(profile("Ana", ana)), "person_id": "p-17"})
    got = name({"S0": near(ana, 0.97)}, [tied])[0]
    assert (got.name, got.person_id) == ("Ana", "p-17")
    assert VoiceProfile.from_dict(tied.to_dict()).person_id == "p-17"


def vars_of(p: VoiceProfile) -> dict[str, object]:
    return {f: getattr(p, f) for f in p.__slots__}
