"""What a clerk must be told about a finished transcript: one Spanish line each.

Pure functions over the canonical :class:`~plenaria.domain.Transcript`; the
job still finishes (a warning is no failure), and the lines travel in the
transcript's ``warnings`` and the job's.
"""

from __future__ import annotations

from dataclasses import replace

from plenaria.domain import Transcript

NO_SPEECH = (
    "No se ha detectado habla en la grabación: la transcripción está vacía. Compruebe que "
    "es la grabación de la sesión y que tiene sonido (volumen, pista de audio correcta)."
)


def transcript_warnings(transcript: Transcript) -> tuple[str, ...]:
    """The warnings a transcript calls for: no word at all is :data:`NO_SPEECH`."""
    if not any(i.words or i.text.strip() for i in transcript.interventions):
        return (NO_SPEECH,)
    return ()


def with_warnings(transcript: Transcript) -> Transcript:
    """``transcript`` with its own warnings added to those it has (none repeated)."""
    found = tuple(dict.fromkeys((*transcript.warnings, *transcript_warnings(transcript))))
    return transcript if found == transcript.warnings else replace(transcript, warnings=found)
