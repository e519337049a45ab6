"""Keeping the WCS right through geometric edits.

A geometric operation is described by a 3 x 3 matrix ``A`` mapping input pixel positions
to output pixel positions (0-based ``x, y``). The celestial WCS follows exactly:
``CRPIX' = A (CRPIX - 1) + 1`` and ``CD' = CD L^-1`` (``L`` the linear part of ``A``). For
flips, quarter turns, crops and rescales this is exact; rotations and affine warps get the
transformed CD matrix. A nonlinear warp (projective, swirl) has no such form: the WCS is
removed and a HISTORY card says why.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
from astropy.io import fits

_PIXEL_KEYS = re.compile(r"^(CRPIX[12]|CD[12]_[12]|PC[12]_[12]|CDELT[12]|CROTA[12])$")
_WCS_KEYS = re.compile(
    r"^(CRPIX\d|CRVAL\d|CTYPE\d|CUNIT\d|CD\d_\d|PC\d_\d|CDELT\d|CROTA\d|LONPOLE|LATPOLE|"
    r"RADESYS|EQUINOX|A_\d+_\d+|B_\d+_\d+|AP_\d+_\d+|BP_\d+_\d+|A_ORDER|B_ORDER|AP_ORDER|"
    r"BP_ORDER|WCSAXES|PV\d_\d+)$"
)
_SIP = re.compile(r"^(A|B|AP|BP)_(\d+_\d+|ORDER)$")


def has_wcs(header: fits.Header) -> bool:
    return "CTYPE1" in header and "CTYPE2" in header


def cd_matrix(header: fits.Header) -> np.ndarray:
    """The 2 x 2 CD matrix, whatever form the header uses (CD, PC + CDELT, CROTA2)."""
    from astropy.wcs import WCS, FITSFixedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        w = WCS(header, naxis=2, relax=True)
    return np.asarray(
        w.wcs.get_pc() * w.wcs.get_cdelt()[:, None] if not w.wcs.has_cd() else w.wcs.cd, dtype=float
    )


def transform_wcs(header: fits.Header, matrix: np.ndarray) -> tuple[fits.Header, str]:
    """Return a copy of ``header`` whose WCS follows the pixel map ``matrix``.

    Parameters
    ----------
    header : astropy.io.fits.Header
    matrix : numpy.ndarray
        3 x 3, input (x, y, 1) -> output (x, y, 1), 0-based pixels.

    Returns
    -------
    (Header, str)
        The new header and a note for HISTORY (empty when there was no WCS).
    """
    out = header.copy()
    if not has_wcs(header):
        return out, ""
    matrix = np.asarray(matrix, dtype=float)
    linear, shift = matrix[:2, :2], matrix[:2, 2]
    cd = cd_matrix(header)
    crpix = np.array([float(header.get("CRPIX1", 0.0)), float(header.get("CRPIX2", 0.0))])
    new_crpix = linear @ (crpix - 1.0) + shift + 1.0
    new_cd = cd @ np.linalg.inv(linear)
    note = ""
    if any(_SIP.match(k) for k in header):
        note = "SIP distortion terms removed (they do not follow the transform)"
        for key in [k for k in out if _SIP.match(k)]:
            del out[key]
        for axis in (1, 2):
            ctype = str(out.get(f"CTYPE{axis}", ""))
            out[f"CTYPE{axis}"] = ctype.replace("-SIP", "")
    for key in [k for k in out if _PIXEL_KEYS.match(k)]:
        del out[key]
    out["CRPIX1"], out["CRPIX2"] = float(new_crpix[0]), float(new_crpix[1])
    for i in range(2):
        for j in range(2):
            out[f"CD{i + 1}_{j + 1}"] = float(new_cd[i, j])
    return out, note or "WCS transformed with the image"


def drop_wcs(header: fits.Header, reason: str) -> fits.Header:
    """A copy of ``header`` without WCS keywords, and a HISTORY card saying why."""
    out = header.copy()
    if not has_wcs(header):
        return out
    for key in [k for k in out if _WCS_KEYS.match(k)]:
        del out[key]
    out.add_history(f"WCS removed: {reason}")
    return out


def pixel_to_sky(header: fits.Header, x: np.ndarray, y: np.ndarray):
    """Sky positions (degrees) of 0-based pixel positions, or None without a usable WCS
    (a singular or all-zero CD matrix, Dec beyond the pole: no sky positions, no crash)."""
    from skyglass.processing.io.sky import celestial_wcs

    if not has_wcs(header):
        return None
    w = celestial_wcs(header)
    if w is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return w.all_pix2world(np.asarray(x, float), np.asarray(y, float), 0)
    except Exception:  # wcslib refuses these pixels: the catalogue has no sky columns
        return None
