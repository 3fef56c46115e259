"""Each intervention in synthesis (ROF art. 109.1.g): an extractive summary, offline.

A short intervention (``short_words`` or fewer) is its own summary, cleaned of
hesitations ("eh", "ehm") and stuttered repeats ("que que"). A longer one keeps its
most informative sentences, in their original order, to about ``ratio`` of its words
and at most ``max_words``. A sentence scores by its content words (Spanish and
Catalan function words and courtesies left out), each worth how often the speaker
says it in the intervention; numbers, names and the words that state a position
("a favor", "en contra", "abstención", "proposem") add to it, and the first sentence,
where a speaker usually says what they think, counts more. A sentence too long to fit
is split at its commas.

The summary depends on the intervention's words only, so summarising again an
unchanged intervention gives the same text, and a correction changes only the summary
of the intervention it touched. A summary written by a clerk (``summary_edited``) is
never recomputed. Deterministic and pure: no model, no download.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from plenaria.domain import SCHEMA_VERSION, Intervention, Transcript


class SummaryOptions(BaseModel):
    """How long an intervention's summary is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    short_words: int = Field(
        default=40, ge=1, le=500, description="An intervention this long or shorter is kept whole."
    )
    ratio: float = Field(
        default=0.33, gt=0, le=1, description="The share of a longer intervention's words kept."
    )
    min_words: int = Field(
        default=20, ge=1, le=500, description="The fewest words a longer one's summary aims at."
    )
    max_words: int = Field(
        default=120, ge=10, le=2000, description="The most words of any summary but a short one."
    )
    sentence_words: int = Field(
        default=30,
        ge=5,
        le=500,
        description="A sentence longer than this is split at its commas to be chosen in parts.",
    )


