"""Naming diarized voices from enrolled voice profiles (pure: NumPy and SciPy only).

A :class:`VoiceProfile` is one person's voice as a voice embedding (192-d
CAM++ by default; never audio): the duration-weighted mean of every piece
enrolled so far, with how many seconds and samples it was built from, and the
``model_id`` of the encoder that made it: a profile is only compared with
speakers embedded by the same encoder. :func:`enroll` returns a new, updated
profile. :func:`name_speakers` matches each diarized speaker's centroid (from
the :class:`Diarization`) to the profiles with a calibrated probability, one
name per speaker and one speaker per name (an optimal assignment), and leaves a
speaker unnamed ("Speaker N", for the clerk) when no profile is likely enough, or
when two profiles are about as close (look-alikes, or two people merged by
diarization): a wrong name in an acta is worse than none.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from plenaria.domain import Diarization, Speaker
from plenaria.errors import InputError

log = logging.getLogger(__name__)

# calibrated_score(cos) = 1 / (1 + exp(-SCORE_SLOPE * (cos - SCORE_CENTER))), the
# cosine being between a diarized speaker's CAM++ centroid and a profile enrolled
# from other speech of a person. Fitted by ``bench/naming.py --set tuning --calibrate``
# (class-balanced logistic) on the tuning set only; see bench/README.md.
SCORE_SLOPE = 25.08
SCORE_CENTER = 0.6406
# The default naming threshold on that probability (issue 18): just above the score of
# the nearest different-person pair of the calibration split and the tuning set
# (``bench/evaluate.py --calibrate``: cosine 0.762, score 0.954; 22 same-person and 84
# different-person pairs, profiles enrolled from 10-23 s, unseen voices included), so
# none of them would be named; 9.1 % of the same-person pairs fall below it. It was
# 0.91 (cosine 0.733, the tuning set's 99.5 % quantile), which let that pair through.
# On the evaluation set every named label scores 0.992 or more and the figures are the
# same at both (bench/README.md). An unnamed "Interviniente N" costs the clerk a click,
# a wrong name costs a wrong acta.
DEFAULT_THRESHOLD = 0.955
# The default margin (cosine) by which a speaker's best profile must beat its
# second best: two look-alike voices, or two people merged by diarization, stay
# unnamed.
DEFAULT_MARGIN_COS = 0.05

Vector = npt.NDArray[np.float64]


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def profile_id(name: str) -> str:
    """A file-safe id for a person's name: ``"María García-Pérez"`` -> ``"maria-garcia-perez"``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:64].strip("-")
    if slug:
        return slug
    # A name with no Latin letters: a stable id from its code points.
    return "voice-" + "-".join(f"{ord(c):x}" for c in name.strip())[:58]


