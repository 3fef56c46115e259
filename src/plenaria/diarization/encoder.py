"""resemblyzer's speaker encoder in numpy: no torch, no librosa.

``mel_spectrogram`` is ``librosa.feature.melspectrogram(y, sr=16000, n_fft=400,
hop_length=160, n_mels=40)`` as librosa 0.10-0.11 computes it (centred frames,
zero padding, periodic Hann window, power 2, Slaney mel filters), transposed to
frames x 40. ``NumpyVoiceEncoder`` is resemblyzer's ``VoiceEncoder`` (a 3-layer
LSTM, 40 -> 256, whose last layer's final hidden state goes through
Linear(256, 256), ReLU and L2 normalisation) with the weights of resemblyzer's
``pretrained.pt``, read by ``plenaria.diarization.torchfile``. A batch may mix
windows of different lengths: each embedding is taken at its own last frame,
as ``pack_padded_sequence`` does, so padding is never seen.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plenaria.diarization.torchfile import CheckpointError, load_state_dict
from plenaria.errors import InputError, ModelNotFoundError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MEL_FFT = 400  # 25 ms, resemblyzer's mel_window_length
MEL_HOP = 160  # 10 ms, resemblyzer's mel_window_step
MEL_CHANNELS = 40
HIDDEN_SIZE = 256
EMBEDDING_SIZE = 256
NUM_LAYERS = 3
PROJECTION_STEPS = 32  # steps whose input projection is computed in one matmul

Float32 = npt.NDArray[np.float32]
Float64 = npt.NDArray[np.float64]


def resemblyzer_weights_path() -> Path:
    """resemblyzer's bundled ``pretrained.pt``, found without importing resemblyzer (torch)."""
    spec = importlib.util.find_spec("resemblyzer")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "pretrained.pt"
        if path.is_file():
            return path
    raise ModelNotFoundError(
        "resemblyzer's voice encoder weights (resemblyzer/pretrained.pt) were not found.",
        "Install them with: pip install 'plenaria[diarization]', "
        "or pass the path of a pretrained.pt.",
    )


# --- mel spectrogram ---------------------------------------------------------------------


def _hz_to_mel(hz: Float64) -> Float64:
    """Slaney's mel scale (librosa's htk=False): linear below 1 kHz, logarithmic above."""
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    mel = hz / f_sp
    log_part = min_log_hz / f_sp + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep
    return np.where(hz >= min_log_hz, log_part, mel)


def _mel_to_hz(mel: Float64) -> Float64:
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    log_part = min_log_hz * np.exp(logstep * (np.maximum(mel, min_log_mel) - min_log_mel))
    return np.where(mel >= min_log_mel, log_part, f_sp * mel)


