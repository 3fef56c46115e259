"""Summaries by a language model (PLENARIA_SUMMARY_MODEL): the real CTranslate2 generator and
Hugging Face tokenizer code, on a tiny decoder with random weights and a word-level
tokenizer made here (no language model ships offline): what it writes becomes the summary
of each long intervention, marked with its words' digest; kept while those words stand;
the extractive one again when they change; a clerk's never replaced; a bad folder is one
Spanish line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from transcripts import make_intervention

from plenaria.assembly.llm_summary import (
    CTranslate2Summarizer,
    llm_summaries_of,
    load_summarizer,
    with_llm_summaries,
)
from plenaria.assembly.summary import llm_mark, summarize, with_summaries
from plenaria.domain import Recording, SessionInfo, Speaker, Transcript
from plenaria.errors import ConfigError

WORDS = [
    *("<unk>", "<s>", "</s>", "el", "la", "de", "que", "en", "y", "a", "los", "se", "del"),
    *("las", "un", "por", "con", "no", "una", "su", "para", "es", "al", "lo", "como", "más"),
    *("pero", "sus", "le", "ha", "me", "si", "sin", "sobre", "este", "ya", "entre", "cuando"),
    *("todo", "esta", "ser", "son", "dos", "también", "fue", "grupo", "vota", "contra"),
    *("favor", "agua", "tasa", "pleno", "punto"),
]
LONG = (
    "Nuestro grupo votará en contra de la modificación. La subida de la tasa del agua llega "
    "en mal momento para las familias del municipio, y el informe económico no explica por "
    "qué el coste del servicio ha crecido tanto en dos años. Pedimos que se deje sobre la "
    "mesa hasta que tengamos los números del servicio y una propuesta de bonificaciones."
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ctranslate2 import specs
    from ctranslate2.specs import common_spec
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    d, ff, vocab = 16, 32, len(WORDS)
    rng = np.random.default_rng(7)

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.3).astype(np.float32)

    def norm(layer: object) -> None:
        layer.gamma = np.ones(d, np.float32)  # type: ignore[attr-defined]
        layer.beta = np.zeros(d, np.float32)  # type: ignore[attr-defined]

    spec = specs.TransformerDecoderModelSpec.from_config(
        2, 2, pre_norm=True, activation=common_spec.Activation.GELU
    )
    dec = spec.decoder
    dec.embeddings.weight = w(vocab, d)
    dec.position_encodings.encodings = w(4096, d)
    norm(dec.layer_norm)
    dec.projection.weight, dec.projection.bias = w(vocab, d), np.zeros(vocab, np.float32)
    for layer in dec.layer:
        att, ffn = layer.self_attention, layer.ffn
        norm(att.layer_norm)
        norm(ffn.layer_norm)
        att.linear[0].weight, att.linear[0].bias = w(3 * d, d), np.zeros(3 * d, np.float32)
        att.linear[1].weight, att.linear[1].bias = w(d, d), np.zeros(d, np.float32)
        ffn.linear_0.weight, ffn.linear_0.bias = w(ff, d), np.zeros(ff, np.float32)
        ffn.linear_1.weight, ffn.linear_1.bias = w(d, ff), np.zeros(d, np.float32)
    spec.register_vocabulary(WORDS)
    spec.config.bos_token, spec.config.eos_token, spec.config.unk_token = "<s>", "</s>", "<unk>"
    spec.validate()
    spec.optimize("float32")
    folder = tmp_path_factory.mktemp("llm") / "tiny"
    folder.mkdir()
    spec.save(str(folder))
    tokenizer = Tokenizer(WordLevel({t: k for k, t in enumerate(WORDS)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def transcript() -> Transcript:
    one = replace(make_intervention("SPEAKER_00", "Buenos días. Se abre la sesión.", 0.0), id="i1")
    two = replace(make_intervention("SPEAKER_01", LONG, 5.0), id="i2")
    three = replace(make_intervention("SPEAKER_02", LONG, 60.0), id="i3")
    items = (one, two, replace(three, summary="Lo del clerk.", summary_edited=True))
    speakers = (Speaker("SPEAKER_00"), Speaker("SPEAKER_01"), Speaker("SPEAKER_02"))
    rec = Recording("pleno.mp4", "ab" * 32, 10, 120.0, "mov,mp4")
    return with_summaries(Transcript(rec, SessionInfo(id="s"), speakers, (), items, ("es",)))


def test_the_model_summarises_each_long_intervention(model_dir: Path) -> None:
    model = CTranslate2Summarizer(model_dir, "cpu")
    wrote = model.generate("el grupo vota en contra de la tasa del agua")
    assert wrote.strip() and set(wrote.split()) <= set(WORDS)  # the model's own words
    before = transcript()
    after = with_llm_summaries(before, model)
    short, long, clerk = after.interventions
    assert short == before.interventions[0]  # 40 words or fewer: its own summary
    assert long.summary_by == llm_mark(long.text) and long.summary
    assert long.summary != summarize(long.text)  # not the extractive one
    assert {x.strip(".,").lower() for x in long.summary.split()} <= set(WORDS)
    assert clerk.summary == "Lo del clerk." and clerk.summary_by == ""
    assert Transcript.from_dict(after.to_dict()).interventions[1].summary_by == long.summary_by
    # a correction elsewhere keeps it; a correction of its words gives the extractive one
    kept = with_summaries(after)
    assert kept.interventions[1].summary == long.summary
    changed = replace(long, words=long.words[:-3])
    again = with_summaries(replace(after, interventions=(short, changed, clerk)))
    assert again.interventions[1].summary == summarize(changed.text)
    assert again.interventions[1].summary_by == ""
    assert llm_summaries_of(before, "", "es") is before  # no model: nothing to do
    assert llm_summaries_of(before, str(model_dir), "es").interventions[1].summary_by


def test_a_folder_that_is_not_a_model_is_one_spanish_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no es una carpeta"):
        load_summarizer(str(tmp_path / "nada"))
    (tmp_path / "vacía").mkdir()
    with pytest.raises(ConfigError, match=r"no tiene model\.bin, tokenizer\.json") as e:
        load_summarizer(str(tmp_path / "vacía"))
    assert "ct2-transformers-converter" in e.value.hint
