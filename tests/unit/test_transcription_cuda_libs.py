"""Finding and preloading the NVIDIA wheels' libraries (the loader-path logic, no GPU).

The preload test builds two tiny shared libraries with the C compiler, in a
folder the loader does not search, the second needing the first: the same
situation as cuBLAS/cuDNN in ``site-packages/nvidia/*/lib``. Their sonames are
made up, so nothing here can shadow a real CUDA library.
"""

from __future__ import annotations

import ctypes
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from plenaria.transcription import cuda_libs
from plenaria.transcription.cuda_libs import (
    _libraries,
    cuda_environment,
    cuda_library_dirs,
    preload_cuda_libraries,
)


def wheel_tree(root: Path, names: tuple[str, ...] = ("cublas", "cudnn")) -> list[Path]:
    dirs = []
    for name in names:
        lib = root / "nvidia" / name / "lib"
        lib.mkdir(parents=True)
        dirs.append(lib)
    return dirs


def test_the_lib_folders_of_the_installed_wheels_are_found(tmp_path: Path) -> None:
    a, b = tmp_path / "site-a", tmp_path / "site-b"
    (cublas,) = wheel_tree(a, ("cublas",))
    (cudnn,) = wheel_tree(b, ("cudnn",))
    (a / "nvidia" / "cuda_runtime" / "lib").mkdir(parents=True)  # not one of ours
    assert cuda_library_dirs([a / "nvidia", b / "nvidia"]) == [cublas, cudnn]
    assert cuda_library_dirs([tmp_path / "nowhere"]) == []


def test_libraries_others_depend_on_come_first(tmp_path: Path) -> None:
    cublas, cudnn = wheel_tree(tmp_path)
    for d, names in (
        (cublas, ["libcublas.so.12", "libcublasLt.so.12", "libnvblas.so.12"]),
        (cudnn, ["libcudnn_ops.so.9", "libcudnn.so.9", "libcudnn_graph.so.9", "README"]),
    ):
        for n in names:
            (d / n).write_bytes(b"")
    assert [f.name for f in _libraries([cublas, cudnn])] == [
        "libcublasLt.so.12",
        "libcublas.so.12",
        "libcudnn_graph.so.9",
        "libcudnn.so.9",
        "libcudnn_ops.so.9",
        "libnvblas.so.12",
    ]


def compile_library(out: Path, soname: str, source: str, needs: Path | None = None) -> None:
    c = out.with_suffix(".c")
    c.write_text(source)
    cmd = ["cc", "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", str(out), str(c)]
    if needs is not None:
        cmd += [str(needs)]
    subprocess.run(cmd, check=True, capture_output=True)
    c.unlink()


@pytest.mark.needs(
    shutil.which("cc") is not None, reason="needs a C compiler (gcc) to build test libraries"
)
def test_preloaded_libraries_are_found_by_name_and_in_dependency_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cublas, cudnn = wheel_tree(tmp_path)
    base = cublas / "libcublas.so.12"
    compile_library(base, "libplenaria_test_base.so", "int plenaria_base(void) { return 41; }")
    # ranked first, but it needs the other one: its first load fails, the retry succeeds
    top = cublas / "libcublasLt.so.12"
    compile_library(
        top,
        "libplenaria_test_top.so",
        "int plenaria_base(void);\nint plenaria_top(void) { return plenaria_base() + 1; }",
        needs=base,
    )
    (cudnn / "libcudnn_broken.so.9").write_bytes(b"not a library")
    with pytest.raises(OSError):
        ctypes.CDLL("libplenaria_test_top.so")  # not on the loader's path

    with caplog.at_level(logging.WARNING, logger=cuda_libs.__name__):
        loaded = preload_cuda_libraries([cublas, cudnn])
    assert loaded == [base, top]
    assert "libcudnn_broken.so.9" in caplog.text
    # what CTranslate2 does: open by name, which now finds the loaded library
    assert ctypes.CDLL("libplenaria_test_top.so").plenaria_top() == 42
    assert preload_cuda_libraries([cublas, cudnn]) == [base, top]  # idempotent


def test_a_new_worker_process_gets_the_folders_on_its_loader_path(tmp_path: Path) -> None:
    cublas, cudnn = wheel_tree(tmp_path)
    env = cuda_environment(
        {"PATH": "/usr/bin", "LD_LIBRARY_PATH": f"/opt/x:{cudnn}"}, [cublas, cudnn]
    )
    assert env["LD_LIBRARY_PATH"] == f"{cublas}:{cudnn}:/opt/x"
    assert env["PATH"] == "/usr/bin"
    assert "LD_LIBRARY_PATH" not in cuda_environment({"PATH": "/usr/bin"}, [])


def test_without_the_wheels_nothing_is_loaded() -> None:
    # this machine has no nvidia wheels installed (the [gpu] extra is for GPU workers)
    assert preload_cuda_libraries([]) == []
    assert all(d.parts[-3] == "nvidia" for d in cuda_library_dirs())
