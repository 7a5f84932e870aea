"""Shared helpers of the GUI tests about the models list (tests/gui is on sys.path)."""

from __future__ import annotations

from PySide6.QtCore import Qt


def model_row(window, key):
    """The models list's item of model ``key`` (a zoo name or a user model's key)."""
    models = window.controls.models
    for row in range(models.count()):
        if models.item(row).data(Qt.ItemDataRole.UserRole) == key:
            return models.item(row)
    raise AssertionError(f"{key} is not listed")
