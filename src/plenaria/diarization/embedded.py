"""The embedded backend: resemblyzer voice embeddings + agglomerative clustering.

Windows of ``window_s`` every ``hop_s`` inside the speech regions are embedded
in batches (one mel spectrogram per block of audio, sliced into windows, one
forward pass of the encoder per batch), clustered over the whole recording,
reassigned window by window to the nearest speaker (see ``refine``) and turned
into speaker turns. Audio is read from the 16 kHz mono WAV a block at a time;
what grows with the length is one 256-float embedding per window (1 KB per
``hop_s``: 37 MB for 5 hours at 0.4 s) and the clustering is bounded by
``max_cluster_windows``. Overlapped speech is only guessed where the floor
passes between two speakers (``overlap_margin``); there is no overlap model.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from plenaria.diarization.base import STAGE, DiarizationOptions, normalize_regions
from plenaria.diarization.clustering import Window, plan_windows
from plenaria.diarization.encoder import NumpyVoiceEncoder, mel_spectrogram
from plenaria.diarization.refine import turns_from_embeddings
from plenaria.domain import Diarization, Segment, Turn
from plenaria.errors import DependencyError, InputError, MediaError
from plenaria.progress import Progress, no_progress

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MEL_HOP = 160  # 10 ms, resemblyzer's mel_window_step
MEL_FFT = 400  # 25 ms, resemblyzer's mel_window_length
MEL_CHANNELS = 40
EMBEDDING_SIZE = 256
TARGET_DBFS = -30.0  # resemblyzer's audio_norm_target_dBFS
MAX_GAIN_DB = 40.0
BLOCK_S = 60.0  # audio read and turned into a mel spectrogram at once

Float32 = npt.NDArray[np.float32]


class WavReader:
    """Reads spans of a 16 kHz mono 16-bit PCM WAV by seeking, never the whole file."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError(f"Audio file not found: {path}", "Check the path.")
        try:
            self._wf = wave.open(str(path), "rb")  # noqa: SIM115 (closed by close())
        except (wave.Error, EOFError) as e:
            raise MediaError(
                f"{path.name} is not a readable WAV file ({e}).",
                "Extract the audio again as 16 kHz mono 16-bit PCM WAV.",
            ) from e
        rate, channels, width = (
            self._wf.getframerate(),
            self._wf.getnchannels(),
            self._wf.getsampwidth(),
        )
        if (rate, channels, width) != (SAMPLE_RATE, 1, 2):
            self._wf.close()
            raise MediaError(
                f"{path.name} is {rate} Hz, {channels} channel(s), {8 * width}-bit; "
                "diarization needs 16 kHz mono 16-bit PCM.",
                "Extract the audio with plenaria's media stage (16 kHz mono s16 WAV).",
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


def load_voice_encoder(device: str = "cpu") -> Any:
    """resemblyzer's VoiceEncoder with its bundled weights (no download), in eval mode."""
    import warnings

    try:
        with warnings.catch_warnings():
            # webrtcvad (imported by resemblyzer) warns that pkg_resources is deprecated.
            warnings.simplefilter("ignore")
            import torch
            from resemblyzer import VoiceEncoder
    except ImportError as e:
        raise DependencyError(
            f"The embedded diarization backend needs a missing package ({e.name or e}).",
            "Install it with: pip install 'plenaria[diarization]' "
            "(webrtcvad needs setuptools<81 for pkg_resources).",
        ) from e
    encoder = VoiceEncoder(device=torch.device(device), verbose=False)
    encoder.eval()
    return encoder


class EmbeddedDiarizer:
    """Diarization with resemblyzer's speaker encoder; the model is loaded once, here.

    ``threads`` is the number of CPU threads torch may use while embedding
    (restored afterwards). One is the default: the encoder's LSTM is as fast on
    one thread as on two of an idle 2-core machine, and several times slower on
    two when other processes (the recogniser, another worker) compete for them.
    """

    def __init__(self, device: str = "cpu", threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.device = device
        self.threads = threads
        self.model_id = "embedded/resemblyzer-1"
        # On the CPU the encoder runs in numpy (no torch import: 0.15 s and ~40 MB instead of
        # 1.4 s and ~250 MB); on a GPU, resemblyzer's own torch model.
        self._encoder: NumpyVoiceEncoder | TorchVoiceEncoder = (
            NumpyVoiceEncoder.load(threads=threads)
            if device == "cpu"
            else TorchVoiceEncoder(load_voice_encoder(device), threads)
        )

    def diarize(
        self,
        wav: Path,
        speech: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> Diarization:
        """Speaker turns inside ``speech`` and each speaker's mean voice embedding."""
        turns = self.turns(wav, speech, options, progress)
        centroids = self.speaker_embeddings(wav, turns, options) if turns else {}
        return Diarization(
            turns,
            tuple((k, tuple(float(x) for x in v)) for k, v in centroids.items()),
            self.model_id,
        )

    def turns(
        self,
        wav: Path,
        speech: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> tuple[Turn, ...]:
        """Speaker turns inside ``speech``, sorted by start, SPEAKER_NN by first appearance."""
        with WavReader(wav) as reader:
            regions = normalize_regions(speech, reader.duration_s)
            if not regions:
                progress(STAGE, 0, 0)
                return ()
            windows = plan_windows(regions, options.window_s, options.hop_s, options.min_embed_s)
            embeddings = self._embed(reader, windows, options, progress)
        turns = turns_from_embeddings(regions, windows, embeddings, options)
        log.info(
            "diarized %s: %s windows, %s speakers, %s turns",
            wav.name,
            len(windows),
            len({t.speaker for t in turns}),
            len(turns),
        )
        return turns

    def embed_segments(
        self,
        wav: Path,
        segments: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> Float32:
        """One L2-normalised embedding per window of each segment: shape (windows, 256)."""
        with WavReader(wav) as reader:
            regions = normalize_regions(segments, reader.duration_s)
            windows = plan_windows(regions, options.window_s, options.hop_s)
            return self._embed(reader, windows, options, progress)

    def speaker_embeddings(
        self, wav: Path, turns: Sequence[Turn], options: DiarizationOptions
    ) -> dict[str, Float32]:
        """The mean voice embedding (L2-normalised) of each speaker's turns, for naming voices."""
        out: dict[str, Float32] = {}
        for speaker in dict.fromkeys(t.speaker for t in turns):
            segments = [t.segment for t in turns if t.speaker == speaker and not t.overlap]
            emb = self.embed_segments(wav, segments, options)
            if len(emb):
                mean = emb.mean(axis=0)
                out[speaker] = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        return out

    def _embed(
        self,
        reader: WavReader,
        windows: Sequence[Window],
        options: DiarizationOptions,
        progress: Progress,
    ) -> Float32:
        total = len(windows)
        out = np.zeros((total, EMBEDDING_SIZE), dtype=np.float32)
        pending: list[Float32] = []
        done = 0
        progress(STAGE, 0, total)
        for mels in _window_mels(reader, windows):
            pending += mels
            while len(pending) >= options.batch_windows:
                size = options.batch_windows
                batch, pending = pending[:size], pending[size:]
                out[done : done + len(batch)] = self._encoder.embed_mels(batch)
                done += len(batch)
                progress(STAGE, done, total)
        if pending:
            out[done : done + len(pending)] = self._encoder.embed_mels(pending)
            done += len(pending)
            progress(STAGE, done, total)
        return out


class TorchVoiceEncoder:
    """resemblyzer's torch model (for a GPU), with numpy in and out like NumpyVoiceEncoder."""

    def __init__(self, encoder: Any, threads: int = 1) -> None:
        self._encoder = encoder
        self.threads = threads

    def embed_mels(self, mels: Sequence[Float32]) -> Float32:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            return self._forward(mels)
        finally:
            torch.set_num_threads(threads)

    def _forward(self, mels: Sequence[Float32]) -> Float32:
        """Embeddings of a batch of mel windows, shorter ones packed (no zero padding seen)."""
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        enc = self._encoder
        lengths = [len(m) for m in mels]
        with torch.inference_mode():
            if len(set(lengths)) == 1:
                batch: torch.Tensor | Any = torch.from_numpy(np.stack(mels)).to(enc.device)
            else:
                padded = np.zeros((len(mels), max(lengths), MEL_CHANNELS), dtype=np.float32)
                for i, m in enumerate(mels):
                    padded[i, : len(m)] = m
                batch = pack_padded_sequence(
                    torch.from_numpy(padded).to(enc.device),
                    torch.tensor(lengths),
                    batch_first=True,
                    enforce_sorted=False,
                )
            _, (hidden, _) = enc.lstm(batch)
            raw = enc.relu(enc.linear(hidden[-1]))
            emb = raw / torch.clamp(torch.norm(raw, dim=1, keepdim=True), min=1e-12)
            return np.asarray(emb.cpu().numpy(), dtype=np.float32)


def _window_mels(reader: WavReader, windows: Sequence[Window]) -> Iterator[list[Float32]]:
    """Mel frames of every window, one block of audio (at most BLOCK_S) at a time."""
    i = 0
    while i < len(windows):
        j = i + 1
        while j < len(windows) and windows[j].segment.end - windows[i].segment.start <= BLOCK_S:
            j += 1
        block = windows[i:j]
        start = block[0].segment.start
        audio = reader.read(start, max(w.segment.end for w in block))
        mel = mel_spectrogram(audio)
        mels: list[Float32] = []
        for w in block:
            a = round((w.segment.start - start) * SAMPLE_RATE)
            b = round((w.segment.end - start) * SAMPLE_RATE)
            f0 = min(a // MEL_HOP, len(mel) - 1)
            nf = max(1, (b - a) // MEL_HOP)
            frames = mel[f0 : f0 + nf] * _gain(audio[a:b])
            mels.append(frames.astype(np.float32))
        yield mels
        i = j


def _gain(samples: Float32) -> float:
    """Power gain bringing a window up to TARGET_DBFS (never down), as resemblyzer does."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms <= 1e-6:
        return 1.0
    change_db = min(MAX_GAIN_DB, TARGET_DBFS - 20 * np.log10(rms))
    return float(10 ** (change_db / 10)) if change_db > 0 else 1.0
