"""Provisional speakers, online: each speech segment joins the nearest voice heard so far.

A segment's voice is the mean of the diarizer's embeddings of its speech
(:meth:`~plenaria.diarization.embedded.EmbeddedDiarizer.embed_segments`). It joins
the closest cluster when the Euclidean distance between their unit vectors is
below ``cluster_threshold`` (the diarizer's own threshold), else it starts a new
one. Clusters are named from the voice profiles when one matches
(:func:`plenaria.diarization.profiles.name_speakers`). These labels are only for
the live transcript: at the end, diarization over the whole session decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from plenaria.diarization.profiles import NamingOptions, VoiceProfile, name_speakers
from plenaria.domain import Diarization

UNKNOWN = "Interviniente ?"


@dataclass
class _Cluster:
    label: str
    total: npt.NDArray[np.float64]
    weight: float = 0.0

    @property
    def centroid(self) -> npt.NDArray[np.float64]:
        norm = float(np.linalg.norm(self.total))
        return self.total / max(norm, 1e-12)


@dataclass
class OnlineSpeakers:
    """Nearest-cluster assignment of voice embeddings as they come."""

    threshold: float = 0.6  # Euclidean, unit vectors: DiarizationOptions.cluster_threshold
    model_id: str = ""  # the diarizer's: profiles of its encoder are compared
    profiles: Sequence[VoiceProfile] = ()
    naming: NamingOptions = field(default_factory=NamingOptions)
    clusters: list[_Cluster] = field(default_factory=list)

    def assign(self, windows: npt.NDArray[np.floating], seconds: float) -> str:
        """The label for a segment whose window embeddings are ``windows`` (n, dim)."""
        if len(windows) == 0:
            return UNKNOWN
        mean = np.asarray(windows, dtype=np.float64).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm <= 1e-12:
            return UNKNOWN
        unit = mean / norm
        best, similarity = None, -1.0
        for c in self.clusters:
            s = float(c.centroid @ unit)
            if s > similarity:
                best, similarity = c, s
        # |a - b|^2 = 2 - 2 cos(a, b) for unit vectors
        if best is None or 2.0 - 2.0 * similarity >= self.threshold**2:
            best = _Cluster(f"Interviniente {len(self.clusters) + 1}", np.zeros_like(unit))
            self.clusters.append(best)
        best.total = best.total + unit * seconds
        best.weight += seconds
        return self.display(best.label)

    def display(self, label: str) -> str:
        """The cluster's name from the voice profiles, else its label."""
        if not self.profiles:
            return label
        centroids = tuple((c.label, tuple(float(x) for x in c.centroid)) for c in self.clusters)
        voices = Diarization((), centroids, self.model_id)
        for s in name_speakers(voices, self.profiles, self.naming):
            if s.id == label and s.name:
                return s.name
        return label
