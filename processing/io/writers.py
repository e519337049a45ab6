"""The formats Skyglass writes: one table for every writer (window, CLI, exports).

A file's suffix says what its bytes are. Each :class:`OutputFormat` says which suffixes it
owns and whether it can write a *view* (the image as displayed: 8-bit RGB) and/or the
*data* (the pixel values, for other programs). A name no format can honour for what is
being written is refused in one line, before any work: never bytes of another format.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from skyglass.processing.errors import SkyglassError
from skyglass.processing.registries import Registry


@dataclass(frozen=True)
class OutputFormat:
    """A writable format.

    Attributes
    ----------
    name : str
        "PNG", "JPEG", "TIFF", "FITS".
    suffixes : tuple of str
        Lower-case endings with the dot.
    view : callable or None
        ``view(tmp_path, rgb_uint8, quality)`` writes a rendered view.
    data : callable or None
        ``data(tmp_path, array, bits)`` writes pixel values (``bits`` 16 or 32).
    data_bits : tuple of int
        The sample sizes ``data`` can write (16 = unsigned 16-bit, 32 = float32).
    """

    name: str
    suffixes: tuple[str, ...]
    view: Callable | None = None
    data: Callable | None = None
    data_bits: tuple[int, ...] = ()


def _imageio(extension: str, **options):
    def write(tmp: str, array: np.ndarray, *_) -> None:
        import imageio.v3 as iio

        iio.imwrite(tmp, array, extension=extension, **options)

    return write


def _jpeg_view(tmp: str, rgb: np.ndarray, quality: int = 92) -> None:
    import imageio.v3 as iio

    iio.imwrite(tmp, rgb, extension=".jpg", quality=int(quality))


def _raster_data(extension: str):
    def write(tmp: str, data: np.ndarray, bits: int) -> None:
        import imageio.v3 as iio

        iio.imwrite(tmp, raster_samples(data, bits), extension=extension)

    return write


def _fits_data(tmp: str, data: np.ndarray, bits: int) -> None:  # a colour image: a cube
    from astropy.io import fits

    from skyglass.processing.io.fileio import stamp_date

    hdu = fits.PrimaryHDU(np.asarray(data, np.float32))
    stamp_date(hdu.header)
    hdu.writeto(tmp, checksum=True)


def _register_builtin() -> None:
    OUTPUTS.register(OutputFormat("PNG", (".png",), _imageio(".png"), _raster_data(".png"), (16,)))
    OUTPUTS.register(OutputFormat("JPEG", (".jpg", ".jpeg"), _jpeg_view))
    OUTPUTS.register(
        OutputFormat("TIFF", (".tif", ".tiff"), _imageio(".tif"), _raster_data(".tif"), (16, 32))
    )
    from skyglass.processing.io.reader import FITS_SUFFIXES

    OUTPUTS.register(OutputFormat("FITS", FITS_SUFFIXES, None, _fits_data, (32,)))


#: Every writable format by name. A new one is one ``OUTPUTS.register(OutputFormat(...))``.
OUTPUTS: Registry[OutputFormat] = Registry("output format", load=_register_builtin)


def suffixes(kind: str) -> tuple[str, ...]:
    """Every suffix a ``view`` or ``data`` writer honours."""
    return tuple(
        s for fmt in OUTPUTS.values() if getattr(fmt, kind) is not None for s in fmt.suffixes
    )


def output_format(path: str | os.PathLike, kind: str = "view") -> OutputFormat:
    """The format ``path``'s suffix names, for writing a ``view`` or ``data``.

    Raises
    ------
    SkyglassError
        No format owns the suffix, or it cannot hold this kind of output.
    """
    name = os.fspath(path).lower()
    best = max(
        (f for f in OUTPUTS.values() if name.endswith(f.suffixes)),
        key=lambda f: max(len(s) for s in f.suffixes if name.endswith(s)),
        default=None,
    )
    if best is None or getattr(best, kind) is None:
        what = "an image as shown" if kind == "view" else "the pixel values"
        raise SkyglassError(
            f"{os.fspath(path)}: cannot write {what} under this name; use one of "
            f"{' '.join(suffixes(kind))}."
        )
    return best


def dialog_filter(kind: str = "view") -> str:
    """A Qt file-dialog filter with one entry per format that can write ``kind``."""
    entries = [
        f"{fmt.name} ({' '.join('*' + s for s in fmt.suffixes)})"
        for fmt in OUTPUTS.values()
        if getattr(fmt, kind) is not None
    ]
    return ";;".join(entries)


def raster_samples(data: np.ndarray, bits: int) -> np.ndarray:
    """Pixel values as an image file stores them, top row first (as the image is shown).

    ``bits`` 32: float32, NaN kept. ``bits`` 16: unsigned 16-bit; data that already are
    whole numbers in 0..65535 are written as they are, anything else is scaled linearly
    from its minimum (0) to its maximum (65535), NaN as 0. A colour image ``(3, ny, nx)``
    becomes ``(ny, nx, 3)`` samples, one scale for the three planes.
    """
    data = np.asarray(data)
    if data.ndim == 3:
        data = np.moveaxis(data, 0, -1)
    data = data[::-1]
    if bits == 32:
        return np.ascontiguousarray(data, dtype=np.float32)
    finite = np.isfinite(data)
    if not finite.any():
        return np.zeros(data.shape, np.uint16)
    values = data[finite]
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 65535 and np.array_equal(values, np.round(values)):
        out = np.where(finite, data, 0)
    else:
        span = high - low if high > low else 1.0
        out = np.where(finite, (data - low) / span * 65535.0 + 0.5, 0)
    return np.clip(out, 0, 65535).astype(np.uint16)


def write_view(
    path: str | os.PathLike, rgb: np.ndarray, quality: int = 92, overwrite: bool = True
) -> None:
    """Write a rendered view (8-bit, RGB or grey) in the format the name says, atomically."""
    from skyglass.processing.io.fileio import atomic_write

    fmt = output_format(path, "view")
    atomic_write(path, lambda tmp: fmt.view(tmp, rgb, quality), overwrite=overwrite)


def write_data(
    path: str | os.PathLike, data: np.ndarray, bits: int | None = None, overwrite: bool = True
) -> None:
    """Write pixel values (not the view) for other programs: 16-bit PNG/TIFF, float32 TIFF
    or FITS, chosen by the name (``bits`` picks between 16 and 32 where both fit)."""
    from skyglass.processing.io.fileio import atomic_write

    fmt = output_format(path, "data")
    bits = bits or fmt.data_bits[-1]
    if bits not in fmt.data_bits:
        raise SkyglassError(
            f"{os.fspath(path)}: {fmt.name} holds {' or '.join(map(str, fmt.data_bits))}-bit "
            f"data, not {bits}-bit."
        )
    atomic_write(path, lambda tmp: fmt.data(tmp, data, bits), overwrite=overwrite)
