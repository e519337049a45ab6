"""The image formats Skyglass reads: one :class:`ImageFormat` per reader, registered here.

The open dialog's filter, the patterns a followed folder and the night library look for,
and the dispatch of :func:`~skyglass.processing.io.reader.open_image` are all built from
this table, so a new format is one ``FORMATS.register`` call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from skyglass.processing.registries import Registry


@dataclass(frozen=True)
class ImageFormat:
    """A readable image format.

    Attributes
    ----------
    name : str
        What the open dialog calls it ("FITS").
    suffixes : tuple of str
        Lower-case file name endings, with the dot (".fits.gz" counts as one).
    open : callable
        ``open(path, hdu) -> LoadedImage``; raises ``ImageReadError``.
    observing : bool
        Files a camera writes during a night: followed folders and the night library
        look for these (FITS); viewing-only formats (PNG, JPEG) are left out there.
    """

    name: str
    suffixes: tuple[str, ...]
    open: Callable
    observing: bool = False


def _load_builtin() -> None:
    from skyglass.processing.io import reader  # noqa: F401 - registers FITS and rasters


#: Every readable format by name. A new format is one ``FORMATS.register(ImageFormat(...))``.
FORMATS: Registry[ImageFormat] = Registry("image format", load=_load_builtin)


def formats() -> list[ImageFormat]:
    """Every registered format (the built-in readers load first)."""
    return FORMATS.values()


def format_for(path: str | os.PathLike) -> ImageFormat | None:
    """The format whose longest suffix ends ``path`` (None if no format claims it)."""
    name = os.fspath(path).lower()
    best, length = None, 0
    for fmt in formats():
        for suffix in fmt.suffixes:
            if name.endswith(suffix) and len(suffix) > length:
                best, length = fmt, len(suffix)
    return best


def patterns(observing_only: bool = False) -> tuple[str, ...]:
    """Glob patterns (``*.fits`` ...) of every format, or only the observing ones."""
    return tuple(
        f"*{suffix}"
        for fmt in formats()
        if fmt.observing or not observing_only
        for suffix in fmt.suffixes
    )


def dialog_filter() -> str:
    """A Qt file-dialog filter: all images first, then one entry per format."""
    entries = [f"Images ({' '.join(patterns())})"]
    entries += [f"{fmt.name} ({' '.join('*' + s for s in fmt.suffixes)})" for fmt in formats()]
    return ";;".join([*entries, "All files (*)"])
