"""Each intervention in synthesis (ROF 109.1.g): the extractive summary, its bounds and its
wiring into the transcript (schema 1.2)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError
from transcripts import make_intervention, sample_transcript

from plenaria.assembly.acta import with_acta
from plenaria.assembly.redaction import redact_transcript
from plenaria.assembly.summary import SummaryOptions, clean, summarize, with_summaries
from plenaria.domain import SCHEMA_VERSION, Segment, Transcript
from plenaria.formats.jsonio import read_transcript, transcript_to_json

AGUA = (
    "Gracias, señora alcaldesa. Buenos días a todos. Nuestro grupo municipal votará en contra "
    "de la modificación de la ordenanza fiscal del agua, porque supone una subida del doce por "
    "ciento en la tasa para las familias. Eh, nosotros entendemos que el servicio tiene un coste, "
    "pero la empresa concesionaria Aguas de Villaejemplo ha tenido beneficios de 300.000 euros el "
    "último año. Ya lo dijimos en la comisión informativa del martes. Además, el informe de la "
    "intervención municipal advierte de que que el estudio de costes no está actualizado desde "
    "2019. Por eso pedimos que el punto se retire del orden del día y se encargue un estudio "
    "nuevo. Si no se retira, votaremos en contra. Muchas gracias."
)
MERCAT = (
    "Gràcies, senyora alcaldessa. Bon dia a tothom. El nostre grup votarà a favor de la moció, "
    "però volem fer algunes consideracions. La rehabilitació del mercat municipal de la plaça "
    "Major és una demanda dels veïns des de fa més de deu anys. El pressupost previst és de 1,2 "
    "milions d'euros i la Diputació de Barcelona n'aporta la meitat. Demanem que les obres no "
    "coincideixin amb la Festa Major i que es mantingui l'activitat dels paradistes durant tot "
    "el període. També proposem que es creï una comissió de seguiment amb representants de tots "
    "els grups. Moltes gràcies."
)
# A long answer heard without full stops: one sentence, split at its commas.
RUNON = (
    "bueno pues respecto a la pregunta del grupo socialista sobre el alumbrado de la avenida de "
    "la Constitución, le informo que el contrato se adjudicó en marzo por 84.000 euros, que las "
    "obras empezarán en cuanto llegue el material, que el plazo de ejecución es de cuatro meses, "
    "que la empresa adjudicataria es Electricidad Hermanos Gil, y que la subvención de la "
    "Diputación cubre el cuarenta por ciento del importe total de la inversión prevista, así que "
    "el ayuntamiento pone el resto con fondos propios del remanente de tesorería del año pasado"
)


def _words(text: str) -> int:
    return len(text.split())


def _sentences(text: str) -> list[str]:
    return [s.rstrip(".…") for s in re.split(r"(?<=[.!?…])\s+", text) if s]


@pytest.mark.parametrize("text", [AGUA, MERCAT])
def test_a_long_intervention_keeps_its_telling_sentences_in_order(text: str) -> None:
    summary = summarize(text)
    total = _words(clean(text))
    assert 0.2 * total <= _words(summary) <= 0.35 * total, summary
    cleaned = clean(text)
    places = [cleaned.find(s) for s in _sentences(summary)]
    assert all(p >= 0 for p in places) and places == sorted(places), summary
    # courtesies say nothing of what the speaker thinks
    assert not re.search(r"(?i)gr[aà]cies|gracias|buenos días|bon dia", summary)


def test_the_position_taken_is_in_the_summary() -> None:
    agua = summarize(AGUA)
    assert agua.startswith("Nuestro grupo municipal votará en contra de la modificación")
    mercat = summarize(MERCAT)
    assert mercat.startswith("El nostre grup votarà a favor de la moció")
    assert "El pressupost previst és de 1,2 milions d'euros" in mercat  # its figures


def test_a_short_intervention_is_its_own_summary_cleaned() -> None:
    said = "eh, bueno, que que nuestro grupo se abstiene en este punto ehm"
    assert summarize(said) == "Bueno, que nuestro grupo se abstiene en este punto."
    assert summarize("Sí, sí. A favor.") == "Sí, sí. A favor."
    assert summarize("El nostre grup s'absté.") == "El nostre grup s'absté."


@pytest.mark.parametrize("text", ["", "   ", "eh", "ehm mmm"])
def test_nothing_said_is_an_empty_summary(text: str) -> None:
    assert summarize(text) == ""


def test_one_long_sentence_is_cut_at_its_commas() -> None:
    summary = summarize(RUNON)
    total = _words(RUNON)
    assert total > 80 and _words(summary) <= SummaryOptions().sentence_words + 0.35 * total
    assert _words(summary) < 0.45 * total
    assert summary.endswith(("…", ".")) and summary[0].isupper()
    parts = [p.strip() for p in re.split(r"…", summary) if p.strip()]
    places = [RUNON.lower().find(p.lower()[:30]) for p in parts]
    assert all(p >= 0 for p in places) and places == sorted(places), summary
    assert "84.000 euros" in summary or "Electricidad Hermanos Gil" in summary


def test_the_summary_is_capped() -> None:
    long = " ".join(f"{AGUA} {MERCAT}" for _ in range(6))
    opts = SummaryOptions()
    summary = summarize(long)
    assert _words(summary) <= opts.max_words
    tight = SummaryOptions(max_words=30, min_words=10)
    assert _words(summarize(long, tight)) <= 30


def test_summaries_are_deterministic_and_depend_on_their_words_only() -> None:
    t = sample_transcript(4, {1: AGUA, 3: MERCAT})
    once = with_summaries(t)
    assert once.interventions[1].summary == summarize(AGUA)
    assert once.interventions[3].summary == summarize(MERCAT)
    assert once.interventions[0].summary.startswith("Buenos días. Se abre la sesión")
    assert with_summaries(once) is once  # nothing changed: the same object
    # a correction in another intervention leaves this one's summary as it was
    edited = replace(
        once,
        interventions=(
            make_intervention("SPEAKER_00", AGUA.replace("doce", "quince"), 2.0),
            *once.interventions[1:],
        ),
    )
    again = with_summaries(edited)
    assert again.interventions[1:] == once.interventions[1:]
    assert "quince por ciento" in again.interventions[0].summary


def test_a_summary_a_clerk_wrote_is_never_recomputed() -> None:
    t = with_summaries(sample_transcript(4, {1: AGUA}))
    mine = "El grupo vota en contra por la subida de la tasa del agua."
    by_clerk = replace(t.interventions[1], summary=mine, summary_edited=True)
    t = replace(t, interventions=(t.interventions[0], by_clerk, *t.interventions[2:]))
    # its words corrected afterwards: the clerk's synthesis stays
    corrected = replace(by_clerk, words=make_intervention("S", MERCAT, 0.0).words)
    t2 = replace(t, interventions=(t.interventions[0], corrected, *t.interventions[2:]))
    for result in (with_summaries(t), with_summaries(t2), with_acta(t2)):
        assert result.interventions[1].summary == mine
        assert result.interventions[1].summary_edited


def test_with_acta_summarises_and_the_json_carries_it(tmp_path: Path) -> None:
    t = with_acta(sample_transcript(4, {1: AGUA}))
    assert t.schema_version == SCHEMA_VERSION == "1.2"
    assert t.interventions[1].summary == summarize(AGUA)
    path = tmp_path / "pleno.json"
    path.write_text(transcript_to_json(t), encoding="utf-8")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema_version"] == "1.2"
    assert raw["interventions"][1]["summary"] == summarize(AGUA)
    assert raw["interventions"][1]["summary_edited"] is False
    assert read_transcript(path) == t


def test_a_1_1_file_reads_and_gets_its_summaries(tmp_path: Path) -> None:
    data = sample_transcript(4, {1: AGUA}).to_dict() | {"schema_version": "1.1"}
    for item in data["interventions"]:
        del item["summary"], item["summary_edited"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    old = read_transcript(path)
    assert old.schema_version == "1.1"
    assert all(i.summary == "" and not i.summary_edited for i in old.interventions)
    new = with_acta(old)
    assert new.schema_version == "1.2" and new.interventions[1].summary == summarize(AGUA)
    assert isinstance(Transcript.from_dict(data), Transcript)


def test_unknown_or_out_of_range_options_are_refused() -> None:
    with pytest.raises(ValidationError):
        SummaryOptions(ratio_pct=30)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SummaryOptions(ratio=0)


def test_a_redacted_word_never_reaches_the_public_summary() -> None:
    secret = "Villaejemplo"
    t = with_summaries(sample_transcript(4, {1: AGUA}))
    item = t.interventions[1]
    by_clerk = replace(item, summary=f"Critica a Aguas de {secret}.", summary_edited=True)
    t = replace(t, interventions=(t.interventions[0], by_clerk, *t.interventions[2:]))
    said = [w for w in item.words if secret in w.text]
    assert said and secret in by_clerk.summary
    public = redact_transcript(t, [Segment(w.start, w.end) for w in said])
    kept = public.interventions[1]
    assert secret not in kept.text and secret not in kept.summary
    assert kept.summary == summarize(kept.text) and not kept.summary_edited
    # the untouched interventions keep theirs
    assert public.interventions[0] == t.interventions[0]