# Function words, fillers and courtesies of Spanish and Catalan: they say nothing of
# what a speaker thinks, so they score nothing.
_STOP_WORDS = """
    a al algo alguna algunas alguno algunos ante antes aquel aquella aquellas aquellos aqui
    así asi aun aún bien cada como cómo con contra cual cuales cuando cuándo cuanto de del
    desde donde dónde dos el él ella ellas ello ellos en entre era eran es esa esas ese eso
    esos esta está están estaba estamos estan estas este esto estos estoy fue fueron ha
    había habia han has hasta hay he hemos la las le les lo los más mas me mi mis mismo
    mucho muy nada ni no nos nosotros nuestra nuestras nuestro nuestros o os otra otras
    otro otros para pero poco por porque pues que qué quien quién se sea ser si sí sido
    sin sino sobre son su sus también tambien tan tanto te tenemos tener tengo tiene
    tienen todo todos toda todas tras tu tus un una uno unos unas usted ustedes va vamos
    van y ya yo hacer hace hecho puede pueden podemos decir dicho creo cree vez veces
    bueno buenos buenas buen gracias muchas muchísimas días dias tardes noches señor señora
    señores señoras alcalde alcaldesa presidente presidenta secretario secretaria concejal
    concejala compañero compañera compañeros eh ehm em mm mmm hmm ah oh vale okey efectivamente
    simplemente entonces luego aquí ahí allí ahora hoy verdad cosa cosas parte tema
    ens els la les li lo això aixo açò aquest aquesta aquests aquestes aquell aquella
    aquells aquelles amb com de del dels des doncs dues el ell ella elles ells em en és
    era eren es esta està estan estem estic fa fer ha han has hem heu hi i jo ja la les
    meu meva meus mi molt molta molts moltes més mes ni no nosaltres nostra nostre nostres
    o on per però perquè pel pels poc qual quan que què qui se ser si sí sobre son són
    també tan tant te té tenim tenir tinc tot tota tots totes un una uns unes vostè
    vostès va van vam vaig vos us ara avui aquí allà bé bon bona bons bones gràcies
    gracies moltes dia tarda senyor senyora senyors senyores alcaldessa president
    presidenta regidor regidora company companya companys doncs llavors cosa coses
"""
_STOP = frozenset(_STOP_WORDS.split())
FIRST_BONUS = 1.5
_HESITATIONS = frozenset({"eh", "ehm", "em", "emm", "mm", "mmm", "hmm", "ah", "uh", "um"})
# Words that state a position on what is debated: a sentence holding one says it.
_STANCE = re.compile(
    r"^(favor|contra|abst\w*|vot\w*|propo\w*|propue\w*|pedi\w*|pide\w*|solicit\w*|"
    r"exig\w*|demana\w*|rechaz\w*|rebutj\w*|apoy\w*|suport\w*|enmienda\w*|esmena\w*|"
    r"moci\w*|acuerd\w*|acord\w*|aprova\w*|aproba\w*|insta\w*|reclam\w*)$"
)
_WORD = re.compile(r"[^\W_]+(?:['’·.,][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


@dataclass(frozen=True, slots=True)
class _Piece:
    """A sentence, or a part of a long one, as chosen: its place, its text, its score."""

    index: int
    text: str
    words: int
    whole: bool  # a whole sentence (else a part, shown ending in "…")
    score: float = 0.0


def clean(text: str) -> str:
    """``text`` without hesitations and stuttered repeats, spaced, capitalised, ended."""
    out: list[str] = []
    for token in text.split():
        bare = token.strip(".,;:!?¿¡…\"'«»()").lower()
        if bare in _HESITATIONS:
            if out and token[-1] in ".!?…,;:" and out[-1][-1] not in ".!?…,;:":
                out[-1] += token[-1]  # "dicho eh." keeps its full stop
            continue
        previous = out[-1].lower() if out else ""
        if bare and previous == bare and token[-1] not in ".!?…,;:":
            continue  # "que que" said once; "no, no." left as said
        out.append(token)
    joined = " ".join(out)
    joined = re.sub(r"\s+([,;:.!?…])", r"\1", joined).strip()
    if not joined:
        return ""
    joined = joined[0].upper() + joined[1:]
    return joined if joined[-1] in ".!?…" else joined + "."


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _content(word: str) -> str | None:
    """A word's key when it says something (lower case), None for a function word."""
    low = word.lower().replace("’", "'")
    if any(ch.isdigit() for ch in low):
        return low
    low = low.split("'")[-1]  # "l'ajuntament" -> "ajuntament"
    if len(low) < 3 or low in _STOP:
        return None
    return low


def _pieces(text: str, limit: int) -> list[tuple[str, bool]]:
    """The sentences of ``text``; one longer than ``limit`` words in parts split at its
    commas (and at ``limit`` words when a part is still longer)."""
    out: list[tuple[str, bool]] = []
    for sentence in _SENTENCE_END.split(text):
        if len(sentence.split()) <= limit:
            out.append((sentence, True))
            continue
        parts: list[str] = []
        for clause in _CLAUSE_END.split(sentence):
            tokens = clause.split()
            chunks = [" ".join(tokens[k : k + limit]) for k in range(0, len(tokens), limit)]
            for chunk in chunks:
                if parts and len(parts[-1].split()) + len(chunk.split()) <= limit:
                    parts[-1] = f"{parts[-1]} {chunk}"
                else:
                    parts.append(chunk)
        out.extend((p, k == len(parts) - 1) for k, p in enumerate(parts))
    return [(p.strip(), whole) for p, whole in out if p.strip()]


def _score(text: str, weights: Counter[str]) -> float:
    """How much a sentence says: 0 for one of courtesies and function words only."""
    words = _words(text)
    keys = {k for k in (_content(w) for w in words) if k is not None}
    if not keys:
        return 0.0
    score = sum(weights[k] for k in keys) / math.sqrt(len(words))
    score += sum(1.0 for k in keys if any(ch.isdigit() for ch in k))
    score += 0.5 * sum(1 for w in words[1:] if w[0].isupper() and _content(w) is not None)
    return score + 1.5 * len({w.lower() for w in words if _STANCE.match(w.lower())})


def summarize(text: str, options: SummaryOptions | None = None) -> str:
    """The synthesis of what one speaker said (``text``), in their own words."""
    opts = options or SummaryOptions()
    cleaned = clean(text)
    total = len(cleaned.split())
    if total <= opts.short_words:
        return cleaned
    weights = Counter(k for k in (_content(w) for w in _words(cleaned)) if k is not None)
    pieces = [
        _Piece(n, piece, len(piece.split()), whole)
        for n, (piece, whole) in enumerate(_pieces(cleaned, opts.sentence_words))
    ]
    scored = [replace(p, score=_score(p.text, weights)) for p in pieces]
    said = [p for p in scored if p.score > 0]
    if not said:  # courtesies only: the opening words stand for it
        said = scored[:1]
    # the first sentence that says something, where a position is usually stated
    said[0] = replace(said[0], score=said[0].score * FIRST_BONUS)
    budget = min(opts.max_words, max(opts.min_words, round(opts.ratio * total)))
    chosen: list[_Piece] = []
    used = 0
    for piece in sorted(said, key=lambda p: (-p.score, p.index)):
        if used + piece.words <= budget or not chosen:
            chosen.append(piece)
            used += piece.words
    return " ".join(_shown(p) for p in sorted(chosen, key=lambda p: p.index))


def _shown(piece: _Piece) -> str:
    text = piece.text[0].upper() + piece.text[1:]
    if piece.whole:
        return text if text[-1] in ".!?…" else text + "."
    return text.rstrip(",;:") + "…"


def llm_mark(text: str) -> str:
    """What ``summary_by`` holds for a language model's summary of ``text``."""
    import hashlib

    return "llm:" + hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def summary_of(item: Intervention, options: SummaryOptions | None = None) -> str:
    """``item``'s summary: the clerk's when a clerk wrote it, a language model's while the
    words it was made from stand, else made from its words."""
    if item.summary_edited or (item.summary_by and item.summary_by == llm_mark(item.text)):
        return item.summary
    return summarize(item.text, options)


def _kept(item: Intervention, options: SummaryOptions | None) -> Intervention:
    s = summary_of(item, options)
    if s == item.summary:
        return item
    return replace(item, summary=s, summary_by="")


def with_summaries(transcript: Transcript, options: SummaryOptions | None = None) -> Transcript:
    """A new transcript with each intervention's summary made again from its words, except
    those a clerk wrote (and a language model's, while its words stand). Run after assembly
    and after every correction."""
    items = tuple(_kept(item, options) for item in transcript.interventions)
    if items == transcript.interventions and transcript.schema_version == SCHEMA_VERSION:
        return transcript
    return replace(transcript, interventions=items, schema_version=SCHEMA_VERSION)
