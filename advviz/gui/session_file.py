"""The session file itself: its format, atomic writing, reading, and the checked reading of its fields
(a wrong field is named and its default used; the rest of the session opens)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from advviz.gui.panels.explain_common import setting_number

FORMAT = "advviz-session"
VERSION = 1
FILTER = "advviz session (*.json);;All files (*)"


class SessionError(ValueError):
    """A session file that cannot be read, with a message for the window."""


# -- files ----------------------------------------------------------------------------------------------
def write_json_atomic(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    from advviz.gui.export import write_atomically

    def write(name: str) -> None:
        with open(name, "w", encoding="utf-8") as file:
            json.dump(payload, file, indent=2, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())

    path = Path(path)
    write_atomically(path, write)
    return path


def read_session(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SessionError(f"session file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SessionError(f"{path.name} is not a readable session file ({error})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise SessionError(f"{path.name} is not an advviz session (no \"format\": \"{FORMAT}\")")
    version = payload.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise SessionError(f"{path.name} has no session version number (\"version\": {version!r})")
    if version > VERSION:
        raise SessionError(f"{path.name} was written by a newer advviz (session version {version})")
    return payload


class FieldReader:
    """Reads a session's fields by type: a value of the wrong type (a hand-edited file) is named in
    ``problems`` and the default used instead — one bad field must not stop the rest from opening."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def _wrong(self, key: str, value: Any, wanted: str, default: Any, *, instead: str | None = None) -> Any:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
        self.problems.append(f"{key} = {shown} is not {wanted}; {instead or f'kept {default!r}'}")
        return default

    def section(self, source: dict[str, Any], key: str) -> dict[str, Any]:
        value = source.get(key)
        if value is None:
            return {}
        return value if isinstance(value, dict) else self._wrong(key, value, "a group of settings", {})

    def number(self, source: dict[str, Any], key: str, default: float) -> float:
        value = source.get(key, default)
        if setting_number(value):
            return float(value)
        return self._wrong(key, value, "a number of a sensible size", default)

    def integer(self, source: dict[str, Any], key: str, default: int) -> int:
        value = source.get(key, default)
        if setting_number(value) and float(value).is_integer():
            return int(value)
        return self._wrong(key, value, "a whole number of a sensible size", default)

    def flag(self, source: dict[str, Any], key: str, default: bool) -> bool:
        value = source.get(key, default)
        return value if isinstance(value, bool) else self._wrong(key, value, "true or false", default)

    def text(self, source: dict[str, Any], key: str, default: str) -> str:
        value = source.get(key, default)
        return value if isinstance(value, str) else self._wrong(key, value, "a text", default)

    def items(self, source: dict[str, Any], key: str) -> list[Any]:
        value = source.get(key, [])
        return value if isinstance(value, list) else self._wrong(key, value, "a list", [])

    def image_shape(self, source: dict[str, Any], key: str) -> tuple[int, int, int] | None:
        """[channels, height, width] of images — 1 or 3 channels, sides 4 … 4,096 — or None (absent or
        wrong: the swept model's input shape)."""
        value = source.get(key)
        if value is None:
            return None
        if (isinstance(value, list) and len(value) == 3 and all(setting_number(v) and float(v).is_integer()
                                                                for v in value)
                and int(value[0]) in (1, 3) and all(4 <= int(v) <= 4096 for v in value[1:])):
            return int(value[0]), int(value[1]), int(value[2])
        return self._wrong(key, value, "[channels (1 or 3), height, width] with sides of 4 to 4,096 pixels",
                           None, instead="used the swept model's input shape")

    def texts(self, source: dict[str, Any], key: str) -> list[str] | None:
        """A list of texts, or None (absent or wrong)."""
        value = source.get(key)
        if value is None or (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            return value
        return self._wrong(key, value, "a list of names", None, instead="used the data set's class names")