def _unit(v: Vector) -> Vector | None:
    norm = float(np.linalg.norm(v))
    if not math.isfinite(norm) or norm < 1e-9:
        return None
    return v / norm


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    """One enrolled person's voice: the running mean embedding, never audio.

    ``embedding`` is the duration-weighted mean of the L2-normalised window
    embeddings enrolled (its norm is at most 1: lower when the samples differ),
    kept as a tuple so the profile is immutable; ``vector`` is its unit
    direction, used for matching. ``samples`` counts the audio samples
    enrolled (one per file or span), ``seconds`` their speech, ``updated`` is
    the ISO 8601 time of the last enrollment (UTC).
    """

    id: str
    name: str
    role: str | None = None
    group: str | None = None
    embedding: tuple[float, ...] = ()
    seconds: float = 0.0
    samples: int = 0
    updated: str = ""
    model_id: str = ""  # the voice encoder's identity (models.ENCODER_ID)
    person_id: str | None = None  # the roster person, when the profile is tied to one

    @property
    def vector(self) -> Vector:
        """The unit embedding (zeros for an empty profile)."""
        v = np.asarray(self.embedding, dtype=np.float64)
        unit = _unit(v) if v.size else None
        return unit if unit is not None else np.zeros(max(v.size, 1), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "group": self.group,
            "seconds": round(self.seconds, 3),
            "samples": self.samples,
            "updated": self.updated,
            "model_id": self.model_id,
            "person_id": self.person_id,
            "embedding": [round(x, 7) for x in self.embedding],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VoiceProfile:
        role, group, person = d.get("role"), d.get("group"), d.get("person_id")
        return cls(
            id=str(d["id"]),
            name=str(d["name"]),
            role=None if role is None else str(role),
            group=None if group is None else str(group),
            embedding=tuple(float(x) for x in d["embedding"]),
            seconds=float(d.get("seconds", 0.0)),
            samples=int(d.get("samples", 0)),
            updated=str(d.get("updated", "")),
            model_id=str(d.get("model_id", "")),
            person_id=None if person is None else str(person),
        )


def enroll(
    profile: VoiceProfile | None,
    embeddings: npt.ArrayLike,
    seconds: float,
    *,
    name: str | None = None,
    role: str | None = None,
    group: str | None = None,
    now: str | None = None,
    model_id: str = "",
) -> VoiceProfile:
    """A new profile (``profile`` None) or an updated copy, with one more audio sample.

    ``embeddings`` are the piece embeddings of the sample, shape (pieces, D)
    (or one D-d vector) made by the encoder ``model_id``, ``seconds`` its
    speech. The stored embedding becomes
    the mean weighted by seconds of the old one and this sample's mean, so every
    second enrolled counts the same whichever session it came from. ``role`` and
    ``group`` replace the old ones when given; ``name`` is required for a new
    profile.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[0] == 0:
        raise InputError(
            "La muestra de registro no da ninguna huella de voz (no se encontró voz).",
            "Dé un tramo en el que la persona hable unos segundos.",
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("enrollment embeddings contain NaN or infinity")
    if not seconds > 0 or not math.isfinite(seconds):
        raise ValueError(f"enrollment seconds must be positive, got {seconds}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    rows = x[norms[:, 0] > 1e-9] / norms[norms[:, 0] > 1e-9]
    if not len(rows):
        raise InputError(
            "La muestra de registro solo dio huellas de voz vacías (silencio).",
            "Dé un tramo en el que la persona hable unos segundos.",
        )
    sample_mean = rows.mean(axis=0)
    stamp = now or _now()
    if profile is None:
        if not name or not name.strip():
            raise InputError(
                "Un perfil de voz necesita un nombre.", "Dé el nombre completo de la persona."
            )
        return VoiceProfile(
            id=profile_id(name),
            name=name.strip(),
            role=role,
            group=group,
            embedding=tuple(float(v) for v in sample_mean),
            seconds=float(seconds),
            samples=1,
            updated=stamp,
            model_id=model_id,
        )
    old = np.asarray(profile.embedding, dtype=np.float64)
    if old.size and profile.model_id != model_id:
        raise InputError(
            f"El perfil de voz de {profile.name} se hizo con otro modelo de voz "
            f"({profile.model_id or 'uno anterior'}, ahora {model_id or 'desconocido'}).",
            f"Bórrelo (plenaria voices remove {profile.id}) y vuelva a registrar a la persona.",
        )
    if old.size and old.shape != sample_mean.shape:
        raise InputError(
            f"El perfil de voz de {profile.name} tiene huellas de {old.size} dimensiones, "
            f"y esta muestra de {sample_mean.size} (otro modelo de voz).",
            "Borre el perfil y vuelva a registrar a la persona.",
        )
    total = profile.seconds + seconds
    mean = sample_mean if not old.size else (old * profile.seconds + sample_mean * seconds) / total
    return replace(
        profile,
        role=profile.role if role is None else role,
        group=profile.group if group is None else group,
        embedding=tuple(float(v) for v in mean),
        seconds=float(total),
        samples=profile.samples + 1,
        updated=stamp,
        model_id=model_id,
    )


class NamingOptions(BaseModel):
    """How diarized speakers get names from voice profiles."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(
        default=DEFAULT_THRESHOLD,
        gt=0.0,
        lt=1.0,
        description="Calibrated probability (calibrated_score) that a speaker is the profile's "
        "person, at or above which the speaker gets the name. Higher: fewer names, fewer "
        "wrong ones.",
    )
    shared_names: bool = Field(
        default=True,
        description="Let a second speaker take a name already given when both its voice matches "
        "the profile and the two speakers' own voices match each other above the threshold "
        "(one person split in two by diarization).",
    )
    margin_cos: float = Field(
        default=DEFAULT_MARGIN_COS,
        ge=0.0,
        lt=1.0,
        description="Cosine similarity by which a speaker's voice must be closer to the "
        "profile than to any other profile to get its name; closer calls (two look-alike "
        "voices, or two people merged by diarization) stay unnamed. 0: no such check.",
    )


def calibrated_score(cosine: float) -> float:
    """The probability that two voice embeddings with this cosine similarity are one person.

    A logistic fitted on measured pairs (see SCORE_SLOPE), increasing in ``cosine``.
    """
    z = SCORE_SLOPE * (float(cosine) - SCORE_CENTER)
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _scores(cos: Vector) -> Vector:
    z = SCORE_SLOPE * (cos - SCORE_CENTER)
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


