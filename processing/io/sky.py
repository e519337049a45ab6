"""The celestial WCS of a header, accepted only when it really maps pixels to the sky."""

from __future__ import annotations

import re
import warnings

import numpy as np
from astropy.io import fits


def celestial_wcs(header: fits.Header):
    """Return the celestial WCS of a header, or None when it has none or it is invalid."""
    from astropy.wcs import WCS, FITSFixedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)  # cards astropy fixes
        try:
            wcs = WCS(header)
        except Exception:
            return None
        if not wcs.has_celestial:
            return None
        try:
            celestial = wcs.celestial
        except Exception:
            return None
        return celestial if _usable(celestial, header) else None


def _usable(wcs, header: fits.Header) -> bool:
    """A WCS that maps pixels to the sky and back: a finite, non-singular scale (an all-zero
    or rank-1 CD matrix is no WCS, not 1 degree per pixel) and a centre that converts."""
    cd = [k for k in header.keys() if re.fullmatch(r"CD\d_\d", k)]
    if cd and all(_number(header[k]) == 0.0 for k in cd):
        return False
    try:
        matrix = np.asarray(wcs.pixel_scale_matrix, float)
        if not np.all(np.isfinite(matrix)) or abs(np.linalg.det(matrix)) < 1e-30:
            return False
        ny, nx = int(header.get("NAXIS2", 1) or 1), int(header.get("NAXIS1", 1) or 1)
        sky = wcs.all_pix2world([[nx / 2.0, ny / 2.0]], 0)
        back = wcs.all_world2pix(sky, 0)
    except Exception:
        return False
    return bool(np.all(np.isfinite(sky)) and np.all(np.isfinite(back)))


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
