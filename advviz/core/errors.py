"""User-facing errors: each message says what was expected and what was found."""

from __future__ import annotations


class AdvvizError(Exception):
    """An error caused by input (a file, a name, a value), reported without a traceback."""


class ModelLoadError(AdvvizError):
    """A model file is missing, corrupt or does not fit the expected architecture."""


class DataError(AdvvizError):
    """A data set, image or folder is missing, unreadable or of the wrong shape."""


class SaveError(AdvvizError):
    """A file could not be written (a read-only folder, a full disk); no partial file is left behind."""


class SkippedImagesWarning(UserWarning):
    """Some files of a folder of images could not be read; the rest loaded."""
