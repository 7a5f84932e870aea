"""Load torch's C++ libraries with the GIL released, before ``import torch`` runs on the start-up worker.

``import torch`` maps libtorch_cpu (and, in a CUDA build, libtorch_cuda) while holding the GIL: ~0.3 s
on a 2-core VM during which the freshly painted window could not handle a single event. A foreign call
through ctypes releases the GIL, so calling the C library's ``dlopen`` first does that work while the
window goes on; the import then finds the libraries loaded. Linux only (the libraries' names and
``dlopen`` differ elsewhere); any failure leaves the work to the import, as before.

A CUDA build's libraries need NVIDIA's (cuDNN, cuBLAS, the CUDA runtime). torch loads the pip-installed
copies before its own libraries so that they win over any system copy; a preload does the same only
where those copies sit beside torch (``site-packages/nvidia``), which the libraries' RPATH — searched
before ``LD_LIBRARY_PATH`` and the system's cache — then finds first. Elsewhere (a split install)
nothing is preloaded, so a process never ends up with two CUDA runtimes.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

# dependency order: each one's own dependencies are already mapped when it is loaded
TORCH_LIBRARIES = ("libc10.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so")
RTLD_NOW = 2  # resolve every symbol now (that is the slow part we want off the GIL); RTLD_LOCAL is 0


def torch_library_folder() -> Path | None:
    """torch's ``lib`` folder, found without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "lib"
    return folder if folder.is_dir() else None


def preloadable_folder() -> Path | None:
    """torch's ``lib`` folder where a preload resolves every dependency as torch's own loading would."""
    if not sys.platform.startswith("linux") or "torch" in sys.modules:
        return None
    folder = torch_library_folder()
    if folder is None:
        return None
    cuda_build = (folder / "libtorch_cuda.so").is_file()
    if cuda_build and not (folder.parent.parent / "nvidia").is_dir():
        return None  # the NVIDIA libraries live elsewhere: leave their order to torch
    return folder


def preload_torch_libraries() -> list[str]:
    """Map torch's shared libraries (GIL released); returns the names loaded (empty where not done)."""
    try:
        folder = preloadable_folder()
        if folder is None:
            return []
        dlopen = ctypes.CDLL(None).dlopen  # a foreign function: ctypes releases the GIL around the call
        dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
        loaded = []
        for name in TORCH_LIBRARIES:
            path = folder / name
            # the handle is kept on purpose: the libraries stay loaded for the process, as torch keeps them
            if path.is_file() and dlopen(os.fsencode(path), RTLD_NOW):
                loaded.append(name)
        return loaded
    except (OSError, AttributeError, ValueError, ImportError):  # a start-up nicety, never a reason to fail
        return []
