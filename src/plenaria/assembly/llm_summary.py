"""Each intervention in synthesis by a language model, where a council wants one.

``PLENARIA_SUMMARY_MODEL`` names a folder holding a CTranslate2 decoder ("generator")
model, as ``ct2-transformers-converter --copy_files tokenizer.json`` writes it:
``model.bin``, ``config.json``, the vocabulary and the Hugging Face ``tokenizer.json``.
The job's assemble step, on the worker that runs it (route it to the GPU workers with
``PLENARIA_QUEUE_ROUTES=assemble=asr``), asks the model for a summary of every intervention
longer than ``short_words``; what it writes replaces the extractive one and is marked
with the digest of the words it was made from (``summary_by``), so that a correction
elsewhere keeps it and a correction of those words gives the extractive one again (the
web process loads no model). A clerk's summary is never replaced.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from plenaria.assembly.summary import SummaryOptions, clean, llm_mark
from plenaria.domain import Intervention, Transcript
from plenaria.errors import ConfigError

log = logging.getLogger(__name__)

PROMPTS = {
    "es": "Resume en una o dos frases, en tercera persona, lo que dice {speaker} en el pleno."
    "\nIntervención: {text}\nResumen:",
    "ca": "Resumeix en una o dues frases, en tercera persona, el que diu {speaker} al ple."
    "\nIntervenció: {text}\nResum:",
}
MAX_SUMMARY_TOKENS = 160
MAX_INPUT_TOKENS = 3000


class Summarizer(Protocol):
    model_id: str

    def generate(self, prompt: str) -> str: ...


class CTranslate2Summarizer:
    """A CTranslate2 generator and its tokenizer, greedy decoding; thread-safe."""

    def __init__(self, folder: Path, device: str = "auto") -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        missing = [n for n in ("model.bin", "tokenizer.json") if not (folder / n).is_file()]
        if missing:
            raise ConfigError(
                f"PLENARIA_SUMMARY_MODEL: la carpeta {folder} no tiene {', '.join(missing)}.",
                "Convierta el modelo con ct2-transformers-converter --copy_files "
                "tokenizer.json, o deje PLENARIA_SUMMARY_MODEL vacío (resúmenes extractivos).",
            )
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        try:
            self._generator = ctranslate2.Generator(str(folder), device=device)
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as e:
            raise ConfigError(
                f"PLENARIA_SUMMARY_MODEL: no se pudo cargar el modelo de {folder} ({e}).",
                "Compruebe que es un modelo generador de CTranslate2 con su tokenizer.json.",
            ) from e
        self.model_id = f"ctranslate2:{folder.name}"
        self._lock = threading.Lock()

    def generate(self, prompt: str) -> str:
        ids = self._tokenizer.encode(prompt).ids[-MAX_INPUT_TOKENS:]
        tokens = [self._tokenizer.id_to_token(i) or "" for i in ids]
        with self._lock:
            result = self._generator.generate_batch(
                [tokens],
                max_length=MAX_SUMMARY_TOKENS,
                sampling_topk=1,
                include_prompt_in_result=False,
            )
        return str(self._tokenizer.decode(list(result[0].sequences_ids[0])))


@functools.lru_cache(maxsize=2)
def load_summarizer(folder: str, device: str = "auto") -> CTranslate2Summarizer:
    """The model of ``folder``, loaded once per process."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"PLENARIA_SUMMARY_MODEL: {folder} no es una carpeta.",
            "Dé la carpeta del modelo convertido, o déjelo vacío (resúmenes extractivos).",
        )
    return CTranslate2Summarizer(path, device)


def _said(text: str) -> str:
    """The model's answer as a summary: its first paragraph, cleaned; "" when it wrote none."""
    first = text.strip().split("\n\n")[0]
    return clean(" ".join(first.split()))


def with_llm_summaries(
    transcript: Transcript,
    summarizer: Summarizer,
    lang: str = "es",
    options: SummaryOptions | None = None,
) -> Transcript:
    """``transcript`` with the model's summary of each long intervention a clerk did not
    write; an intervention the model answers nothing for keeps the extractive summary."""
    opts = options or SummaryOptions()
    prompt = PROMPTS.get(lang, PROMPTS["es"])
    labels = {s.id: s.label_in(lang) for s in transcript.speakers}

    def summarised(item: Intervention) -> Intervention:
        if item.summary_edited or len(item.text.split()) <= opts.short_words:
            return item
        answer = _said(
            summarizer.generate(
                prompt.format(speaker=labels.get(item.speaker, item.speaker), text=item.text)
            )
        )
        if not answer:
            log.warning("the summary model wrote nothing for %s", item.id)
            return item
        return replace(item, summary=answer, summary_by=llm_mark(item.text))

    return replace(transcript, interventions=tuple(summarised(i) for i in transcript.interventions))


def llm_summaries_of(transcript: Transcript, folder: str, lang: str) -> Transcript:
    """The step's entry point: ``folder`` empty gives ``transcript`` as it is."""
    if not folder:
        return transcript
    return with_llm_summaries(transcript, load_summarizer(folder), lang)
