"""Transcript outputs: JSON round trip and errors, WebVTT and SRT captions."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from transcripts import SPEAKERS, make_intervention, sample_transcript

from plenaria.domain import Intervention, Speaker, Transcript
from plenaria.errors import ConfigError, InputError
from plenaria.formats.captions import build_cues, to_srt, to_webvtt
from plenaria.formats.jsonio import read_transcript, transcript_to_json, write_transcript
from plenaria.formats.timefmt import format_clock, format_timestamp

# --- JSON -------------------------------------------------------------------


def test_json_round_trip_is_exact_and_keeps_accents(tmp_path: Path) -> None:
    t = sample_transcript(6, {1: 'Dijo "sí" & <no>; l·l, ñ, à… fi\x07n'})
    path = write_transcript(t, tmp_path / "pleno.json")
    assert path == tmp_path / "pleno.json"
    assert read_transcript(path) == t
    raw = path.read_text(encoding="utf-8")
    assert "Alcaldesa María Pérez" in raw  # not \u00ed escapes
    assert raw.startswith('{\n  "schema_version": "1.2"')
    assert json.loads(raw)["session"]["council"] == "Ayuntamiento de Villaejemplo"
    assert [p.name for p in tmp_path.iterdir()] == ["pleno.json"]  # no temporary left


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out" / "t.json"
    write_transcript(sample_transcript(2), path)
    write_transcript(sample_transcript(3), path)
    assert len(read_transcript(path).interventions) == 3
    assert transcript_to_json(sample_transcript(3)) == path.read_text(encoding="utf-8")


def test_reading_a_file_that_is_not_json_names_it(tmp_path: Path) -> None:
    path = tmp_path / "acta.docx"
    path.write_bytes(b"PK\x03\x04 not json at all")
    with pytest.raises(InputError) as info:
        read_transcript(path)
    assert str(path) in info.value.message and "no es JSON" in info.value.message
    assert "transcripción" in info.value.hint


def test_reading_another_schema_major_version_says_what_to_do(tmp_path: Path) -> None:
    data = sample_transcript(1).to_dict() | {"schema_version": "2.0"}
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_transcript(path)
    assert "'2.0'" in info.value.message and str(path) in info.value.message
    assert "Vuelva a procesar" in info.value.hint
    # A newer minor version of the same major one is read.
    path.write_text(json.dumps(data | {"schema_version": "1.7"}), encoding="utf-8")
    assert read_transcript(path).schema_version == "1.7"


@pytest.mark.parametrize(
    "content", ['["a", "list"]', '{"schema_version": "1.0", "recording": {}}', ""]
)
def test_reading_json_that_is_no_transcript(tmp_path: Path, content: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(str(path))):
        read_transcript(path)


def test_reading_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No existe el archivo de transcripción"):
        read_transcript(tmp_path / "nope.json")


# --- time notation ----------------------------------------------------------


def test_timestamps() -> None:
    assert format_timestamp(0) == "00:00:00.000"
    assert format_timestamp(3725.5) == "01:02:05.500"
    assert format_timestamp(59.9996) == "00:01:00.000"
    assert format_timestamp(1.2345, decimal_sep=",") == "00:00:01,234"
    assert format_timestamp(-3) == "00:00:00.000"
    assert format_timestamp(100 * 3600) == "100:00:00.000"
    assert format_clock(3725.99) == "01:02:05"
    assert format_clock(float("nan")) == "00:00:00"


# --- captions ---------------------------------------------------------------


def _small() -> Transcript:
    """Two interventions whose cues are worked out by hand in the tests below."""
    return _with(
        sample_transcript(0),
        make_intervention("SPEAKER_00", "Se abre la sesión. Primer punto del orden", 1.0),
        make_intervention("SPEAKER_01", "Gracias, pero R&D <no> votamos.", 10.0),
    )


def _with(t: Transcript, *interventions: Intervention) -> Transcript:
    return replace(t, interventions=interventions)


EXPECTED_VTT = """\
WEBVTT

00:00:01.000 --> 00:00:02.500
<v Alcaldesa María Pérez>Se abre la
sesión.

00:00:02.600 --> 00:00:04.100
<v Alcaldesa María Pérez>Primer punto
del orden

00:00:10.000 --> 00:00:11.500
<v Interviniente 2>Gracias, pero
R&amp;D &lt;no&gt;

00:00:11.600 --> 00:00:11.900
<v Interviniente 2>votamos.
"""

EXPECTED_SRT = """\
1
00:00:01,000 --> 00:00:02,500
Alcaldesa María Pérez: Se abre la
sesión.

2
00:00:02,600 --> 00:00:04,100
Primer punto
del orden

3
00:00:10,000 --> 00:00:11,500
Interviniente 2: Gracias, pero
R&D <no>

