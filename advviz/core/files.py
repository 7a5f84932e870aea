"""Files written whole or not at all: weights, zoo.json, exports, animations, sessions.

A file is written under a new hidden name beside its target, then renamed over it: a reader never sees half
a file, and a failed write (a full disk, a read-only folder) leaves nothing behind and raises
:class:`~advviz.core.errors.SaveError` with the reason in words.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

from advviz.core.errors import SaveError


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(name)`` for a new file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    temporary = _new_file_beside(path)
    try:
        write(str(temporary))
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, (OSError, RuntimeError)):  # torch's zip writer fails with a RuntimeError
            raise SaveError(f"cannot write {path.name} in {path.parent}: {_why_unwritten(error)}") from error
        raise


def check_writable(folder: Path) -> None:
    """Refuse ``folder`` now if no file can be made in it (training writes only at its end, and must not find
    out then). A trial file, not ``os.access``, which passes any folder for root."""
    _new_file_beside(Path(folder) / "write-check").unlink()


def _new_file_beside(path: Path) -> Path:
    """A new empty hidden file in ``path``'s folder, with the permissions ``open()`` gives (mkstemp's are 0600)."""
    if not path.parent.is_dir():
        raise SaveError(f"folder not found: {path.parent}")
    # the target's suffix kept last: writers choose the format by it (numpy adds .npz, PIL and ffmpeg read it)
    temporary = path.with_name(f".{path.stem}-{secrets.token_hex(4)}{path.suffix}")
    try:
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as error:
        raise SaveError(f"cannot write in {path.parent}: {error.strerror or error}") from error
    return temporary


def _why_unwritten(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror  # "No space left on device", "Read-only file system"
    # torch: "[enforce fail at inline_container.cc:672] . unexpected pos 1344 vs 1236"
    detail = re.sub(r"^\[enforce fail at [^\]]*\]\s*\.?\s*", "", (str(error).splitlines() or [""])[0])
    return f"the write stopped part-way (disk full?): {detail or type(error).__name__}"
