"""A whole scripted pleno for the acta's rendering checks and its screenshots.

Agenda, roster (attendance and quorum), an unnamed voice, unanimous and counted
votes, a synthesis on one intervention, a gap in the recording. Used by the
no-English test (tests/integration/test_acta_no_english.py) and by
scripts/acta_screenshots.py, so the pages looked at are the pages tested.
Import with ``from acta_demo import demo_transcript``.
"""

from __future__ import annotations

from dataclasses import replace

from acta_scripts import ROSTER, SESSION, build

from plenaria.assembly.acta import with_acta
from plenaria.domain import Segment, Transcript

LINES = [
    ("SPEAKER_00", "Buenos días. Siendo las diez y cuarto, se abre la sesión ordinaria."),
    ("SPEAKER_01", "Asisten cuatro concejales. Excusa su asistencia don Luis Pardo."),
    ("SPEAKER_00", "Pasamos al punto primero del orden del día."),
    ("SPEAKER_01", "Aprobación del acta de la sesión anterior."),
    ("SPEAKER_00", "¿Votos a favor? Cuatro. Se aprueba por unanimidad."),
    ("SPEAKER_01", "Punto segundo. Modificación de la ordenanza fiscal del agua."),
    (
        "SPEAKER_02",
        "Nuestro grupo votará en contra. La subida de la tasa del agua llega en mal momento "
        "para las familias del municipio, y el informe económico no explica por qué el "
        "coste del servicio ha crecido tanto en dos años. Pedimos que se deje sobre la mesa.",
    ),
    ("SPEAKER_00", "Votos a favor, tres; en contra, uno; abstenciones, ninguna. Queda aprobada."),
    ("SPEAKER_01", "Punto tercero. Ruegos y preguntas."),
    ("SPEAKER_02", "Ruego que se limpie la plaza."),
    ("SPEAKER_00", "Se levanta la sesión a las doce y media."),
]
SUMMARY = (
    "El portavoz de la oposición anuncia el voto en contra de su grupo: la subida llega en "
    "mal momento para las familias y el informe económico no justifica el coste; pide que "
    "el asunto quede sobre la mesa."
)


def demo_transcript() -> Transcript:
    t = with_acta(build(LINES, session=replace(SESSION, members=ROSTER.members, legal_members=5)))
    items = list(t.interventions)
    items[6] = replace(items[6], summary=SUMMARY)
    recording = replace(t.recording, gaps=(Segment(30.0, 42.0),))
    return replace(t, interventions=tuple(items), recording=recording)