4
00:00:11,600 --> 00:00:11,900
votamos.
"""


def test_webvtt_exact_output_cuts_after_punctuation_and_escapes() -> None:
    assert to_webvtt(_small(), max_chars=30) == EXPECTED_VTT


def test_srt_exact_output_names_the_speaker_on_each_intervention() -> None:
    assert to_srt(_small(), max_chars=30) == EXPECTED_SRT


def _vtt_cues(vtt: str) -> list[tuple[str, str, str, str]]:
    """(start, end, voice, text) of each cue, text unescaped and on one line."""
    blocks = vtt.strip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        timing, *lines = block.split("\n")
        start, end = timing.split(" --> ")
        m = re.fullmatch(r"<v ([^>]*)>(.*)", " ".join(lines), re.S)
        assert m, block
        cues.append((start, end, html.unescape(m[1]), html.unescape(m[2])))
    return cues


def test_every_word_appears_exactly_once_in_time_order() -> None:
    t = sample_transcript(9, {4: "Una intervención con muchas palabras " * 12})
    cues = _vtt_cues(to_webvtt(t, max_chars=40, max_cue_s=3.0))
    assert [tok for _, _, _, text in cues for tok in text.split()] == [w.text for w in t.words]
    starts = [start for start, _, _, _ in cues]
    assert starts == sorted(starts)
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", s) for c in cues for s in c[:2])
    assert all(len(text) <= 40 for _, _, _, text in cues)


def test_cues_respect_the_duration_limit_and_never_mix_interventions() -> None:
    t = sample_transcript(4)
    cues = build_cues(t, max_chars=200, max_cue_s=2.0)
    assert all(c.end - c.start <= 2.0 for c in cues)
    # Each cue lies inside one intervention, and speaks with that intervention's voice.
    for c in cues:
        owners = [
            i for i in t.interventions if i.segment.start <= c.start and c.end <= i.segment.end
        ]
        assert len(owners) == 1
        assert c.speaker == t.speaker(owners[0].speaker).label
    # Two short interventions of the same speaker, one after the other, stay two cues.
    same = _with(
        sample_transcript(0),
        make_intervention("SPEAKER_01", "Sí.", 5.0),
        make_intervention("SPEAKER_01", "No.", 5.4),
    )
    assert [c.text for c in build_cues(same)] == ["Sí.", "No."]
    assert _vtt_cues(to_webvtt(same))[1][2] == "Interviniente 2"


def test_a_word_longer_than_a_cue_gets_a_cue_of_its_own() -> None:
    long_word = "Anticonstitucionalísimamente-dicho"
    t = sample_transcript(1, {0: f"Es {long_word} así"})
    assert [c.text for c in build_cues(t, max_chars=10)] == ["Es", long_word, "así"]


def test_srt_numbering_and_speaker_prefix_on_first_cue_only() -> None:
    t = sample_transcript(3)
    srt = to_srt(t, max_chars=30)
    blocks = srt.strip("\n").split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == [str(n) for n in range(1, len(blocks) + 1)]
    assert all(
        re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", b.split("\n")[1])
        for b in blocks
    )
    prefixed = [
        n
        for n, b in enumerate(blocks)
        if b.split("\n")[2].startswith(("Alcaldesa María Pérez: ", "Interviniente 2: "))
    ]
    firsts = [n for n, c in enumerate(build_cues(t, max_chars=30)) if c.first]
    assert len(blocks) > 3 and len(firsts) == 3  # one per intervention
    assert prefixed == firsts
    assert blocks[0].split("\n")[2].startswith("Alcaldesa María Pérez: Buenos días.")


def test_labels_and_odd_whitespace_cannot_break_the_files() -> None:
    speakers = (Speaker("SPEAKER_00", name="Grupo <A> & B"), *SPEAKERS[1:])
    t = sample_transcript(1, {0: "uno"}, speakers=speakers)
    word = replace(t.interventions[0].words[0], text="dos\n\ntres --> cuatro")
    t = _with(t, replace(t.interventions[0], words=(word,)))
    vtt = to_webvtt(t)
    assert "<v Grupo &lt;A&gt; &amp; B>dos tres --&gt; cuatro\n" in vtt
    assert _vtt_cues(vtt)[0][3] == "dos tres --> cuatro"
    assert "Grupo <A> & B: dos tres -> cuatro\n" in to_srt(t)


def test_empty_transcript_and_bad_limits() -> None:
    empty = sample_transcript(0)
    assert to_webvtt(empty) == "WEBVTT\n"
    assert to_srt(empty) == ""
    with pytest.raises(ConfigError, match="max_chars=0"):
        to_webvtt(sample_transcript(1), max_chars=0)
    with pytest.raises(ConfigError, match="max_cue_s=-1"):
        to_srt(sample_transcript(1), max_cue_s=-1)