def name_speakers(
    diarization: Diarization,
    profiles: Sequence[VoiceProfile],
    options: NamingOptions | None = None,
) -> tuple[Speaker, ...]:
    """One :class:`Speaker` per speaker of ``diarization``, named where a profile matches.

    Each speaker's centroid is compared with the profiles made by the same
    voice encoder as the diarizer's (``encoder_id(diarization.model_id)``);
    profiles of another encoder are skipped with a warning. Speakers and
    profiles are paired one to one maximising the total calibrated score
    (``linear_sum_assignment``); a pair scoring below ``options.threshold``
    leaves the speaker unnamed (``name`` None), and so does a profile that is not
    ``options.margin_cos`` closer (cosine) than every other profile. With
    ``shared_names``, an unnamed speaker may still take a name already given
    when it matches both the profile and that other speaker above the threshold.
    A named speaker carries the profile's ``person_id``.
    """
    from plenaria.diarization.models import encoder_id

    encoder = encoder_id(diarization.model_id)
    comparable = []
    for p in profiles:
        if p.model_id != encoder:
            log.warning(
                "voice profile %s was made by encoder %s, not %s: not used for naming "
                "(enroll the person again)",
                p.id,
                p.model_id or "unknown",
                encoder,
            )
        else:
            comparable.append(p)
    centroids = {
        label: vec
        for label in diarization.speakers
        if (vec := diarization.centroid(label)) is not None
    }
    labels = list(diarization.speakers)
    return _name(labels, centroids, comparable, options or NamingOptions())


def _name(
    labels: list[str],
    embeddings: Mapping[str, npt.ArrayLike],
    profiles: Sequence[VoiceProfile],
    opts: NamingOptions,
) -> tuple[Speaker, ...]:
    from scipy.optimize import linear_sum_assignment

    unnamed = tuple(Speaker(label) for label in labels)
    usable = [
        p for p in profiles if len(p.embedding) and _unit(np.asarray(p.embedding)) is not None
    ]
    if not labels or not usable:
        return unnamed
    dim = len(usable[0].embedding)
    if any(len(p.embedding) != dim for p in usable):
        raise ValueError("voice profiles of different embedding sizes cannot be compared")
    speakers = np.zeros((len(labels), dim), dtype=np.float64)
    valid = np.zeros(len(labels), dtype=bool)
    for i, label in enumerate(labels):
        if label not in embeddings:
            continue
        v = np.asarray(embeddings[label], dtype=np.float64).reshape(-1)
        if v.size != dim:
            raise ValueError(
                f"speaker {label} has a {v.size}-d embedding, the profiles {dim}-d "
                "(another voice encoder)"
            )
        unit = _unit(v) if np.all(np.isfinite(v)) else None
        if unit is not None:
            speakers[i], valid[i] = unit, True
    voices = np.stack([p.vector for p in usable])
    cos = speakers @ voices.T
    prob = _scores(cos)
    prob[~valid] = 0.0

    result = list(unnamed)
    holder: dict[int, int] = {}  # profile index -> speaker index that got its name
    rows, cols = linear_sum_assignment(prob, maximize=True)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if prob[i, j] >= opts.threshold and _clear(cos[i], j, opts.margin_cos):
            holder[j] = i
            result[i] = _named(labels[i], usable[j], float(prob[i, j]))
    if opts.shared_names and holder:
        for i in range(len(labels)):
            if result[i].name is not None or not valid[i]:
                continue
            j = int(np.argmax(prob[i]))
            k = holder.get(j)
            if k is None or prob[i, j] < opts.threshold or not _clear(cos[i], j, opts.margin_cos):
                continue
            if calibrated_score(float(speakers[i] @ speakers[k])) >= opts.threshold:
                result[i] = _named(labels[i], usable[j], float(prob[i, j]))
    for s in result:
        log.info("speaker %s: %s (score %s)", s.id, s.name or "unnamed", s.score)
    return tuple(result)


def _clear(row: Vector, j: int, margin: float) -> bool:
    """True when profile ``j`` beats every other profile in ``row`` (cosines) by ``margin``."""
    if margin <= 0 or len(row) < 2:
        return True
    others = np.delete(row, j)
    return bool(row[j] - others.max() >= margin)


def _named(label: str, profile: VoiceProfile, score: float) -> Speaker:
    return Speaker(label, profile.name, profile.role, profile.group, score, profile.person_id)
