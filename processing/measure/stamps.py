"""Measurements on small stamps around many sources at once (vectorised): windowed
centroids as SExtractor's XWIN, and each core's width, roundness, sharpness and peak."""

from __future__ import annotations

import math

import numpy as np

GAUSS = 2.0 * math.sqrt(2.0 * math.log(2.0))  # FWHM / sigma


def stamps_around(image: np.ndarray, x: np.ndarray, y: np.ndarray, r: int):
    """``(n, 2r+1, 2r+1)`` stamps around integer centres (edge pixels repeated) and the
    offsets of their pixel centres."""
    ny, nx = image.shape
    # Non-finite centres (a fit that failed) index the edge; their rows are dropped later.
    cx = np.clip(np.round(np.nan_to_num(x)).astype(int), 0, nx - 1)
    cy = np.clip(np.round(np.nan_to_num(y)).astype(int), 0, ny - 1)
    d = np.arange(-r, r + 1)
    rows = np.clip(cy[:, None] + d[None, :], 0, ny - 1)
    cols = np.clip(cx[:, None] + d[None, :], 0, nx - 1)
    stamps = image[rows[:, :, None], cols[:, None, :]]
    return stamps, cx, cy, d


def windowed_centroids(
    image: np.ndarray, x: np.ndarray, y: np.ndarray, sigma: float, iterations: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-windowed centroids (as SExtractor's XWIN), iterated, 0-based."""
    r = max(3, int(math.ceil(3 * sigma)))
    x, y = x.astype(float).copy(), y.astype(float).copy()
    for _ in range(iterations):
        stamps, cx, cy, d = stamps_around(image, x, y, r)
        dx = (cx[:, None] + d[None, :]) - x[:, None]  # (n, w) column offsets
        dy = (cy[:, None] + d[None, :]) - y[:, None]
        w = np.exp(-(dx[:, None, :] ** 2 + dy[:, :, None] ** 2) / (2 * sigma * sigma))
        f = np.where(np.isfinite(stamps), stamps, 0.0) * w
        total = f.sum(axis=(1, 2))
        ok = total > 0
        sx = (f * dx[:, None, :]).sum(axis=(1, 2))
        sy = (f * dy[:, :, None]).sum(axis=(1, 2))
        # SExtractor's update: twice the weighted mean offset (the window halves it).
        step_x = np.where(ok, 2.0 * sx / np.where(ok, total, 1), 0.0)
        step_y = np.where(ok, 2.0 * sy / np.where(ok, total, 1), 0.0)
        step_x = np.clip(step_x, -1.0, 1.0)
        step_y = np.clip(step_y, -1.0, 1.0)
        x += step_x
        y += step_y
        if np.all(np.abs(step_x) < 1e-3) and np.all(np.abs(step_y) < 1e-3):
            break
    return x, y


def core_shapes(image: np.ndarray, x: np.ndarray, y: np.ndarray, fwhm: float):
    """FWHM (from the core), roundness, sharpness and peak, for every source at once.

    FWHM comes from a weighted fit of ``ln I = ln A - r^2 / (2 sigma^2)`` to the pixels
    above a quarter of the peak: it measures the core, so Moffat wings do not inflate it
    the way second moments do. Roundness is ``1 - b/a`` from the core's second moments;
    sharpness is ``(centre - mean of the 8 neighbours) / centre`` (about 0.3 for a star,
    near 1 for a hot pixel or a cosmic-ray hit).
    """
    r = max(3, int(math.ceil(1.2 * fwhm)))
    stamps, cx, cy, d = stamps_around(image, x, y, r)
    s = np.where(np.isfinite(stamps), stamps, 0.0).astype(np.float64)
    dx = (cx[:, None] + d[None, :]) - x[:, None]
    dy = (cy[:, None] + d[None, :]) - y[:, None]
    r2 = dx[:, None, :] ** 2 + dy[:, :, None] ** 2
    c = r
    peak = s[:, c - 1 : c + 2, c - 1 : c + 2].max(axis=(1, 2))
    core = (s > 0.25 * peak[:, None, None]) & (s > 0)
    w = np.where(core, s * s, 0.0)  # weight ~ signal^2 (the log's error ~ 1/signal)
    lnv = np.log(np.where(core, s, 1.0))
    sw = w.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (w * r2).sum(axis=(1, 2)) / sw
        my = (w * lnv).sum(axis=(1, 2)) / sw
        cov = (w * (r2 - mx[:, None, None]) * (lnv - my[:, None, None])).sum(axis=(1, 2))
        var = (w * (r2 - mx[:, None, None]) ** 2).sum(axis=(1, 2))
        slope = cov / var
        fwhm_est = np.where(slope < 0, GAUSS * np.sqrt(-0.5 / slope), np.nan)
        pos = np.where(core, s, 0.0)
        total = pos.sum(axis=(1, 2))
        mxx = (pos * dx[:, None, :] ** 2).sum(axis=(1, 2)) / total
        myy = (pos * dy[:, :, None] ** 2).sum(axis=(1, 2)) / total
        mxy = (pos * dx[:, None, :] * dy[:, :, None]).sum(axis=(1, 2)) / total
    tr = (mxx + myy) / 2
    det = np.sqrt(np.maximum(((mxx - myy) / 2) ** 2 + mxy**2, 0.0))
    a = np.sqrt(np.maximum(tr + det, 1e-12))
    b = np.sqrt(np.maximum(tr - det, 1e-12))
    roundness = 1.0 - b / a
    centre = s[:, c, c]
    neighbours = (s[:, c - 1 : c + 2, c - 1 : c + 2].sum(axis=(1, 2)) - centre) / 8.0
    sharpness = np.where(centre > 0, (centre - neighbours) / np.where(centre > 0, centre, 1), 1.0)
    return fwhm_est, roundness, sharpness, peak
