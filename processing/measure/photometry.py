"""Aperture photometry and the radial profile of a star (DS9's examine, Ginga's Pick)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.table import Table

from skyglass.processing.errors import InvalidParameterError

GAUSS = 2.0 * math.sqrt(2.0 * math.log(2.0))


def aperture_photometry(
    data: np.ndarray,
    x,
    y,
    radius: float = 5.0,
    r_in: float = 8.0,
    r_out: float = 12.0,
    gain: float = 1.0,
    read_noise: float = 0.0,
    zero_point: float = 0.0,
    mask: np.ndarray | None = None,
) -> Table:
    """Circular-aperture photometry with a sky annulus, for one star or a catalogue.

    Parameters
    ----------
    data : numpy.ndarray
        Image in data units (ADU); the sky is measured in the annulus, not subtracted first.
    x, y : float or array
        FITS (1-based) positions.
    radius, r_in, r_out : float
        Aperture radius and sky annulus (pixels).
    gain : float
        e- per data unit (for the photon noise).
    read_noise : float
        e- per pixel.
    zero_point : float
        Added to ``-2.5 log10(flux)`` (0 gives instrumental magnitudes).
    mask : numpy.ndarray, optional
        True for pixels to ignore.

    Returns
    -------
    astropy.table.Table
        x, y, flux, flux_err, sky (per pixel), sky_err, npix, mag, mag_err, snr.
    """
    import sep

    if not (0 < radius < r_in < r_out):
        raise InvalidParameterError("need 0 < radius < inner annulus < outer annulus.")
    if gain <= 0:
        raise InvalidParameterError("gain must be positive.")
    x = np.atleast_1d(np.asarray(x, float)) - 1.0
    y = np.atleast_1d(np.asarray(y, float)) - 1.0
    work = np.ascontiguousarray(data, dtype=np.float64)
    bad = ~np.isfinite(work)
    if mask is not None:
        bad |= mask
    work = np.where(bad, 0.0, work)
    bad_or_none = bad if bad.any() else None
    raw, _, _ = sep.sum_circle(work, x, y, radius, mask=bad_or_none, subpix=5)
    area, _, _ = sep.sum_circle(np.ones_like(work), x, y, radius, mask=bad_or_none, subpix=5)
    sky = np.empty(x.size)
    sky_std = np.empty(x.size)
    nsky = np.empty(x.size)
    ny, nx = work.shape
    for i, (cx, cy) in enumerate(zip(x, y, strict=True)):
        r0, r1 = max(0, int(cy - r_out - 1)), min(ny, int(cy + r_out + 2))
        c0, c1 = max(0, int(cx - r_out - 1)), min(nx, int(cx + r_out + 2))
        yy, xx = np.mgrid[r0:r1, c0:c1]
        rr = np.hypot(xx - cx, yy - cy)
        ring = (rr >= r_in) & (rr < r_out) & ~bad[r0:r1, c0:c1]
        vals = work[r0:r1, c0:c1][ring]
        if vals.size < 5:
            sky[i], sky_std[i], nsky[i] = np.nan, np.nan, vals.size
            continue
        from astropy.stats import sigma_clipped_stats

        _, med, std = sigma_clipped_stats(vals, sigma=3.0, maxiters=5)
        sky[i], sky_std[i], nsky[i] = med, std, vals.size
    flux = raw - sky * area
    # The CCD equation: photon noise of star and sky, read noise, and the sky estimate's
    # own error (data in units of ADU above the bias; gain in e-/ADU; read noise in e-).
    var = (
        np.maximum(flux, 0) / gain
        + area * (np.maximum(sky, 0) / gain + (read_noise / gain) ** 2)
        + area**2 * sky_std**2 / np.maximum(nsky, 1)
    )
    flux_err = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        mag = np.where(flux > 0, zero_point - 2.5 * np.log10(flux), np.nan)
        mag_err = np.where(flux > 0, 2.5 / math.log(10) * flux_err / flux, np.nan)
        snr = flux / flux_err
    t = Table()
    t["x"], t["y"] = x + 1.0, y + 1.0
    t["flux"], t["flux_err"] = flux, flux_err
    t["sky"], t["sky_err"] = sky, sky_std
    t["npix"] = area
    t["mag"], t["mag_err"], t["snr"] = mag, mag_err, snr
    t.meta.update(
        {
            "radius": radius,
            "r_in": r_in,
            "r_out": r_out,
            "gain": gain,
            "read_noise": read_noise,
            "zero_point": zero_point,
        }
    )
    return t


@dataclass
class StarProfile:
    """The radial profile of one star and what was fitted to it."""

    x: float
    y: float
    radius: np.ndarray
    value: np.ndarray
    background: float
    peak: float
    fwhm_gauss: float
    fwhm_moffat: float
    beta: float
    hfd: float
    snr: float
    flux: float
    amp_gauss: float = 0.0
    amp_moffat: float = 0.0

    def model(self, kind: str, r: np.ndarray) -> np.ndarray:
        """The fitted profile (background included) at radii ``r``."""
        if kind == "gaussian":
            s = self.fwhm_gauss / GAUSS
            return self.background + self.amp_gauss * np.exp(-(r**2) / (2 * s * s))
        alpha = self.fwhm_moffat / (2 * math.sqrt(2 ** (1 / self.beta) - 1))
        return self.background + self.amp_moffat * (1 + (r / alpha) ** 2) ** (-self.beta)


def star_profile(
    data: np.ndarray, x: float, y: float, radius: float = 15.0, gain: float = 1.0
) -> StarProfile:
    """Radial profile around FITS (x, y) with Gaussian and Moffat fits, HFD, peak, SNR.

    The centre is refined with a windowed centroid first, so a click near the star is
    enough.
    """
    from scipy.optimize import curve_fit

    from skyglass.processing.measure.stamps import windowed_centroids

    ny, nx = data.shape
    cx, cy = float(x) - 1.0, float(y) - 1.0
    r = int(math.ceil(radius))
    if not (0 <= cx < nx and 0 <= cy < ny):
        raise InvalidParameterError(f"({x:g}, {y:g}) is outside the image.")
    r0, r1, c0, c1 = (
        max(0, int(cy) - r),
        min(ny, int(cy) + r + 1),
        max(0, int(cx) - r),
        min(nx, int(cx) + r + 1),
    )
    stamp = np.asarray(data[r0:r1, c0:c1], dtype=np.float64)
    yy, xx = np.mgrid[r0:r1, c0:c1]
    rr = np.hypot(xx - cx, yy - cy)
    ring = (rr > 0.7 * radius) & np.isfinite(stamp)
    background = float(np.median(stamp[ring])) if ring.any() else float(np.nanmedian(stamp))
    sub = np.where(np.isfinite(stamp), stamp - background, 0.0)
    full = np.zeros((ny, nx))  # centroid on the local stamp only
    full[r0:r1, c0:c1] = sub
    (cx,), (cy,) = windowed_centroids(full, np.array([cx]), np.array([cy]), 1.5)
    rr = np.hypot(xx - cx, yy - cy)
    ok = np.isfinite(stamp)
    rad, val = rr[ok].ravel(), stamp[ok].ravel()
    order = np.argsort(rad)
    rad, val = rad[order], val[order]
    peak = float(np.max(sub))
    inner = rad < radius
    try:
        (pg, sg), _ = curve_fit(
            lambda q, a, s: a * np.exp(-(q**2) / (2 * s * s)),
            rad[inner],
            val[inner] - background,
            p0=(peak, 1.5),
            maxfev=4000,
        )
        fwhm_g = abs(sg) * GAUSS
    except (RuntimeError, ValueError):
        pg, fwhm_g = peak, float("nan")
    try:
        (pm, am, bm), _ = curve_fit(
            lambda q, a, al, b: a * (1 + (q / al) ** 2) ** (-b),
            rad[inner],
            val[inner] - background,
            p0=(peak, 2.0, 3.0),
            bounds=([0, 0.1, 1.01], [np.inf, 100, 20]),
            maxfev=4000,
        )
        fwhm_m = 2 * am * math.sqrt(2 ** (1 / bm) - 1)
    except (RuntimeError, ValueError):
        pm, fwhm_m, bm = peak, float("nan"), 3.0
    within = (rr < 0.7 * radius) & ok
    flux = float(np.sum(sub[within]))
    # Half-flux diameter: twice the flux-weighted mean radius (as focusing tools use).
    weights = np.clip(sub[within], 0, None)
    hfd = (
        float(2 * np.sum(weights * rr[within]) / np.sum(weights))
        if weights.sum() > 0
        else float("nan")
    )
    noise = float(np.std(stamp[ring])) if ring.sum() > 3 else float("nan")
    n = within.sum()
    snr = flux / math.sqrt(max(flux, 0) / gain + n * noise**2) if noise == noise else float("nan")
    return StarProfile(
        cx + 1.0,
        cy + 1.0,
        rad,
        val,
        background,
        peak,
        float(fwhm_g),
        float(fwhm_m),
        float(bm),
        hfd,
        float(snr),
        flux,
        amp_gauss=float(pg),
        amp_moffat=float(pm),
    )
