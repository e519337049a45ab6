"""Masks (True = leave this pixel out): from regions, thresholds, NaN and saturation;
saved as a FITS image extension named MASK (uint8) and read back."""

from __future__ import annotations

import numpy as np
from astropy.io import fits

from skyglass.processing.measure.regionstats import region_mask


def from_regions(shape: tuple[int, int], include=(), exclude=()) -> np.ndarray:
    """Masked outside the ``include`` regions (if any) and inside the ``exclude`` ones."""
    mask = np.zeros(shape, bool)
    if include:
        keep = np.zeros(shape, bool)
        for r in include:
            keep |= region_mask(r, shape)
        mask |= ~keep
    for r in exclude:
        mask |= region_mask(r, shape)
    return mask


def from_threshold(
    data: np.ndarray, low: float | None = None, high: float | None = None
) -> np.ndarray:
    """Mask pixels below ``low`` or above ``high``."""
    mask = np.zeros(data.shape, bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            mask |= data < low
        if high is not None:
            mask |= data > high
    return mask


def from_nan(data: np.ndarray) -> np.ndarray:
    return ~np.isfinite(data)


def from_saturation(data: np.ndarray, level: float, grow: int = 1) -> np.ndarray:
    """Saturated pixels (>= level), grown by ``grow`` pixels."""
    from scipy import ndimage

    with np.errstate(invalid="ignore"):
        sat = data >= level
    return ndimage.binary_dilation(sat, iterations=grow) if grow > 0 and sat.any() else sat


def paint(mask: np.ndarray, x: float, y: float, radius: float, value: bool = True) -> None:
    """Paint a disc at FITS (x, y) into ``mask`` (in place)."""
    ny, nx = mask.shape
    cx, cy = x - 1, y - 1
    r = int(np.ceil(radius))
    r0, r1 = max(0, int(cy) - r), min(ny, int(cy) + r + 2)
    c0, c1 = max(0, int(cx) - r), min(nx, int(cx) + r + 2)
    yy, xx = np.mgrid[r0:r1, c0:c1]
    mask[r0:r1, c0:c1][(xx - cx) ** 2 + (yy - cy) ** 2 <= radius * radius] = value


def to_hdu(mask: np.ndarray) -> fits.ImageHDU:
    hdu = fits.ImageHDU(mask.astype(np.uint8), name="MASK")
    hdu.header["COMMENT"] = "1 = pixel masked (left out of statistics and processing)"
    return hdu


def from_hdulist(hdul: fits.HDUList) -> np.ndarray | None:
    """The MASK extension as booleans, or None."""
    for hdu in hdul:
        if hdu.name == "MASK" and hdu.data is not None:
            return np.asarray(hdu.data).astype(bool)
    return None
