"""The embedded backend: pyannote segmentation-3.0 + CAM++ on onnxruntime, as pyannote 3.x.

1. 10 s windows every ``step_s`` over the speech are segmented: each frame
   (16.875 ms) gets the most likely of 7 powerset classes, turned into the
   activity of up to 3 local speakers (2 at once).
2. Each local speaker's speech in each window is embedded with CAM++ (its clean
   frames, where it speaks alone, or all its frames when it never does).
3. The embeddings of the whole recording, less their mean, are clustered (see
   ``clustering``); every local speaker is assigned to a speaker, distinct
   within a window.
4. The windows' activities are summed per speaker over the timeline and each
   frame goes to as many speakers as were heard in it (see ``reconstruct``).

Audio is read from the 16 kHz mono WAV one block of windows at a time. What
grows with the length: 1.8 KB of activity and 2.3 KB of embeddings per window
(720 windows an hour at the default 5 s step: 3 MB), and the timeline,
4 bytes per frame and speaker (213,000 frames an hour); the clustering is
bounded by ``max_cluster_embeddings``.
"""

from __future__ import annotations

import itertools
import logging
import time
import wave
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

from plenaria.diarization.base import (
    STAGE,
    DiarizationOptions,
    crop_to_regions,
    mark_overlaps,
    normalize_regions,
    speaker_label,
)
from plenaria.diarization.clustering import (
    assign_local_speakers,
    centred,
    cluster_centroids,
    unit_rows,
)
from plenaria.diarization.models import (
    EMBEDDING_SIZE,
    SAMPLE_RATE,
    DiarizationModels,
    fbank,
)
from plenaria.diarization.reconstruct import aggregate, binary_to_turns, top_speakers
from plenaria.diarization.windows import (
    FRAME_STEP_S,
    FRAMES_PER_WINDOW,
    LOCAL_SPEAKERS,
    WINDOW_S,
    fbank_frame_mask,
    frame_offset,
    plan_windows,
    powerset_to_multilabel,
)
from plenaria.domain import Diarization, Segment, Turn
from plenaria.errors import InputError, MediaError
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

Float32 = npt.NDArray[np.float32]
EMBED_BATCH = 32  # local speakers embedded in one forward pass (those of equal length)
BLOCK_S = 120.0  # at most this span of audio (window starts) is read at once
FBANK_HOP = 160  # samples between filter-bank frames (10 ms)
MIN_FBANK_FRAMES = 20  # CAM++ needs a few frames; fewer are not embedded
ENROLL_PIECE_S = 10.0  # enrollment speech is embedded in pieces this long


