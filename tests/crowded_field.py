"""A synthetic crowded star field with known truth (issue 14): thousands of stars, half of
them in a cluster core, an elliptical Moffat PSF, a sloped and bumpy background, photon and
read noise. Shared by the tests and benchmarks/bench_stars.py.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.io import fits
from astropy.table import Table

FWHM_MAJOR, FWHM_MINOR, ANGLE, BETA = 3.8, 3.0, 30.0, 3.0
GAIN, READ_NOISE = 1.5, 5.0  # e-/ADU, e-


def _moffat_alpha(fwhm: float) -> float:
    return fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / BETA) - 1.0))


def crowded_field(
    size: int = 1024, n_stars: int = 4000, seed: int = 11
) -> tuple[np.ndarray, Table, fits.Header]:
    """``(data in ADU, truth table with 0-based x, y, flux_adu, snr, header)``.

    The truth's ``meta["fwhm"]`` is the geometric mean of the PSF's two FWHMs.
    """
    rng = np.random.default_rng(seed)
    half = n_stars // 2
    centre = size / 2
    # Half spread over the field, half in a core (a Gaussian of 0.12 of the field).
    x = np.concatenate(
        [rng.uniform(0, size, half), rng.normal(centre, 0.12 * size, n_stars - half)]
    )
    y = np.concatenate(
        [rng.uniform(0, size, half), rng.normal(centre, 0.12 * size, n_stars - half)]
    )
    on = (x > -5) & (x < size + 4) & (y > -5) & (y < size + 4)
    x, y = x[on], y[on]
    # Fluxes (electrons): dN/dF ~ F^-1.8 between 300 and 3e5.
    u = rng.uniform(0, 1, x.size)
    lo, hi, p = 300.0, 3e5, -0.8
    flux_e = (lo**p + u * (hi**p - lo**p)) ** (1 / p)
    ax, ay = _moffat_alpha(FWHM_MAJOR), _moffat_alpha(FWHM_MINOR)
    theta = math.radians(ANGLE)
    c, s = math.cos(theta), math.sin(theta)
    img = np.zeros((size, size), np.float64)
    r = 16
    d = np.arange(-r, r + 1)
    norm = (BETA - 1.0) / (math.pi * ax * ay)
    for xi, yi, f in zip(x, y, flux_e, strict=True):
        ix, iy = int(round(xi)), int(round(yi))
        cols, rows = ix + d, iy + d
        okc, okr = (cols >= 0) & (cols < size), (rows >= 0) & (rows < size)
        if not okc.any() or not okr.any():
            continue
        dx = cols[okc][None, :] - xi
        dy = rows[okr][:, None] - yi
        u1 = (c * dx + s * dy) / ax
        u2 = (-s * dx + c * dy) / ay
        img[np.ix_(rows[okr], cols[okc])] += f * norm * (1 + u1 * u1 + u2 * u2) ** (-BETA)
    yy, xx = np.mgrid[0:size, 0:size]
    sky_e = (
        600.0
        + 0.15 * xx
        + 0.05 * yy
        + 400.0
        * np.exp(-((xx - 0.3 * size) ** 2 + (yy - 0.7 * size) ** 2) / (2 * (0.1 * size) ** 2))
    )
    electrons = rng.poisson(np.maximum(img + sky_e, 0)) + rng.normal(0, READ_NOISE, img.shape)
    data = (electrons / GAIN).astype(np.float32)
    # The SNR a 1.5 x FWHM aperture reaches (what a catalogue reports).
    fwhm = math.sqrt(FWHM_MAJOR * FWHM_MINOR)
    aperture = 1.5 * fwhm
    alpha = _moffat_alpha(fwhm)
    enclosed = 1 - (1 + aperture**2 / alpha**2) ** (1 - BETA)
    npix = math.pi * aperture**2
    inside = flux_e * enclosed
    sky_at = sky_e[
        np.clip(np.round(y).astype(int), 0, size - 1), np.clip(np.round(x).astype(int), 0, size - 1)
    ]
    snr = inside / np.sqrt(inside + npix * (sky_at + READ_NOISE**2))
    truth = Table({"x": x, "y": y, "flux_adu": flux_e / GAIN, "snr": snr})
    truth.meta["fwhm"] = fwhm
    header = fits.Header({"GAIN": GAIN, "RDNOISE": READ_NOISE, "BUNIT": "adu"})
    return data, truth, header