@cache
def mel_filterbank() -> Float32:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): (40, 201), Slaney-normalised."""
    fft_hz = np.fft.rfftfreq(MEL_FFT, d=1.0 / SAMPLE_RATE)
    mels = np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE / 2)), 42)
    edges_hz = _mel_to_hz(mels)
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    out = weights.astype(np.float32)
    out.flags.writeable = False
    return out


@cache
def _hann_window() -> Float64:
    """scipy/librosa get_window('hann', 400, fftbins=True): the periodic Hann window."""
    out = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(MEL_FFT) / MEL_FFT)
    out.flags.writeable = False
    return out


def mel_spectrogram(audio: npt.NDArray[np.floating]) -> Float32:
    """Power mel spectrogram of 16 kHz mono audio, frames x 40 (1 + len // 160 frames)."""
    y = np.asarray(audio)
    if y.ndim != 1 or len(y) == 0:
        raise InputError(
            f"mel_spectrogram needs a non-empty 1-D signal, got shape {y.shape}.",
            "Pass mono 16 kHz samples as a 1-D array.",
        )
    padded = np.pad(y.astype(np.float64, copy=False), MEL_FFT // 2)
    n_frames = 1 + (len(padded) - MEL_FFT) // MEL_HOP
    frames = np.lib.stride_tricks.as_strided(
        padded,
        shape=(n_frames, MEL_FFT),
        strides=(MEL_HOP * padded.itemsize, padded.itemsize),
        writeable=False,
    )
    # librosa keeps the spectrum in complex64 (y is float32) and the power in float32.
    spectrum = np.fft.rfft(frames * _hann_window(), axis=1).astype(np.complex64)
    power = np.square(np.abs(spectrum))
    return np.asarray(power @ mel_filterbank().T, dtype=np.float32)


# --- LSTM --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    """One LSTM layer, gate rows reordered from PyTorch's (i, f, g, o) to (i, f, o, g),
    the i, f, o rows halved so that one tanh over all gates gives sigmoid(z) = (tanh(z/2) + 1) / 2
    for them (halving is exact in binary floating point)."""

    w_ih_t: Float32  # (input, 4H)
    w_hh_t: Float32  # (H, 4H)
    bias: Float32  # (4H,) = b_ih + b_hh


def _sigmoid_gates_first(rows: np.ndarray) -> Float32:
    h = HIDDEN_SIZE
    i, f, g, o = rows[:h], rows[h : 2 * h], rows[2 * h : 3 * h], rows[3 * h :]
    return np.concatenate([0.5 * i, 0.5 * f, 0.5 * o, g]).astype(np.float32)


class NumpyVoiceEncoder:
    """resemblyzer's VoiceEncoder forward pass in float32 numpy; load it once with ``load``.

    ``threads`` caps the BLAS threads numpy's matrix products use while
    embedding (through threadpoolctl when it is installed; None leaves BLAS
    alone). One is the default: the products are small, and on a busy 2-core
    machine two threads were 3-4 times slower than one.
    """

    def __init__(self, state: dict[str, np.ndarray], threads: int | None = 1) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1 or None, got {threads}")
        self.threads = threads
        self._blas = _blas_controller() if threads is not None else None
        for name, shape in _expected_shapes().items():
            if name not in state:
                raise CheckpointError(
                    f"The voice encoder weights lack the tensor {name}.",
                    "Use resemblyzer's pretrained.pt or a checkpoint of the same model.",
                )
            if state[name].shape != shape:
                raise CheckpointError(
                    f"The voice encoder tensor {name} has shape {state[name].shape}, not {shape}.",
                    "Use resemblyzer's pretrained.pt or a checkpoint of the same model.",
                )
        self._layers = tuple(
            _Layer(
                w_ih_t=np.ascontiguousarray(_sigmoid_gates_first(state[f"lstm.weight_ih_l{k}"]).T),
                w_hh_t=np.ascontiguousarray(_sigmoid_gates_first(state[f"lstm.weight_hh_l{k}"]).T),
                bias=_sigmoid_gates_first(
                    state[f"lstm.bias_ih_l{k}"] + state[f"lstm.bias_hh_l{k}"]
                ),
            )
            for k in range(NUM_LAYERS)
        )
        self._linear_t = np.ascontiguousarray(state["linear.weight"].T, dtype=np.float32)
        self._linear_b = np.asarray(state["linear.bias"], dtype=np.float32)

    @classmethod
    def load(cls, path: Path | None = None, threads: int | None = 1) -> NumpyVoiceEncoder:
        """The encoder with the weights at ``path`` (default: resemblyzer's pretrained.pt)."""
        weights = path or resemblyzer_weights_path()
        encoder = cls(load_state_dict(weights), threads)
        log.debug("loaded the numpy voice encoder from %s", weights)
        return encoder

    def embed_mels(self, mels: Sequence[npt.NDArray[np.floating]]) -> Float32:
        """L2-normalised embeddings, shape (len(mels), 256), of mel windows (frames x 40 each).

        Windows may differ in length (at least one frame each); the batch is run
        as one, longest first, each window's state frozen after its last frame.
        """
        if len(mels) == 0:
            return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        lengths = np.array([len(m) for m in mels])
        bad = [i for i, m in enumerate(mels) if m.ndim != 2 or m.shape[1] != MEL_CHANNELS]
        if bad or lengths.min() < 1:
            i = bad[0] if bad else int(lengths.argmin())
            raise InputError(
                f"Mel window {i} has shape {mels[i].shape}; the voice encoder needs "
                f"(frames >= 1, {MEL_CHANNELS}).",
                "Pass windows from mel_spectrogram (frames x 40).",
            )
        order = np.argsort(-lengths, kind="stable")
        sorted_lengths = lengths[order]
        # active[t]: how many windows (a prefix, longest first) still run at step t.
        steps = int(sorted_lengths[0])
        active = np.searchsorted(-sorted_lengths, -np.arange(steps), side="left")
        x = np.zeros((steps, len(mels), MEL_CHANNELS), dtype=np.float32)  # time-major
        for slot, i in enumerate(order):
            x[: lengths[i], slot] = mels[i]
        hidden: Float32 | None = x
        final = np.zeros((len(mels), HIDDEN_SIZE), dtype=np.float32)
        limit = self._blas.limit(limits=self.threads, user_api="blas") if self._blas else None
        with limit or contextlib.nullcontext():
            for k, layer in enumerate(self._layers):
                assert hidden is not None
                last = k == NUM_LAYERS - 1
                hidden, final = _lstm_layer(hidden, layer, active, keep_outputs=not last)
            raw = np.maximum(final @ self._linear_t + self._linear_b, 0.0)
        norms = np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
        out: Float32 = np.empty((len(mels), EMBEDDING_SIZE), dtype=np.float32)
        out[order] = raw / norms
        return out


def _expected_shapes() -> dict[str, tuple[int, ...]]:
    """The tensors NumpyVoiceEncoder uses and their shapes in a resemblyzer state dict."""
    h4 = 4 * HIDDEN_SIZE
    shapes: dict[str, tuple[int, ...]] = {}
    for k in range(NUM_LAYERS):
        shapes[f"lstm.weight_ih_l{k}"] = (h4, MEL_CHANNELS if k == 0 else HIDDEN_SIZE)
        shapes[f"lstm.weight_hh_l{k}"] = (h4, HIDDEN_SIZE)
        shapes[f"lstm.bias_ih_l{k}"] = (h4,)
        shapes[f"lstm.bias_hh_l{k}"] = (h4,)
    shapes["linear.weight"] = (EMBEDDING_SIZE, HIDDEN_SIZE)
    shapes["linear.bias"] = (EMBEDDING_SIZE,)
    return shapes


def _blas_controller() -> Any:
    """threadpoolctl's controller of the BLAS numpy loaded, or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        log.info("threadpoolctl is not installed: numpy's BLAS threads are left as they are")
        return None
    return ThreadpoolController()


def _lstm_layer(
    x: Float32, layer: _Layer, active: npt.NDArray[np.intp], keep_outputs: bool
) -> tuple[Float32 | None, Float32]:
    """One layer over time-major ``x`` (steps, batch, input), windows sorted longest first.

    Returns the outputs (steps, batch, H), or None unless ``keep_outputs``, and
    each window's hidden state after its own last step (batch, H): a window's
    rows stop being updated once ``active`` leaves it out, so the final state
    is what remains. Outputs past a window's end stay zero and are never read.
    """
    steps, batch, _ = x.shape
    hs, s3, h4 = HIDDEN_SIZE, 3 * HIDDEN_SIZE, 4 * HIDDEN_SIZE
    out = np.zeros((steps, batch, hs), dtype=np.float32) if keep_outputs else None
    h = np.zeros((batch, hs), dtype=np.float32)
    c = np.zeros((batch, hs), dtype=np.float32)
    gates = np.empty((batch, h4), dtype=np.float32)
    tmp = np.empty((batch, hs), dtype=np.float32)
    gates_x = np.empty((0, batch, h4), dtype=np.float32)
    for t in range(steps):
        if t % PROJECTION_STEPS == 0:
            # The input projection of the next PROJECTION_STEPS steps in one matmul.
            chunk = x[t : t + PROJECTION_STEPS]
            gates_x = (chunk.reshape(-1, chunk.shape[2]) @ layer.w_ih_t).reshape(-1, batch, h4)
            gates_x += layer.bias
        n = int(active[t])
        g, ht, ct, tt = gates[:n], h[:n], c[:n], tmp[:n]
        np.matmul(ht, layer.w_hh_t, out=g)
        g += gates_x[t % PROJECTION_STEPS, :n]
        np.tanh(g, out=g)  # the i, f, o rows were halved: sigmoid = (tanh + 1) / 2
        sig = g[:, :s3]
        sig *= 0.5
        sig += 0.5
        ct *= g[:, hs : 2 * hs]  # f * c
        np.multiply(g[:, :hs], g[:, s3:], out=tt)  # i * g
        ct += tt
        np.tanh(ct, out=ht)
        ht *= g[:, 2 * hs : s3]  # o * tanh(c)
        if out is not None:
            out[t, :n] = ht
    return out, h
