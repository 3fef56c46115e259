"""The numpy voice encoder against resemblyzer's torch model and librosa's mel spectrogram.

The reference side (torch, librosa, resemblyzer) is imported here only; the
numpy side must give the same numbers without importing any of them.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import sys
import wave
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plenaria.diarization.encoder import (
    EMBEDDING_SIZE,
    NumpyVoiceEncoder,
    mel_filterbank,
    mel_spectrogram,
    resemblyzer_weights_path,
)
from plenaria.diarization.torchfile import (
    LEGACY_MAGIC,
    LEGACY_PROTOCOL,
    CheckpointError,
    load_state_dict,
    load_torch_checkpoint,
)
from plenaria.errors import InputError, ModelNotFoundError

RATE = 16_000


@pytest.fixture(scope="module")
def torch_encoder() -> Any:
    pytest.importorskip("torch")
    pytest.importorskip("resemblyzer")
    from plenaria.diarization.embedded import load_voice_encoder

    return load_voice_encoder("cpu")


@pytest.fixture(scope="module")
def numpy_encoder() -> NumpyVoiceEncoder:
    return NumpyVoiceEncoder.load()


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """Four seconds of espeak-ng Spanish at 16 kHz, float32."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from scipy.signal import resample_poly

    text = "Buenas tardes. Se abre la sesión ordinaria del pleno del ayuntamiento."
    raw = subprocess.run(
        ["espeak-ng", "-v", "es", "--stdout", text], capture_output=True, check=True
    ).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    return np.asarray(resample_poly(samples, RATE, rate), dtype=np.float32)


def librosa_mel(audio: np.ndarray) -> np.ndarray:
    librosa = pytest.importorskip("librosa")
    mel = librosa.feature.melspectrogram(y=audio, sr=RATE, n_fft=400, hop_length=160, n_mels=40)
    return np.asarray(mel.T, dtype=np.float32)


