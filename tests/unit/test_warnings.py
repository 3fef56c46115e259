"""The warnings of a finished transcript: a recording with no speech says so."""

from __future__ import annotations

from dataclasses import replace

from transcripts import sample_transcript

from plenaria.assembly.warnings import NO_SPEECH, transcript_warnings, with_warnings
from plenaria.domain import Transcript


def test_no_word_at_all_is_the_no_speech_warning() -> None:
    empty = replace(sample_transcript(), interventions=(), turns=(), speakers=())
    assert transcript_warnings(empty) == (NO_SPEECH,)
    assert NO_SPEECH.startswith("No se ha detectado habla en la grabación")
    warned = with_warnings(empty)
    assert warned.warnings == (NO_SPEECH,) and empty.warnings == ()  # a new object
    assert with_warnings(warned) is warned  # not repeated
    # In the JSON (schema 1.1, additive) and back.
    data = warned.to_dict()
    assert data["schema_version"] == "1.2" and data["warnings"] == [NO_SPEECH]
    assert Transcript.from_dict(data).warnings == (NO_SPEECH,)
    assert Transcript.from_dict({k: v for k, v in data.items() if k != "warnings"}).warnings == ()


def test_a_transcript_with_words_has_no_warning() -> None:
    t = sample_transcript()
    assert t.words and transcript_warnings(t) == ()
    assert with_warnings(t) is t


def test_the_assemble_step_warns_when_no_chunk_heard_a_word() -> None:
    from plenaria.domain import Chunk, ChunkTranscript, Diarization, Segment
    from plenaria.graph.options import JobSpec
    from plenaria.graph.steps import assemble_transcript

    spec = JobSpec(original="uploads/x/original", file_name="silencio.wav")
    recording = sample_transcript().recording
    silent = [ChunkTranscript(Chunk(i, Segment(i * 30.0, (i + 1) * 30.0)), "", ()) for i in (0, 1)]
    t = assemble_transcript(recording, spec, silent, Diarization(()), [], "m")
    assert t.interventions == () and t.warnings == (NO_SPEECH,)
    spoken = assemble_transcript(
        recording,
        spec,
        [ChunkTranscript(Chunk(0, Segment(0.0, 30.0)), "es", sample_transcript().words)],
        Diarization(()),
        [],
        "m",
    )
    assert spoken.interventions and spoken.warnings == ()
