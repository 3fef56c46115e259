"""One-time export of the two diarization networks from their torch checkpoints to ONNX.

Only :func:`export_segmentation` and :func:`export_campplus` import torch, and
only the first time a cache folder is used (``plenaria models prepare``, run by
``make`` and by ``serve``; else ``models.ensure_onnx``); every later run loads
the ``.onnx`` files with onnxruntime alone. Processes that start at once export
a file once: under an exclusive lock on a file beside it, to a temporary name
that is synced and then renamed, so no process reads a half-written file.

- pyannote segmentation-3.0 (PyanNet: SincNet, 4 bidirectional LSTM layers, 2
  linear layers, 7 powerset classes). The SincNet band-pass filters are
  computed once from the checkpoint's learnt cut-off frequencies (asteroid's
  ParamSincFB equations: 40 cosine + 40 sine filters, 251 taps) and exported as
  a fixed convolution.
- 3D-Speaker CAM++ (192-d speaker embedding from 80 Kaldi filter banks).

Module names mirror the checkpoints' state-dict keys so ``load_state_dict`` is
strict. The pyannote checkpoint is a Lightning pickle that names pyannote
classes: they are read as inert placeholders (the SHA-256 is checked first).
"""

from __future__ import annotations

import fcntl
import logging
import os
import pickle
import tempfile
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEG_SAMPLES = 160_000  # 10 s at 16 kHz
OPSET = 17

log = logging.getLogger(__name__)


def _stub_pickle() -> Any:
    """A pickle module whose Unpickler reads pyannote/Lightning classes as placeholders."""

    class Placeholder:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __setstate__(self, state: Any) -> None:
            self.__dict__["state"] = state

    foreign = ("pyannote", "pytorch_lightning", "lightning", "omegaconf", "typing")

    class Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module.split(".")[0] in foreign:
                return type(name, (Placeholder,), {"__module__": module})
            return super().find_class(module, name)

    return types.SimpleNamespace(Unpickler=Unpickler, load=pickle.load, __name__="stub_pickle")


def load_segmentation_state(path: Path) -> dict[str, Any]:
    import torch

    checkpoint = torch.load(
        path, map_location="cpu", weights_only=False, pickle_module=_stub_pickle()
    )
    return dict(checkpoint["state_dict"])


def _build_segmentation(state: dict[str, Any]) -> Any:
    import torch
    from torch import nn
    from torch.nn import functional as F

    def sinc_filters(low_hz_: Any, band_hz_: Any, window_: Any, n_: Any) -> Any:
        min_low_hz = min_band_hz = 50.0
        low = min_low_hz + torch.abs(low_hz_)
        high = torch.clamp(low + min_band_hz + torch.abs(band_hz_), min_low_hz, 8000.0)
        band = (high - low)[:, 0]
        ft_low, ft_high = low @ n_, high @ n_
        even_left = ((torch.sin(ft_high) - torch.sin(ft_low)) / (n_ / 2)) * window_
        odd_left = ((torch.cos(ft_low) - torch.cos(ft_high)) / (n_ / 2)) * window_
        even = torch.cat([even_left, 2 * band[:, None], torch.flip(even_left, dims=[1])], dim=1)
        zero = torch.zeros_like(band[:, None])
        odd = torch.cat([odd_left, zero, -torch.flip(odd_left, dims=[1])], dim=1)
        both = torch.cat([even / (2 * band[:, None]), odd / (2 * band[:, None])], dim=0)
        return both.reshape(-1, 1, both.shape[-1])

    class SincNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wav_norm1d = nn.InstanceNorm1d(1, affine=True)
            self.conv1d = nn.ModuleList([nn.Identity(), nn.Conv1d(80, 60, 5), nn.Conv1d(60, 60, 5)])
            self.pool1d = nn.ModuleList([nn.MaxPool1d(3, stride=3) for _ in range(3)])
            self.norm1d = nn.ModuleList([nn.InstanceNorm1d(c, affine=True) for c in (80, 60, 60)])
            self.register_buffer("sinc", torch.zeros(80, 1, 251))

        def forward(self, x: Any) -> Any:
            x = self.wav_norm1d(x)
            sinc: Any = self.sinc
            x = torch.abs(F.conv1d(x, sinc, stride=10))
            x = F.leaky_relu(self.norm1d[0](self.pool1d[0](x)))
            for i in (1, 2):
                x = F.leaky_relu(self.norm1d[i](self.pool1d[i](self.conv1d[i](x))))
            return x

    class PyanNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.sincnet = SincNet()
            self.lstm = nn.LSTM(60, 128, num_layers=4, bidirectional=True, batch_first=True)
            self.linear = nn.ModuleList([nn.Linear(256, 128), nn.Linear(128, 128)])
            self.classifier = nn.Linear(128, 7)

        def forward(self, waveforms: Any) -> Any:
            x = self.sincnet(waveforms).transpose(1, 2)
            x, _ = self.lstm(x)
            for layer in self.linear:
                x = F.leaky_relu(layer(x))
            return F.log_softmax(self.classifier(x), dim=-1)

    prefix = "sincnet.conv1d.0.filterbank."
    weights = {k: v for k, v in state.items() if not k.startswith(prefix)}
    weights["sincnet.sinc"] = sinc_filters(
        *(state[prefix + k].float() for k in ("low_hz_", "band_hz_", "window_", "n_"))
    )
    model = PyanNet()
    model.load_state_dict(weights, strict=True)
    return model.eval()


