"""A coordinate grid (RA/Dec lines and labels) and north/east directions from a WCS."""

from __future__ import annotations

import math

import numpy as np

_NICE_ARCSEC = [
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    18000,
    36000,
    54000,
    108000,
    216000,
]


def north_east(wcs, shape) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (in pixel x, y) pointing north and east at the image centre."""
    ny, nx = shape
    cx, cy = (nx + 1) / 2, (ny + 1) / 2
    ra, dec = wcs.all_pix2world([[cx, cy]], 1)[0]
    # One arcminute north (south and reversed within an arcminute of the north pole).
    d = 1.0 / 60.0 if dec + 1.0 / 60.0 <= 90.0 else -1.0 / 60.0
    north = np.sign(d) * (wcs.all_world2pix([[ra, dec + d]], 1)[0] - [cx, cy])
    d = abs(d)
    east = wcs.all_world2pix([[ra + d / max(math.cos(math.radians(dec)), 1e-6), dec]], 1)[0] - [
        cx,
        cy,
    ]
    return north / np.hypot(*north), east / np.hypot(*east)


def _spacing(span_deg: float, target: int = 4) -> float:
    want = span_deg * 3600 / target
    return min((s for s in _NICE_ARCSEC if s >= want), default=_NICE_ARCSEC[-1]) / 3600


def grid_lines(wcs, shape, target: int = 4, samples: int = 200, box=None):
    """RA and Dec lines (or galactic/ecliptic longitude and latitude) across the image
    (or the part of it in ``box``), and their labels.

    Parameters
    ----------
    wcs : astropy.wcs.WCS
    shape : (ny, nx)
    target : int
        About how many lines of each kind.
    samples : int
        Points along each line.
    box : (x0, x1, y0, y1), optional
        The visible part in FITS pixels (the grid adapts to the zoom, as DS9's does).

    Returns
    -------
    (list, list)
        Lines as ``(kind, value, x, y)`` (FITS pixels, NaN outside the box) and labels as
        ``(text, x, y)``: RA labels where their line meets the bottom of the box, Dec
        labels where theirs meets the left.
    """
    from astropy.coordinates import Angle

    ny, nx = shape
    x0, x1, y0, y1 = 0.5, nx + 0.5, 0.5, ny + 0.5
    if box is not None:
        x0, x1 = max(x0, box[0]), min(x1, box[1])
        y0, y1 = max(y0, box[2]), min(y1, box[3])
        if x1 <= x0 or y1 <= y0:
            return [], []
    gx = np.linspace(x0, x1, 50)
    gy = np.linspace(y0, y1, 50)
    xs = np.concatenate([gx, np.full(50, x1), gx, np.full(50, x0), np.repeat(gx[::3], 17)])
    ys = np.concatenate([np.full(50, y0), gy, np.full(50, y1), gy, np.tile(gy[::3], 17)])
    ra, dec = wcs.all_pix2world(xs, ys, 1)
    if not np.isfinite(dec).any():
        return [], []  # the box is off the sky (the corner of an all-sky projection)
    ra0 = float(wcs.all_pix2world([[(x0 + x1) / 2, (y0 + y1) / 2]], 1)[0][0])
    if not math.isfinite(ra0):
        ra0 = float(np.nanmedian(ra))
    dra = (ra - ra0 + 180.0) % 360.0 - 180.0  # unwrapped about the centre
    dec_lo, dec_hi = float(np.nanmin(dec)), float(np.nanmax(dec))
    ra_lo, ra_hi = float(np.nanmin(dra)), float(np.nanmax(dra))
    dec_step = _spacing(dec_hi - dec_lo, target)
    # RA labels read in time units: the step is a round number of seconds of time
    # (one degree of RA is 240 s of time). Other longitudes (galactic, ecliptic) in degrees.
    equatorial = str(wcs.wcs.ctype[0]).upper().startswith("RA")
    if equatorial:
        want_time_s = (ra_hi - ra_lo) * 240.0 / target
        ra_step = min((s for s in _NICE_ARCSEC if s >= want_time_s), default=_NICE_ARCSEC[-1])
        ra_step /= 240
    else:
        ra_step = _spacing(ra_hi - ra_lo, target)
    lines, labels = [], []
    decs = np.linspace(dec_lo, dec_hi, samples)
    ra_first, ra_last = ra0 + ra_lo, ra0 + ra_hi
    for k in np.arange(math.ceil(ra_first / ra_step), math.floor(ra_last / ra_step) + 1):
        value = (k * ra_step) % 360.0
        x, y = wcs.all_world2pix(np.full(samples, value), decs, 1)
        x, y = _clip(x, y, (x0, x1, y0, y1))
        if np.isfinite(x).any():
            lines.append(("ra", value, x, y))
            i = int(np.nanargmin(np.where(np.isfinite(y), y, np.inf)))
            text = Angle(value, "deg").to_string(
                unit="hourangle" if equatorial else "deg", sep=":", precision=0
            )
            labels.append((text, x[i], y[i]))
    ras = ra0 + np.linspace(ra_lo, ra_hi, samples)
    for k in np.arange(math.ceil(dec_lo / dec_step), math.floor(dec_hi / dec_step) + 1):
        value = k * dec_step
        x, y = wcs.all_world2pix(ras % 360.0, np.full(samples, value), 1)
        x, y = _clip(x, y, (x0, x1, y0, y1))
        if np.isfinite(x).any():
            lines.append(("dec", value, x, y))
            i = int(np.nanargmin(np.where(np.isfinite(x), x, np.inf)))
            text = Angle(value, "deg").to_string(unit="deg", sep=":", precision=0, alwayssign=True)
            labels.append((text, x[i], y[i]))
    return lines, labels


def _clip(x, y, box):
    x0, x1, y0, y1 = box
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    return np.where(inside, x, np.nan), np.where(inside, y, np.nan)