def torch_embed(encoder: Any, mels: list[np.ndarray]) -> np.ndarray:
    """resemblyzer's forward on a packed batch, as the embedded diarizer runs it."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    lengths = [len(m) for m in mels]
    padded = np.zeros((len(mels), max(lengths), 40), dtype=np.float32)
    for i, m in enumerate(mels):
        padded[i, : len(m)] = m
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads crawl when the machine is shared
    try:
        with torch.inference_mode():
            packed = pack_padded_sequence(
                torch.from_numpy(padded),
                torch.tensor(lengths),
                batch_first=True,
                enforce_sorted=False,
            )
            _, (hidden, _) = encoder.lstm(packed)
            raw = encoder.relu(encoder.linear(hidden[-1]))
            return (raw / torch.norm(raw, dim=1, keepdim=True)).numpy()
    finally:
        torch.set_num_threads(threads)


# --- mel spectrogram -----------------------------------------------------------------------


def test_mel_filterbank_is_librosas() -> None:
    librosa = pytest.importorskip("librosa")
    expected = librosa.filters.mel(sr=RATE, n_fft=400, n_mels=40)
    np.testing.assert_allclose(mel_filterbank(), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_samples", [RATE * 3, 16_123, 400, 250, 1])
def test_mel_spectrogram_of_noise_is_librosas(n_samples: int) -> None:
    audio = (np.random.default_rng(n_samples).standard_normal(n_samples) * 0.1).astype(np.float32)
    ours, theirs = mel_spectrogram(audio), librosa_mel(audio)
    assert ours.shape == theirs.shape == (1 + n_samples // 160, 40)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * float(theirs.max()))


def test_mel_spectrogram_of_speech_is_librosas(speech: np.ndarray) -> None:
    ours, theirs = mel_spectrogram(speech), librosa_mel(speech)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-5 * theirs.max()
    # Where there is energy, every bin agrees to 1e-5 of itself.
    loud = theirs > 1e-6 * theirs.max()
    assert loud.mean() > 0.5
    assert (np.abs(ours - theirs)[loud] / theirs[loud]).max() < 1e-5


def test_mel_spectrogram_refuses_what_is_not_a_signal() -> None:
    with pytest.raises(InputError, match="non-empty 1-D"):
        mel_spectrogram(np.zeros(0, dtype=np.float32))
    with pytest.raises(InputError, match=r"shape \(2, 100\)"):
        mel_spectrogram(np.zeros((2, 100), dtype=np.float32))


# --- encoder -------------------------------------------------------------------------------


def test_embeddings_equal_resemblyzers_on_windows_of_different_lengths(
    torch_encoder: Any, numpy_encoder: NumpyVoiceEncoder, speech: np.ndarray
) -> None:
    mel = mel_spectrogram(speech)
    rng = np.random.default_rng(7)
    noise = np.exp(rng.standard_normal((300, 40)).cumsum(axis=0) * 0.2 - 4).astype(np.float32)
    mels = [mel[0:160], mel[40:130], mel[100:101], noise[:160], mel[50:300], noise[7:90]]
    mels += [mel[i : i + 160] * 3.0 for i in range(0, len(mel) - 160, 40)]
    assert len({len(m) for m in mels}) >= 5
    ours = numpy_encoder.embed_mels(mels)
    theirs = torch_embed(torch_encoder, mels)
    assert ours.shape == (len(mels), EMBEDDING_SIZE) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)
    # Not a degenerate model: different inputs give clearly different embeddings.
    assert float(ours[0] @ ours[3]) < 0.95


def test_a_window_embeds_the_same_alone_or_in_a_mixed_batch(
    numpy_encoder: NumpyVoiceEncoder,
) -> None:
    rng = np.random.default_rng(3)
    mels = [np.exp(rng.standard_normal((n, 40)) - 3).astype(np.float32) for n in (30, 160, 5)]
    batch = numpy_encoder.embed_mels(mels)
    for i, m in enumerate(mels):
        np.testing.assert_allclose(numpy_encoder.embed_mels([m])[0], batch[i], atol=1e-6)
    assert numpy_encoder.embed_mels([]).shape == (0, EMBEDDING_SIZE)


def test_embed_mels_refuses_windows_of_the_wrong_shape(numpy_encoder: NumpyVoiceEncoder) -> None:
    good = np.ones((10, 40), dtype=np.float32)
    with pytest.raises(InputError, match=r"Mel window 1 has shape \(10, 39\)"):
        numpy_encoder.embed_mels([good, np.ones((10, 39), dtype=np.float32)])
    with pytest.raises(InputError, match=r"Mel window 0 has shape \(0, 40\)"):
        numpy_encoder.embed_mels([np.ones((0, 40), dtype=np.float32), good])


def test_the_numpy_path_imports_neither_torch_nor_librosa() -> None:
    code = (
        "import sys, numpy as np\n"
        "from plenaria.diarization.encoder import NumpyVoiceEncoder, mel_spectrogram\n"
        "enc = NumpyVoiceEncoder.load()\n"
        "mel = mel_spectrogram(np.random.default_rng(0).standard_normal(16000).astype('f4'))\n"
        "assert enc.embed_mels([mel, mel[:50]]).shape == (2, 256)\n"
        "heavy = ('torch', 'librosa', 'resemblyzer', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


# --- checkpoint reader ---------------------------------------------------------------------


def test_weights_are_read_exactly_as_torch_reads_them() -> None:
    torch = pytest.importorskip("torch")
    path = resemblyzer_weights_path()
    assert path.name == "pretrained.pt" and path.parent.name == "resemblyzer"
    ours = load_state_dict(path)
    theirs = torch.load(path, map_location="cpu", weights_only=True)["model_state"]
    assert set(ours) == set(theirs)
    assert ours["lstm.weight_hh_l2"].shape == (1024, 256)
    for name, tensor in theirs.items():
        assert np.array_equal(ours[name], tensor.numpy()), name


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_offsets_strides_and_shared_storages_survive(tmp_path: Path, legacy: bool) -> None:
    torch = pytest.importorskip("torch")
    base = torch.arange(60, dtype=torch.float32).reshape(6, 10)
    state = {
        "view": base[1:, ::3],  # storage offset and strides
        "transposed": base.t(),
        "whole": base,
        "ints": torch.tensor([[1, -2], [3, 4]], dtype=torch.int64),
        "half": torch.tensor([0.5, -1.25], dtype=torch.float16),
    }
    path = tmp_path / "weights.pt"
    torch.save({"model_state": state, "step": 3}, path, _use_new_zipfile_serialization=not legacy)
    assert zipfile.is_zipfile(path) is not legacy
    loaded = load_torch_checkpoint(path)
    assert loaded["step"] == 3
    for name, tensor in state.items():
        array = loaded["model_state"][name]
        assert array.dtype == tensor.numpy().dtype
        assert np.array_equal(array, tensor.numpy()), name


def _legacy_file(path: Path, payload: bytes) -> Path:
    with path.open("wb") as f:
        pickle.dump(LEGACY_MAGIC, f, protocol=2)
        pickle.dump(LEGACY_PROTOCOL, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True}, f, protocol=2)
        f.write(payload)
    return path


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("layout", ["legacy", "legacy-header", "zip"])
def test_a_checkpoint_naming_another_global_is_refused_unrun(tmp_path: Path, layout: str) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"model_state": {"w": _Exploit(marker)}}, protocol=2)
    path = tmp_path / "evil.pt"
    if layout == "legacy":
        _legacy_file(path, payload)
    elif layout == "legacy-header":  # in place of the magic number
        path.write_bytes(pickle.dumps(_Exploit(marker), protocol=2) + payload)
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("evil/data.pkl", payload)
    with pytest.raises(CheckpointError) as caught:
        NumpyVoiceEncoder.load(path)
    message = str(caught.value)
    assert "evil.pt" in message and "posix.system" in message and "refused" in message
    assert "\n" not in message
    assert not marker.exists()


def test_a_truncated_or_missing_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pt"
    cut.write_bytes(resemblyzer_weights_path().read_bytes()[:5_000_000])
    with pytest.raises(CheckpointError, match=r"cut\.pt is not a usable PyTorch weights file"):
        NumpyVoiceEncoder.load(cut)
    with pytest.raises(ModelNotFoundError, match="Cannot read the weights file"):
        NumpyVoiceEncoder.load(tmp_path / "absent.pt")
    wrong = _legacy_file(tmp_path / "wrong.pt", pickle.dumps({"model_state": {}}, protocol=2))
    wrong.write_bytes(wrong.read_bytes() + pickle.dumps([], protocol=2))
    with pytest.raises(CheckpointError, match=r"lack the tensor lstm\.weight_ih_l0"):
        NumpyVoiceEncoder.load(wrong)
