"""ROF 109.1.c: whether the session is held in first or second call, given or said."""

from __future__ import annotations

from dataclasses import replace

import pytest
from acta_scripts import ROSTER, SESSION, build, tokens_of_text

from plenaria.acts.draft import build_draft_acta
from plenaria.assembly.acta import find_call, with_acta
from plenaria.domain import Transcript
from plenaria.domain_acta import Acta
from plenaria.errors import InputError
from plenaria.session import session_from_mapping

OPENING = [
    ("SPEAKER_00", "Buenos días. Siendo las diez, se abre la sesión en primera convocatoria."),
    ("SPEAKER_01", "Punto primero. Aprobación del acta de la sesión anterior."),
]


@pytest.mark.parametrize(
    ("text", "call"),
    [
        ("Se abre la sesión en primera convocatoria.", "primera"),
        ("Se celebra en segunda convocatoria, a las diez.", "segunda"),
        ("S'obre la sessió en segona convocatòria.", "segunda"),
        ("Se abre la sesión.", None),
        ("No hubo quórum en primera convocatoria; se celebra en segunda convocatoria.", None),
        ("La convocatoria de subvenciones primera del año.", None),
    ],
)
def test_the_call_is_taken_only_when_one_is_said(text: str, call: str | None) -> None:
    assert find_call(tokens_of_text(text)) == call


def test_the_acta_writes_the_call_beside_the_sessions_character() -> None:
    session = replace(SESSION, members=ROSTER.members, legal_members=5)
    said = with_acta(build(OPENING, session=session))
    assert said.acta is not None and said.acta.call == "primera"
    assert Acta.from_dict(said.acta.to_dict()).call == "primera"

    def session_line(t: Transcript, lang: str) -> str:
        document = build_draft_acta(t, lang=lang, media_name="pleno.mp4")
        texts = [p.text for p in document.paragraphs]
        return next(x for x in texts if x.startswith(("Sesión:", "Sessió:")))

    assert session_line(said, "es") == "Sesión: ordinaria, en primera convocatoria"
    assert session_line(said, "ca") == "Sessió: ordinària, en primera convocatòria"
    given = with_acta(build(OPENING, session=replace(session, call="segunda")))
    assert session_line(given, "es") == "Sesión: ordinaria, en segunda convocatoria"
    nothing = with_acta(build(OPENING[1:], session=session))
    assert session_line(nothing, "es") == "Sesión: ordinaria"


def test_a_session_file_gives_the_call_or_is_refused() -> None:
    assert session_from_mapping({"call": "Segunda"}).call == "segunda"
    assert session_from_mapping({}).call == ""
    with pytest.raises(InputError, match="call: primera o call: segunda"):
        session_from_mapping({"call": "tercera"})
