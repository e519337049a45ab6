"""Contours of an image, at levels from the scale limits or given by hand."""

from __future__ import annotations

import math

import numpy as np

from skyglass.processing.errors import InvalidParameterError


def contour_levels(low: float, high: float, count: int = 5) -> list[float]:
    """``count`` levels spread evenly between the limits (ends excluded, as contours at
    the very limits trace the noise)."""
    if count < 1:
        raise InvalidParameterError("at least one contour level is needed.")
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        raise InvalidParameterError("contour levels need limits with low < high.")
    return [float(v) for v in np.linspace(low, high, count + 2)[1:-1]]


def contours(data, levels, smooth: float = 0.0, max_size: int = 1024) -> dict[float, list]:
    """Contour lines of ``data`` at ``levels``.

    Parameters
    ----------
    data : array-like, 2-D
    levels : sequence of float
    smooth : float
        Gaussian smoothing sigma in image pixels before contouring.
    max_size : int
        The image is subsampled to at most this many pixels a side first (speed).

    Returns
    -------
    dict
        level -> list of ``(x, y)`` arrays in FITS pixels.
    """
    from scipy import ndimage
    from skimage import measure

    ny, nx = data.shape
    step = max(1, int(math.ceil(max(ny, nx) / max_size)))
    sub = np.asarray(data[::step, ::step], dtype=np.float64)
    finite = np.isfinite(sub)
    if not finite.any():
        return {float(level): [] for level in levels}
    sub = np.where(finite, sub, np.nanmedian(sub))
    if smooth > 0:
        sub = ndimage.gaussian_filter(sub, smooth / step)
    out = {}
    for level in levels:
        lines = []
        for c in measure.find_contours(sub, float(level)):
            lines.append((c[:, 1] * step + 1.0, c[:, 0] * step + 1.0))
        out[float(level)] = lines
    return out
