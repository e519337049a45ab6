"""The few exception types that processing raises.

Every message names the file (where there is one), what is wrong and what to do,
so the GUI and the CLI can show it to a person as it is.
"""

from __future__ import annotations


class SkyglassError(Exception):
    """Base class of every error a person should see as a message, not a traceback."""


class ImageReadError(SkyglassError):
    """A file could not be read as an image (not FITS, truncated, no image, unsupported)."""


class ImageTooLargeError(ImageReadError):
    """An image bigger than the memory budget; ``factor`` is the binning that would fit."""

    def __init__(self, message: str, factor: int) -> None:
        super().__init__(message)
        self.factor = factor


class InvalidParameterError(SkyglassError, ValueError):
    """A parameter given by the user is out of range or malformed."""
