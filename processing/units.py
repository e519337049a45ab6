"""Running [0, 1] image functions on science data without losing its units or NaN.

scikit-image's exposure and restoration functions expect images in [0, 1]; FITS data are
in ADU or electrons, can be negative and have NaN. :func:`in_unit_range` maps the finite
range onto [0, 1], fills NaN so filters don't spread them, calls the function, maps the
result back to the original units and puts the NaN back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def finite_range(data: np.ndarray) -> tuple[float, float]:
    """Minimum and maximum of the finite values (``(0, 1)`` when there are none)."""
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return 0.0, 1.0
    return float(finite.min()), float(finite.max())


def fill_nan(data: np.ndarray, value: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A copy with NaN/Inf replaced (by the median unless ``value``) and the bad mask."""
    bad = ~np.isfinite(data)
    if not bad.any():
        return data.astype(np.float32, copy=True), bad
    fill = float(np.median(data[~bad])) if value is None and (~bad).any() else (value or 0.0)
    return np.where(bad, np.float32(fill), data).astype(np.float32), bad


def in_unit_range(
    data: np.ndarray, fn: Callable[[np.ndarray], np.ndarray], keep_nan: bool = True
) -> np.ndarray:
    """Apply ``fn`` to ``data`` scaled to [0, 1]; return float32 in the original units.

    Parameters
    ----------
    data : numpy.ndarray
        Science data (any range, NaN allowed).
    fn : callable
        Takes and returns float arrays in (about) [0, 1].
    keep_nan : bool
        Put NaN back where the input had them.
    """
    lo, hi = finite_range(data)
    span = hi - lo if hi > lo else 1.0
    filled, bad = fill_nan(data)
    unit = (filled.astype(np.float64) - lo) / span
    out = np.asarray(fn(unit), dtype=np.float64) * span + lo
    out = out.astype(np.float32)
    if keep_nan and bad.any() and out.shape == data.shape:
        out[bad] = np.nan
    return out
