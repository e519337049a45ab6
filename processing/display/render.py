"""From pixel values to colours: limits -> stretch -> contrast/bias -> colormap, by table.

The full chain from a data index to an RGBA colour is folded into one packed ``uint32``
table of :data:`~processing.stretch.LUT_SIZE` entries (plus one for NaN), so drawing a
crop costs a scale, a clip and one gather, whatever the settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from skyglass.processing.display.colormaps import NCOLORS, check_colormap, colormap_table
from skyglass.processing.display.limits import LimitSpec, compute_limits, grid_sample, parse_limits
from skyglass.processing.display.stretch import (
    DEFAULT_EXPONENT,
    LUT_SIZE,
    check_scale,
    contrast_bias_index,
    histequ_table,
    stretch_table,
)
from skyglass.processing.display.view import subsample_step

#: DS9 draws NaN pixels white by default.
DEFAULT_NAN_COLOR = (255, 255, 255)


@dataclass(frozen=True)
class DisplaySettings:
    """How to turn pixel values into colours (DS9's scale and colormap dialogs).

    Attributes
    ----------
    scale : str
        Stretch name (``linear``, ``log``, ...).
    exponent : float
        Log/pow exponent.
    limits : str
        Limits request (``minmax``, ``zscale``, ``99.5``, ``LOW,HIGH`` ...).
    contrast, bias : float
        DS9 colormap contrast and bias.
    cmap : str
        Colormap name.
    invert : bool
        Invert the colormap.
    nan_color : tuple of int
        RGB for NaN and Inf pixels.
    """

    scale: str = "linear"
    exponent: float = DEFAULT_EXPONENT
    limits: str = "minmax"
    contrast: float = 1.0
    bias: float = 0.5
    cmap: str = "grey"
    invert: bool = False
    nan_color: tuple[int, int, int] = DEFAULT_NAN_COLOR

    def validated(self) -> DisplaySettings:
        """Return a copy with names normalised; raises InvalidParameterError when invalid."""
        parse_limits(self.limits)
        return replace(self, scale=check_scale(self.scale), cmap=check_colormap(self.cmap))

    @property
    def limit_spec(self) -> LimitSpec:
        return parse_limits(self.limits)


def pack_rgba(rgb: np.ndarray, alpha: int = 255) -> np.ndarray:
    """Pack ``(n, 3)`` uint8 colours into uint32 whose bytes in memory are R, G, B, A."""
    rgb = np.asarray(rgb, dtype=np.uint32)
    return (rgb[:, 0] | (rgb[:, 1] << 8) | (rgb[:, 2] << 16) | np.uint32(alpha) << 24).astype(
        np.uint32
    )


def colour_cells(settings: DisplaySettings, ncolors: int = NCOLORS) -> np.ndarray:
    """The colormap after contrast, bias and inversion: ``(ncolors, 3)`` uint8."""
    table = colormap_table(settings.cmap, ncolors)
    return table[contrast_bias_index(ncolors, settings.contrast, settings.bias, settings.invert)]


def build_lut(
    settings: DisplaySettings,
    histequ: np.ndarray | None = None,
    ncolors: int = NCOLORS,
    y: np.ndarray | None = None,
) -> np.ndarray:
    """Fold stretch, contrast/bias and colormap into one packed RGBA table.

    Returns
    -------
    numpy.ndarray
        ``LUT_SIZE + 1`` uint32 entries; the last is the NaN colour.
    """
    if y is None:
        y = stretch_table(settings.scale, settings.exponent, LUT_SIZE, histequ)
    cell = np.minimum((y * ncolors).astype(np.int64), ncolors - 1)
    rgb = colour_cells(settings, ncolors)[cell]
    nan = np.asarray([settings.nan_color], dtype=np.uint8)
    return pack_rgba(np.concatenate([rgb, nan]))


class LutApplier:
    """Colours 2-D arrays through a packed table, reusing its work buffers between calls.

    Indices follow DS9: ``round((v - low) / (high - low) * (size - 1))``, clipped to the
    table; NaN and Inf take the last entry (the NaN colour); a constant image
    (``high <= low``) maps to entry 0. Reusing buffers matters: allocating fresh
    8 MB arrays costs page faults on every redraw.
    """

    def __init__(self) -> None:
        self._shape: tuple[int, ...] = ()
        self._t = self._idx = self._out = None

    def _buffers(self, shape: tuple[int, ...]):
        if shape != self._shape:
            self._t = np.empty(shape, np.float32)
            self._idx = np.empty(shape, np.intp)
            self._out = np.empty(shape, np.uint32)
            self._shape = shape
        return self._t, self._idx, self._out

    def indices(self, data: np.ndarray, low: float, high: float, size: int) -> np.ndarray:
        """Table indices for ``data`` (a view of an internal buffer)."""
        t, idx, _ = self._buffers(data.shape)
        # DS9's order of operations, (v - low) / (high - low) * (size - 1) + 0.5: in float32
        # it is exact where DS9's double arithmetic is (a value half-way between the
        # limits lands on the middle entry), which a single pre-computed scale is not.
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.isfinite(np.float32(high) - np.float32(low)):
                # Limits near float32's range (+-3e38): their difference overflows, so
                # this rare image is scaled in float64.
                t[...] = (data.astype(np.float64) - low) / (high - low) * (size - 1) + 0.5
            else:
                np.subtract(data, np.float32(low), out=t, casting="unsafe")
                if high > low:
                    np.divide(t, np.float32(high - low), out=t)
                    np.multiply(t, np.float32(size - 1), out=t)
                else:  # keeps NaN/Inf so they are found below
                    np.multiply(t, np.float32(0.0), out=t)
                np.add(t, np.float32(0.5), out=t)
        # One cheap pass finds whether any NaN or Inf is present (a huge but finite sum
        # only sends us down the exact path below, it never hides a bad pixel).
        bad = None if np.isfinite(t.sum()) else ~np.isfinite(t)
        np.clip(t, 0, size - 1, out=t)
        with np.errstate(invalid="ignore"):
            np.copyto(idx, t, casting="unsafe")
        if bad is not None:
            idx[bad] = size
        return idx

    def __call__(self, data: np.ndarray, low: float, high: float, lut: np.ndarray) -> np.ndarray:
        """Return ``(ny, nx, 4)`` uint8 RGBA (a view of an internal buffer)."""
        data = np.asarray(data)
        idx = self.indices(data, low, high, lut.size - 1)
        out = self._out
        np.take(lut, idx, out=out, mode="clip")
        return out.view(np.uint8).reshape(*data.shape, 4)


def data_to_index(data: np.ndarray, low: float, high: float, size: int = LUT_SIZE) -> np.ndarray:
    """Table indices for ``data`` (a new array); see :class:`LutApplier`."""
    return LutApplier().indices(np.asarray(data), low, high, size).copy()


def apply_lut(data: np.ndarray, low: float, high: float, lut: np.ndarray) -> np.ndarray:
    """Colour a 2-D array: a new ``(ny, nx, 4)`` uint8 RGBA array in the array's row order."""
    return LutApplier()(data, low, high, lut).copy()


def nearest_indices(n: int, zoom: float) -> np.ndarray:
    """Source indices for nearest-neighbour resampling of ``n`` pixels by ``zoom``."""
    out = max(1, int(round(n * zoom)))
    return np.minimum(((np.arange(out) + 0.5) / zoom).astype(np.int64), n - 1)


def zoomed(data, zoom: float) -> np.ndarray:
    """Nearest-neighbour resample of a 2-D array (reads only the rows it needs)."""
    ny, nx = data.shape
    if zoom == 1:
        return np.asarray(data[:, :], dtype=np.float32)
    rows = nearest_indices(ny, zoom)
    cols = nearest_indices(nx, zoom)
    if zoom < 1 and float(1 / zoom).is_integer():
        step = subsample_step(zoom)  # the same step as the canvas at this zoom
        start = step // 2
        sub = np.asarray(data[start::step, start::step], dtype=np.float32)
        return sub[: rows.size, : cols.size]
    uniq, inverse = np.unique(rows, return_inverse=True)
    block = np.asarray(data[int(uniq[0]) : int(uniq[-1]) + 1], dtype=np.float32)
    return block[(uniq - uniq[0])[inverse]][:, cols]


@dataclass
class PlaneRendering:
    """What is cached per plane and settings: the limits, the packed colour table and the
    stretch table (``y`` in [0, 1] per table entry, for the colorbar's tick positions)."""

    low: float
    high: float
    lut: np.ndarray
    y: np.ndarray | None = None


def prepare(data, settings: DisplaySettings, sample: np.ndarray | None = None) -> PlaneRendering:
    """Compute limits and the colour table for one plane.

    Parameters
    ----------
    data : array-like, 2-D
        ndarray or ScaledArray.
    settings : DisplaySettings
    sample : numpy.ndarray, optional
        A :func:`~processing.limits.grid_sample` of the plane to reuse.
    """
    settings = settings.validated()
    if sample is None and (settings.scale == "histequ" or settings.limit_spec.mode != "zscale"):
        sample = grid_sample(data)
    low, high = compute_limits(data, settings.limit_spec, sample)
    hist = histequ_table(sample, low, high) if settings.scale == "histequ" else None
    y = stretch_table(settings.scale, settings.exponent, LUT_SIZE, hist)
    return PlaneRendering(low, high, build_lut(settings, y=y), y)


def render_plane(data, settings: DisplaySettings, zoom: float = 1.0) -> np.ndarray:
    """Render a whole 2-D plane to RGBA, as DS9 shows it.

    Returns
    -------
    numpy.ndarray
        ``(rows, cols, 4)`` uint8 in FITS order: row 0 is y = 1 (the bottom of the
        display). Use :func:`to_display_rows` before writing a PNG.
    """
    prep = prepare(data, settings)
    return apply_lut(zoomed(data, zoom), prep.low, prep.high, prep.lut)


def render_composite(planes, settings: DisplaySettings, zoom: float = 1.0) -> np.ndarray:
    """Render three planes as an R, G, B composite, scaling each channel on its own."""
    grey = replace(settings, cmap="grey", invert=False)
    channels = []
    for plane in planes:
        rgba = render_plane(plane, grey, zoom)
        channels.append(rgba[..., 0])
    alpha = np.full_like(channels[0], 255)
    return np.stack([*channels, alpha], axis=-1)


def to_display_rows(rgba: np.ndarray) -> np.ndarray:
    """Flip FITS-ordered rows so the first row is the top of the picture (for PNG)."""
    return np.ascontiguousarray(rgba[::-1])


def zoom_factor(text: str | float) -> float:
    """Parse a zoom such as ``2``, ``0.25`` or ``1/4`` (1/32 to 32)."""
    from skyglass.processing.errors import InvalidParameterError

    try:
        if isinstance(text, str) and "/" in text:
            num, den = text.split("/")
            z = float(num) / float(den)
        else:
            z = float(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidParameterError(f"zoom {text!r}: expected a number such as 2 or 1/4.") from None
    if not (math.isfinite(z) and 1 / 32 <= z <= 32):
        raise InvalidParameterError(f"zoom {text!r}: must be between 1/32 and 32.")
    return z
