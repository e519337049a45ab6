"""Image statistics and sky positions for the ``info`` command and the readout."""

from __future__ import annotations

import math

import numpy as np

from skyglass.processing.coords import fits_to_index
from skyglass.processing.errors import InvalidParameterError

#: Above this many pixels the median is taken on a grid sample (and said so).
EXACT_MEDIAN_LIMIT = 64_000_000
_CHUNK_ROWS = 512


def image_stats(data) -> dict:
    """Statistics of the finite pixels of a 2-D image, read in row chunks.

    Parameters
    ----------
    data : array-like, 2-D
        ndarray or ScaledArray.

    Returns
    -------
    dict
        ``min``, ``max``, ``mean``, ``median``, ``std`` (None when no pixel is finite),
        ``nan_count`` (NaN and Inf pixels), ``count`` (finite pixels) and
        ``median_sampled`` (True when the image was too large for an exact median).
    """
    ny, nx = data.shape
    n = 0
    total = 0.0
    lo, hi = math.inf, -math.inf
    bad = 0
    # Two passes keep the variance exact (no catastrophic cancellation).
    for r0 in range(0, ny, _CHUNK_ROWS):
        block = np.asarray(data[r0 : r0 + _CHUNK_ROWS], dtype=np.float32)
        finite = block[np.isfinite(block)]
        bad += block.size - finite.size
        if finite.size:
            n += finite.size
            total += float(finite.sum(dtype=np.float64))
            lo = min(lo, float(finite.min()))
            hi = max(hi, float(finite.max()))
    if n == 0:
        return {
            "min": None,
            "max": None,
            "mean": None,
            "median": None,
            "std": None,
            "nan_count": int(bad),
            "count": 0,
            "median_sampled": False,
        }
    mean = total / n
    ss = 0.0
    for r0 in range(0, ny, _CHUNK_ROWS):
        block = np.asarray(data[r0 : r0 + _CHUNK_ROWS], dtype=np.float64)
        finite = block[np.isfinite(block)]
        ss += float(np.dot(finite - mean, finite - mean))
    sampled = ny * nx > EXACT_MEDIAN_LIMIT
    if sampled:
        from skyglass.processing.display.limits import grid_sample

        median = float(np.median(grid_sample(data, 4_000_000)))
    else:
        full = np.asarray(data[:, :], dtype=np.float32)
        median = float(np.median(full[np.isfinite(full)]))
    return {
        "min": lo,
        "max": hi,
        "mean": mean,
        "median": median,
        "std": math.sqrt(ss / n),
        "nan_count": int(bad),
        "count": int(n),
        "median_sampled": sampled,
    }


def pixel_value(data, x: float, y: float) -> float:
    """Value at FITS pixel ``(x, y)`` (1-based; the pixel containing that position).

    Raises
    ------
    InvalidParameterError
        If the position is outside the image.
    """
    row, col = fits_to_index(x, y)
    ny, nx = data.shape
    if not (0 <= row < ny and 0 <= col < nx):
        raise InvalidParameterError(
            f"pixel ({x:g}, {y:g}) is outside the image (x 1 to {nx}, y 1 to {ny})."
        )
    return float(np.asarray(data[row, col]))


def sky_position(wcs, x: float, y: float) -> tuple[float, float] | None:
    """RA and Dec in degrees of FITS pixel ``(x, y)``, or None without a WCS."""
    if wcs is None:
        return None
    ra, dec = wcs.all_pix2world([[x, y]], 1)[0]
    if not (math.isfinite(ra) and math.isfinite(dec)):
        return None
    return float(ra), float(dec)


def format_sexagesimal(ra: float, dec: float) -> tuple[str, str]:
    """RA as ``hh:mm:ss.ss`` and Dec as ``+dd:mm:ss.s``."""
    from astropy.coordinates import Angle

    ra_s = Angle(ra, "deg").to_string(unit="hourangle", sep=":", precision=2, pad=True)
    dec_s = Angle(dec, "deg").to_string(unit="deg", sep=":", precision=1, pad=True, alwayssign=True)
    return ra_s, dec_s


def masked_stats(data, mask=None) -> dict:
    """Statistics of the pixels a mask leaves (True = masked out, as numpy.ma means it)
    that have a value: ``count``, ``masked``, ``min``, ``max``, ``mean``, ``median``, ``std``
    (None when no pixel is left)."""
    values = np.asarray(data[:, :], dtype=np.float64)
    keep = np.isfinite(values)
    masked = 0
    if mask is not None:
        mask = np.asarray(mask, bool)
        if mask.shape != values.shape:
            from skyglass.processing.errors import InvalidParameterError

            raise InvalidParameterError(
                f"the mask is {mask.shape[1]} x {mask.shape[0]}, the image "
                f"{values.shape[1]} x {values.shape[0]}."
            )
        masked = int(mask.sum())
        keep &= ~mask
    left = values[keep]
    out = {"count": int(left.size), "masked": masked}
    if left.size == 0:
        return {**out, **{k: None for k in ("min", "max", "mean", "median", "std")}}
    return {
        **out,
        "min": float(left.min()),
        "max": float(left.max()),
        "mean": float(left.mean()),
        "median": float(np.median(left)),
        "std": float(left.std()),
    }