def _build_campplus(state: dict[str, Any]) -> Any:
    """CAM++ (3D-Speaker) with 192-d output; layer names as in the checkpoint."""
    from collections import OrderedDict

    import torch
    from torch import nn
    from torch.nn import functional as F

    def bn_relu(channels: int, affine: bool = True) -> nn.Sequential:
        return nn.Sequential(
            OrderedDict(
                [("batchnorm", nn.BatchNorm1d(channels, affine=affine)), ("relu", nn.ReLU())]
            )
        )

    class ResBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=(stride, 1), padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride=(stride, 1), bias=False), nn.BatchNorm2d(cout)
                )

        def forward(self, x: Any) -> Any:
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            return F.relu(out + self.shortcut(x))

    class FCM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(32)
            self.layer1 = nn.Sequential(ResBlock(32, 32, 2), ResBlock(32, 32, 1))
            self.layer2 = nn.Sequential(ResBlock(32, 32, 2), ResBlock(32, 32, 1))
            self.conv2 = nn.Conv2d(32, 32, 3, stride=(2, 1), padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(32)

        def forward(self, x: Any) -> Any:
            out = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
            out = F.relu(self.bn2(self.conv2(self.layer2(self.layer1(out)))))
            return out.flatten(1, 2)  # (B, 32 * 10, T)

    class TDNN(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.linear = nn.Conv1d(cin, cout, 5, stride=2, padding=2, bias=False)
            self.nonlinear = bn_relu(cout)

        def forward(self, x: Any) -> Any:
            return self.nonlinear(self.linear(x))

    class CAMLayer(nn.Module):
        def __init__(self, channels: int, cout: int, dilation: int) -> None:
            super().__init__()
            self.linear_local = nn.Conv1d(
                channels, cout, 3, padding=dilation, dilation=dilation, bias=False
            )
            self.linear1 = nn.Conv1d(channels, channels // 2, 1)
            self.linear2 = nn.Conv1d(channels // 2, cout, 1)

        def forward(self, x: Any) -> Any:
            y = self.linear_local(x)
            # context: the mean over the whole input plus the mean over 100-frame segments
            t = x.shape[-1]
            seg = F.avg_pool1d(x, kernel_size=100, stride=100, ceil_mode=True)
            seg = seg.unsqueeze(-1).expand(-1, -1, -1, 100).flatten(2)[..., :t]
            context = x.mean(-1, keepdim=True) + seg
            return y * torch.sigmoid(self.linear2(F.relu(self.linear1(context))))

    class DenseLayer(nn.Module):
        def __init__(self, cin: int, dilation: int) -> None:
            super().__init__()
            self.nonlinear1 = bn_relu(cin)
            self.linear1 = nn.Conv1d(cin, 128, 1, bias=False)
            self.nonlinear2 = bn_relu(128)
            self.cam_layer = CAMLayer(128, 32, dilation)

        def forward(self, x: Any) -> Any:
            return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))

    class DenseBlock(nn.ModuleDict):
        def __init__(self, layers: int, cin: int, dilation: int) -> None:
            super().__init__(
                {f"tdnnd{i + 1}": DenseLayer(cin + i * 32, dilation) for i in range(layers)}
            )

        def forward(self, x: Any) -> Any:
            for layer in self.values():
                x = torch.cat([x, layer(x)], dim=1)
            return x

    class Transit(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.nonlinear = bn_relu(cin)
            self.linear = nn.Conv1d(cin, cout, 1, bias=False)

        def forward(self, x: Any) -> Any:
            return self.linear(self.nonlinear(x))

    class StatsPool(nn.Module):
        def forward(self, x: Any) -> Any:
            return torch.cat([x.mean(-1), x.std(-1, unbiased=True)], dim=-1)

    class Dense(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.linear = nn.Conv1d(cin, cout, 1, bias=False)
            self.nonlinear = nn.Sequential(
                OrderedDict([("batchnorm", nn.BatchNorm1d(cout, affine=False))])
            )

        def forward(self, x: Any) -> Any:
            return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))

    class CAMPPlus(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.head = FCM()
            modules: OrderedDict[str, nn.Module] = OrderedDict(tdnn=TDNN(320, 128))
            channels = 128
            for i, (layers, dilation) in enumerate(((12, 1), (24, 2), (16, 2))):
                modules[f"block{i + 1}"] = DenseBlock(layers, channels, dilation)
                channels += layers * 32
                modules[f"transit{i + 1}"] = Transit(channels, channels // 2)
                channels //= 2
            modules["out_nonlinear"] = bn_relu(channels)
            modules["stats"] = StatsPool()
            modules["dense"] = Dense(channels * 2, 192)
            self.xvector = nn.Sequential(modules)

        def forward(self, feats: Any) -> Any:
            return self.xvector(self.head(feats.transpose(1, 2)))

    model = CAMPPlus()
    model.load_state_dict(state, strict=True)
    return model.eval()


def _export(
    model: Any, example: Any, out: Path, names: tuple[str, str], axes: dict[str, Any]
) -> None:
    """``model`` to ``out`` through a synced temporary file in the same folder, renamed."""
    import torch

    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with torch.inference_mode():
            torch.onnx.export(
                model,
                (example,),
                tmp,
                input_names=[names[0]],
                output_names=[names[1]],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the model from other users
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def _export_once(
    out: Path, build: Callable[[], tuple[Any, Any]], names: tuple[str, str], axes: dict[str, Any]
) -> bool:
    """Export ``build()``'s ``(model, example)`` to ``out`` unless it is there; True if
    this call exported it. Other processes wait on the lock, then find the file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_name(f".{out.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if out.is_file():
            return False
        log.info("exporting %s to ONNX (once)", out)
        model, example = build()
        _export(model, example, out, names, axes)
        return True


def export_segmentation(checkpoint: Path, out: Path) -> bool:
    """segmentation-3.0 to ONNX: ``waveform (B, 1, samples)`` -> ``log_probs (B, frames, 7)``.

    Once: False when ``out`` exists (or another process made it while this one waited).
    """

    def build() -> tuple[Any, Any]:
        import torch

        model = _build_segmentation(load_segmentation_state(checkpoint))
        return model, torch.zeros(2, 1, SEG_SAMPLES)

    return _export_once(
        out,
        build,
        ("waveform", "log_probs"),
        {"waveform": {0: "batch", 2: "samples"}, "log_probs": {0: "batch", 1: "frames"}},
    )


def export_campplus(checkpoint: Path, out: Path) -> bool:
    """CAM++ to ONNX: ``feats (B, T, 80)`` (mean-normalised fbank) -> ``embedding (B, 192)``.

    Once: False when ``out`` exists (or another process made it while this one waited).
    """

    def build() -> tuple[Any, Any]:
        import torch

        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        return _build_campplus(state), torch.randn(2, 300, 80)

    return _export_once(
        out,
        build,
        ("feats", "embedding"),
        {"feats": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
    )


def torch_models(segmentation: Path, campplus: Path) -> tuple[Any, Any]:
    """The two torch models (for checking the ONNX exports against them)."""
    import torch

    seg = _build_segmentation(load_segmentation_state(segmentation))
    cam = _build_campplus(torch.load(campplus, map_location="cpu", weights_only=True))
    return seg, cam