class WavReader:
    """Reads spans of a 16 kHz mono 16-bit PCM WAV by seeking, never the whole file."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError(f"No se encuentra el archivo de audio: {path}", "Revise la ruta.")
        try:
            self._wf = wave.open(str(path), "rb")  # noqa: SIM115 (closed by close())
        except (wave.Error, EOFError) as e:
            raise MediaError(
                f"{path.name} no es un archivo WAV legible ({e}).",
                "Vuelva a extraer el audio como WAV PCM de 16 kHz mono y 16 bits.",
            ) from e
        rate, channels, width = (
            self._wf.getframerate(),
            self._wf.getnchannels(),
            self._wf.getsampwidth(),
        )
        if (rate, channels, width) != (SAMPLE_RATE, 1, 2):
            self._wf.close()
            raise MediaError(
                f"{path.name} es de {rate} Hz, {channels} canal(es), {8 * width} bits; "
                "la separación de intervinientes necesita PCM de 16 kHz mono y 16 bits.",
                "Extraiga el audio con la etapa media de plenaria (WAV de 16 kHz mono s16).",
            )
        self.n_samples = self._wf.getnframes()
        self.duration_s = self.n_samples / SAMPLE_RATE

    def read(self, start_s: float, end_s: float) -> Float32:
        """Samples in ``[start_s, end_s)`` as float32 in [-1, 1] (zero-padded past the end)."""
        first = max(0, round(start_s * SAMPLE_RATE))
        n = max(0, round(end_s * SAMPLE_RATE) - first)
        out = np.zeros(n, dtype=np.float32)
        if first < self.n_samples and n > 0:
            self._wf.setpos(first)
            raw = np.frombuffer(self._wf.readframes(n), dtype="<i2")
            out[: len(raw)] = raw.astype(np.float32) / 32768.0
        return out

    def close(self) -> None:
        self._wf.close()

    def __enter__(self) -> WavReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class WindowResults:
    """What the models said about every window: the input of clustering and reconstruction."""

    starts: list[float]
    activity: npt.NDArray[np.uint8]  # (C, 589, 3) binary local speaker activity
    embeddings: Float32  # (C, 3, 192), unit rows (zeros where not embedded)
    embedded: npt.NDArray[np.bool_]  # (C, 3)
    clean_s: npt.NDArray[np.float32]  # (C, 3) seconds each local speaker spoke alone


class EmbeddedDiarizer:
    """Diarization with segmentation-3.0 and CAM++; the ONNX sessions are loaded once, here.

    ``threads``: CPU threads onnxruntime may use for each model.
    """

    def __init__(self, models: DiarizationModels) -> None:
        self.models = models
        self.model_id = models.model_id

    @classmethod
    def load(cls, cache: Path, device: str = "cpu", threads: int = 1) -> EmbeddedDiarizer:
        """Export the models to ONNX under ``cache`` if needed (once), then load them."""
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        return cls(DiarizationModels.load(cache, threads=threads, device=device))

    def diarize(
        self,
        wav: Path,
        speech: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> Diarization:
        """Speaker turns inside ``speech``, SPEAKER_NN by first appearance, with centroids."""
        with WavReader(wav) as reader:
            duration = reader.duration_s
            regions = normalize_regions(speech, duration)
            starts = plan_windows(regions, duration, options.step_s)
            if not starts:
                progress(STAGE, 0, 0)
                return Diarization((), (), self.model_id)
            spent: dict[str, float] = {}
            found = self.analyse_windows(reader, starts, options, progress, spent)
        with _timed(spent, "clustering"):
            result = diarization_from_windows(found, regions, duration, options, self.model_id)
        log.info(
            "diarized %s: %s windows, %s speakers, %s turns (s: %s)",
            wav.name,
            len(starts),
            len(result.speakers),
            len(result.turns),
            ", ".join(f"{k} {v:.1f}" for k, v in spent.items()),
        )
        return result

    def analyse_windows(
        self,
        reader: WavReader,
        starts: Sequence[float],
        options: DiarizationOptions,
        progress: Progress = no_progress,
        spent: dict[str, float] | None = None,
    ) -> WindowResults:
        """Segment and embed every window (the models' whole share of the work); the seconds
        each part took are added to ``spent``."""
        spent = {} if spent is None else spent
        n = len(starts)
        activity = np.zeros((n, FRAMES_PER_WINDOW, LOCAL_SPEAKERS), dtype=np.uint8)
        embeddings = np.zeros((n, LOCAL_SPEAKERS, EMBEDDING_SIZE), dtype=np.float32)
        embedded = np.zeros((n, LOCAL_SPEAKERS), dtype=bool)
        clean_s = np.zeros((n, LOCAL_SPEAKERS), dtype=np.float32)
        window = round(WINDOW_S * SAMPLE_RATE)
        progress(STAGE, 0, n)
        i = 0
        while i < n:
            j = i + 1
            while j < n and j - i < options.batch_windows and starts[j] - starts[i] <= BLOCK_S:
                j += 1
            first = round(starts[i] * SAMPLE_RATE / FBANK_HOP) * FBANK_HOP / SAMPLE_RATE
            with _timed(spent, "reading"):
                audio = reader.read(first, starts[j - 1] + WINDOW_S)
            offsets = [round((s - first) * SAMPLE_RATE) for s in starts[i:j]]
            batch = np.zeros((j - i, window), dtype=np.float32)
            for b, o in enumerate(offsets):
                piece = audio[o : o + window]
                batch[b, : len(piece)] = piece
            with _timed(spent, "segmentation"):
                local = powerset_to_multilabel(self.models.segment(batch))
            activity[i:j] = local
            with _timed(spent, "filter banks"):
                feats = fbank(audio)
            pending: list[tuple[int, int, Float32]] = []
            for b, o in enumerate(offsets):
                c = i + b
                f0 = -(-o // FBANK_HOP)  # the first filter-bank frame inside the window
                win_feats = feats[f0 : f0 + (window - 400) // FBANK_HOP + 1]
                alone = local[b].sum(axis=1) == 1
                for s in range(LOCAL_SPEAKERS):
                    act = local[b, :, s].astype(bool)
                    clean = act & alone
                    clean_s[c, s] = clean.sum() * FRAME_STEP_S
                    if act.sum() * FRAME_STEP_S < options.min_embed_s:
                        continue
                    use = clean if clean_s[c, s] >= options.min_embed_s else act
                    sel = win_feats[fbank_frame_mask(use, len(win_feats))]
                    if len(sel) < MIN_FBANK_FRAMES:
                        continue
                    cap = round(options.max_embed_s / 0.010)
                    if len(sel) > cap:
                        mid = (len(sel) - cap) // 2
                        sel = sel[mid : mid + cap]
                    pending.append((c, s, sel - sel.mean(axis=0)))
            with _timed(spent, "embeddings"):
                for c, s, emb in self.embed_batched(pending):
                    embeddings[c, s] = emb
                    embedded[c, s] = True
            progress(STAGE, j, n)
            i = j
        return WindowResults(list(starts), activity, embeddings, embedded, clean_s)

    def embed_batched(
        self, pending: Sequence[tuple[int, int, Float32]]
    ) -> Iterator[tuple[int, int, Float32]]:
        """The embedding of each ``(window, speaker, feats)``, the ones of equal length in one
        forward pass (a capped local speaker is max_embed_s long; on a GPU, one call per
        local speaker would cost more than the network)."""
        by_length: dict[int, list[tuple[int, int, Float32]]] = {}
        for item in pending:
            by_length.setdefault(len(item[2]), []).append(item)
        for group in by_length.values():
            for k in range(0, len(group), EMBED_BATCH):
                part = group[k : k + EMBED_BATCH]
                out = self.models.embed(np.stack([f for _, _, f in part]))
                for (c, s, _), emb in zip(part, out, strict=True):
                    yield c, s, emb

    def embed_segments(
        self,
        wav: Path,
        segments: Sequence[Segment],
        options: DiarizationOptions | None = None,
        progress: Progress = no_progress,
    ) -> Float32:
        """Unit embeddings ``(n, 192)`` of the speech in ``segments``, in pieces of up to 10 s.

        For voice profiles: the regions' audio is joined and cut into pieces of
        ENROLL_PIECE_S (a last piece under half that joins the one before), each
        embedded as the diarizer embeds one local speaker of one window.
        """
        with WavReader(wav) as reader:
            regions = normalize_regions(segments, reader.duration_s)
            audio = (
                np.concatenate([reader.read(r.start, r.end) for r in regions])
                if regions
                else np.zeros(0, dtype=np.float32)
            )
        piece = round(ENROLL_PIECE_S * SAMPLE_RATE)
        bounds = [*range(0, len(audio), piece), len(audio)]
        if len(bounds) > 2 and bounds[-1] - bounds[-2] < piece // 2:
            del bounds[-2]
        out = []
        for a, b in itertools.pairwise(bounds):
            feats = fbank(audio[a:b])
            if len(feats) >= MIN_FBANK_FRAMES:
                out.append(self.models.embed((feats - feats.mean(axis=0))[None])[0])
        if not out:
            return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        return np.stack(out)


@contextmanager
def _timed(spent: dict[str, float], part: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        spent[part] = spent.get(part, 0.0) + time.perf_counter() - started


def diarization_from_windows(
    found: WindowResults,
    regions: Sequence[Segment],
    duration_s: float,
    options: DiarizationOptions,
    model_id: str,
) -> Diarization:
    """Cluster the windows' local speakers, rebuild the timeline, crop it to ``regions``."""
    overlap = min(1.0, options.step_s / WINDOW_S)  # each second is seen by 1/overlap windows
    train = found.embedded & (found.clean_s >= options.min_clean_s)
    if not train.any():
        train = found.embedded
    mean = None
    if options.centred_threshold is not None and found.embedded.any():
        mean = unit_rows(found.embeddings[found.embedded]).mean(axis=0)
    clusters = cluster_centroids(
        found.embeddings[train],
        found.clean_s[train] * overlap,
        threshold=options.cluster_threshold,
        min_cluster_s=options.min_cluster_s,
        min_speakers=options.min_speakers,
        max_speakers=options.max_speakers,
        max_embeddings=options.max_cluster_embeddings,
        mean=mean,
        centred_threshold=options.centred_threshold or 0.0,
    )
    centroids = clusters.raw
    assignment = assign_local_speakers(
        centred(found.embeddings, mean), found.embedded, clusters.centroids
    )
    raw = [f"cluster{k}" for k in range(len(centroids))]
    turns = turns_from_assignment(found, assignment, raw, regions, duration_s, options)
    return _labelled(turns, dict(zip(raw, centroids, strict=True)), model_id)


def turns_from_assignment(
    found: WindowResults,
    assignment: npt.NDArray[np.int64],
    labels: Sequence[str],
    regions: Sequence[Segment],
    duration_s: float,
    options: DiarizationOptions,
) -> list[Turn]:
    """The timeline once each local speaker has a speaker (``assignment`` ``(C, S)`` into
    ``labels``, -1: none): activities summed, frames given to the most active, cropped."""
    n_frames = frame_offset(duration_s) + 1
    score, count = aggregate(
        found.starts, found.activity, assignment, len(labels), n_frames, options.count_bias
    )
    if options.max_speakers is not None:
        count = np.minimum(count, options.max_speakers)
    active = top_speakers(score, count)
    turns = binary_to_turns(active, labels, options.min_duration_off_s)
    if options.crop_to_speech:
        return list(crop_to_regions(turns, regions))
    return list(crop_to_regions(turns, [Segment(0.0, duration_s)]))  # within the recording


def _labelled(turns: Sequence[Turn], centroids: dict[str, Float32], model_id: str) -> Diarization:
    """SPEAKER_NN by first appearance, overlaps marked, centroids under the new labels."""
    names: dict[str, str] = {}
    for t in sorted(turns, key=lambda t: (t.segment.start, t.segment.end)):
        names.setdefault(t.speaker, speaker_label(len(names)))
    relabelled = mark_overlaps([Turn(names[t.speaker], t.segment) for t in turns])
    vectors = tuple(
        (label, tuple(float(x) for x in centroids[raw])) for raw, label in names.items()
    )
    return Diarization(relabelled, vectors, model_id)
