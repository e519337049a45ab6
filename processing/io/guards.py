"""Checks made before a file is read: that it is a readable regular file, that its FITS
headers cannot make a reader loop or allocate without end, and that the image it
announces fits the memory budget (see :mod:`.fitsscan`, :mod:`.budget`)."""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from skyglass.processing.errors import ImageReadError, ImageTooLargeError


def check_file(path: str) -> None:
    """ImageReadError unless ``path`` is an existing, readable, non-empty regular file."""
    if not os.path.exists(path):
        raise ImageReadError(f"{path}: no such file.")
    if os.path.isdir(path):
        raise ImageReadError(f"{path}: is a folder, not an image file.")
    if not os.path.isfile(path):  # reading a FIFO or a device would block without end
        raise ImageReadError(f"{path}: not a regular file (a pipe or a device).")
    if not os.access(path, os.R_OK):
        raise ImageReadError(f"{path}: permission denied; check the file's permissions.")
    if os.path.getsize(path) == 0:
        raise ImageReadError(f"{path}: the file is empty.")


def starts_like_fits(path: str) -> bool:
    """True when the file begins with a FITS primary header."""
    try:
        with open(path, "rb") as fh:
            return fh.read(9) == b"SIMPLE  ="
    except OSError:
        return False


def check_fits_header(path: str, name: str) -> None:
    """Refuse, before astropy reads anything, headers that would make it loop or allocate
    without end, and compressed images over the memory budget."""
    from skyglass.processing.io.binned import factor_to_fit, too_large_message
    from skyglass.processing.io.budget import memory_budget
    from skyglass.processing.io.fitsscan import (
        HeaderProblem,
        NoEndCard,
        first_header,
        is_gzip,
        scan,
    )

    try:
        if is_gzip(path):
            info = first_header(path)
            budget = memory_budget()
            pixels = info.data_bytes // max(1, abs(info.bitpix) // 8)
            if info.data_bytes + 4 * pixels > budget and len(info.shape) >= 2:
                factor = factor_to_fit(info.shape, budget)
                raise ImageTooLargeError(too_large_message(name, info, budget, factor), factor)
        elif starts_like_fits(path):
            for _ in scan(path):
                pass
    except (NoEndCard, EOFError, OSError, gzip.BadGzipFile, zlib.error):
        return  # astropy's own reading says what is wrong (truncated, no END ...)
    except HeaderProblem as exc:
        raise ImageReadError(f"{name}: {exc}; this is not a valid FITS header.") from None


def check_raster_size(path: str, name: str) -> None:
    """Refuse, from the file's own description, a raster whose pixels (and their float32
    copy) exceed the memory budget: a 1.7 MB tiled TIFF can announce 40960 x 40960."""
    import imageio.v3 as iio

    from skyglass.processing.io.budget import human, memory_budget

    try:
        props = iio.improps(path)
    except Exception:
        return  # reading it says what is wrong
    pixels = int(np.prod(props.shape)) if props.shape else 0
    need = pixels * (np.dtype(props.dtype).itemsize + 4)
    budget = memory_budget()
    if need > budget:
        dims = " x ".join(str(n) for n in props.shape)
        raise ImageReadError(
            f"{name}: the image is {dims} {np.dtype(props.dtype).name} ({human(need)} to "
            f"show), more than the memory budget of {human(budget)}; raise "
            "SKYGLASS_MEMORY_BUDGET to open it."
        )
