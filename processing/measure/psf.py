"""Each star's FWHM from a profile fitted where the star is, and the image's PSF.

A circular Moffat profile ``A (1 + r^2 / alpha^2)^-beta + B`` is fitted to every star at
once (vectorised): the centre is the windowed centroid, ``beta`` is the image's (fitted on
its bright isolated stars), ``B`` is the local background left after the background mesh
(a neighbour's wings, nebulosity), and ``A`` and ``B`` are solved linearly for each FWHM of
a logarithmic grid, refined by a parabola. Only the star's own pixels take part: pixels
of another source's segment, non-finite or saturated pixels are left out, so neighbours do
not leak into the width. The curvature of the chi-square gives the FWHM's uncertainty; a
fit that is too uncertain, or whose best width is at the end of the grid, is a poor fit.

Why a Moffat: stars are (seeing, optics); a Gaussian fitted to a Moffat's core is 5-13 %
wide or narrow depending on the radius used (measured on beta = 3), and second moments are
inflated by the wings. With ``beta`` free between 1.5 and ~Gaussian the fitted FWHM is the
profile's half-maximum width, whatever the PSF's shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The FWHM ratios (to the first guess) each star is tried at: a coarse grid from 0.4 to
#: 4, then steps of a third of its step (in log width) around each star's best coarse
#: width (20 widths where a grid as fine would take 36).
COARSE = np.exp(np.linspace(math.log(0.4), math.log(4.0), 13))
_H = math.log(10.0) / 12
FINE = np.linspace(-_H, _H, 7)
#: Fit window radius in FWHMs: the core and the start of the wings (a Moffat of the
#: right beta fits both; more pixels only add neighbours' light and time).
WINDOW = 1.3
#: Candidate Moffat betas for the image's PSF (30: practically a Gaussian).
BETAS = (1.5, 2.0, 2.5, 3.0, 3.5, 4.5, 6.0, 10.0, 30.0)
#: Relative FWHM uncertainty above which a star's own FWHM is not reported.
MAX_FWHM_ERROR = 0.25


@dataclass
class Profiles:
    """Per-star fit results (arrays, one value per star)."""

    fwhm: np.ndarray  # pixels; NaN where the fit is poor
    fwhm_error: np.ndarray  # relative (0.1 = 10 %)
    amplitude: np.ndarray
    local_background: np.ndarray
    npix: np.ndarray  # pixels used
    poor: np.ndarray  # bool
    truncated: np.ndarray  # bool: the window lost pixels to the edge or masked pixels
    off_grid: np.ndarray  # bool: the best width is the grid's widest or narrowest

    def subset(self, keep: np.ndarray) -> Profiles:
        """The results of the stars ``keep`` selects (a mask or indices)."""
        return Profiles(*(getattr(self, f)[keep] for f in self.__dataclass_fields__))


def moffat_alpha(fwhm, beta: float):
    """The Moffat alpha of a profile of FWHM ``fwhm`` and exponent ``beta``."""
    return fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))


def _windows(
    image: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    radius: int,
    segmap: np.ndarray | None,
    ids: np.ndarray | None,
    unusable: np.ndarray | None,
):
    """Stamps, squared distances from each centre, and which pixels each fit may use."""
    ny, nx = image.shape
    cx = np.clip(np.round(np.nan_to_num(x)).astype(int), 0, nx - 1)
    cy = np.clip(np.round(np.nan_to_num(y)).astype(int), 0, ny - 1)
    d = np.arange(-radius, radius + 1)
    rows = cy[:, None] + d[None, :]
    cols = cx[:, None] + d[None, :]
    inside = ((rows >= 0) & (rows < ny))[:, :, None] & ((cols >= 0) & (cols < nx))[:, None, :]
    rows_c, cols_c = np.clip(rows, 0, ny - 1), np.clip(cols, 0, nx - 1)
    stamps = image[rows_c[:, :, None], cols_c[:, None, :]].astype(np.float64)
    dx = cols - x[:, None]
    dy = rows - y[:, None]
    r2 = dx[:, None, :] ** 2 + dy[:, :, None] ** 2
    disc = r2 <= (radius + 0.5) ** 2
    use = disc & inside & np.isfinite(stamps)
    if unusable is not None:
        use &= ~unusable[rows_c[:, :, None], cols_c[:, None, :]]
    # Pixels lost to the image's edge, NaN or saturation (neighbours are "blended").
    truncated = (disc & ~use).sum(axis=(1, 2)) > 0.1 * disc.sum(axis=(1, 2))
    if segmap is not None and ids is not None:
        seg = segmap[rows_c[:, :, None], cols_c[:, None, :]]
        use &= (seg == 0) | (seg == ids[:, None, None])
    return np.where(use, stamps, 0.0), r2, use, truncated


def _grid_fit(stamps, r2, use, fwhms: np.ndarray, beta: float):
    """chi-square, A and B of every star at every FWHM of ``fwhms`` (n, k)."""
    w = use.astype(np.float64)
    s1 = w.sum(axis=(1, 2))
    sd = stamps.sum(axis=(1, 2))
    sdd = (stamps * stamps).sum(axis=(1, 2))
    n, k = stamps.shape[0], fwhms.shape[-1]
    chi = np.empty((n, k))
    amp = np.empty((n, k))
    back = np.empty((n, k))
    for j in range(k):
        f = fwhms[:, j] if fwhms.ndim == 2 else np.full(n, fwhms[j])
        a2 = moffat_alpha(f, beta) ** 2
        p = (1.0 + r2 / a2[:, None, None]) ** -beta * w
        sp = p.sum(axis=(1, 2))
        spp = (p * p).sum(axis=(1, 2))
        spd = (p * stamps).sum(axis=(1, 2))
        det = spp * s1 - sp * sp
        with np.errstate(invalid="ignore", divide="ignore"):
            a = (spd * s1 - sp * sd) / det
            b = (spp * sd - sp * spd) / det
        chi[:, j] = sdd - a * spd - b * sd
        amp[:, j], back[:, j] = a, b
    return chi, amp, back, s1


def _coarse_to_fine(stamps, r2, use, fwhm: float, beta: float):
    """Each star fitted at the widths of COARSE, then at FINE steps around its best:
    ``(chi, A, B, pixels, log widths, best coarse width inside the grid)`` (n, 7)."""
    chi, amp, _, _ = _grid_fit(stamps, r2, use, fwhm * COARSE, beta)
    jc = np.argmin(np.where(amp > 0, chi, np.inf), axis=1)
    inner = (jc > 0) & (jc < len(COARSE) - 1)
    u = np.log(fwhm * COARSE)[jc][:, None] + FINE[None, :]
    chi, amp, back, s1 = _grid_fit(stamps, r2, use, np.exp(u), beta)
    return np.where(amp > 0, chi, np.inf), amp, back, s1, u, inner


def fit_profiles(
    image: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    fwhm: float,
    beta: float = 3.0,
    segmap: np.ndarray | None = None,
    ids: np.ndarray | None = None,
    unusable: np.ndarray | None = None,
) -> Profiles:
    """Fit every star's FWHM (0-based ``x``, ``y`` on a background-subtracted ``image``).

    Parameters
    ----------
    fwhm : float
        The image's FWHM (pixels): sets the window (radius WINDOW x FWHM) and the grid.
    beta : float
        The Moffat exponent (:func:`image_psf` fits it).
    segmap, ids : numpy.ndarray, optional
        Segmentation map (0 = sky) and each star's segment number: pixels of other
        segments are left out of its fit.
    unusable : numpy.ndarray of bool, optional
        Pixels no fit may use (saturated, masked).
    """
    n = len(x)
    if n == 0:
        empty = np.empty(0)
        flags = empty.astype(bool)
        return Profiles(empty, empty, empty, empty, np.empty(0, int), flags, flags, flags)
    radius = int(min(25, max(3, math.ceil(WINDOW * fwhm))))
    best_f = np.empty(n)
    err = np.empty(n)
    amp_b = np.empty(n)
    back_b = np.empty(n)
    npix = np.empty(n, int)
    poor = np.empty(n, bool)
    trunc = np.empty(n, bool)
    off = np.empty(n, bool)
    # In blocks: the stamps of thousands of stars at 36 widths would be large.
    for s0 in range(0, n, 2048):
        sl = slice(s0, min(n, s0 + 2048))
        stamps, r2, use, truncated = _windows(
            image, x[sl], y[sl], radius, segmap, None if ids is None else ids[sl], unusable
        )
        chi, amp, back, s1, u, inner = _coarse_to_fine(stamps, r2, use, fwhm, beta)
        j = np.argmin(chi, axis=1)
        rows = np.arange(chi.shape[0])
        jj = np.clip(j, 1, len(FINE) - 2)
        c0, c1, c2 = chi[rows, jj - 1], chi[rows, jj], chi[rows, jj + 1]
        h = FINE[1] - FINE[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            curv = (c0 - 2 * c1 + c2) / (h * h)  # d2 chi / du2
            step = np.clip(0.5 * h * (c0 - c2) / (c0 - 2 * c1 + c2), -h, h)
            ub = u[rows, jj] + np.where(np.isfinite(step), step, 0.0)
            dof = np.maximum(s1 - 3, 1)
            noise2 = np.maximum(c1, 0) / dof  # residual variance per pixel
            # chi here is a sum of squares: Delta(chi) = 2 noise2 <=> one sigma.
            sigma_u = np.sqrt(2.0 * noise2 / np.where(curv > 0, curv, np.nan))
        best_f[sl] = np.exp(ub)
        err[sl] = sigma_u
        amp_b[sl] = amp[rows, jj]
        back_b[sl] = back[rows, jj]
        npix[sl] = s1.astype(int)
        poor[sl] = ~inner | ~np.isfinite(sigma_u) | (sigma_u > MAX_FWHM_ERROR) | (s1 < 8)
        trunc[sl] = truncated
        off[sl] = ~inner
    return Profiles(np.where(poor, np.nan, best_f), err, amp_b, back_b, npix, poor, trunc, off)


def image_psf(
    image: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    fwhm: float,
    segmap: np.ndarray | None = None,
    ids: np.ndarray | None = None,
    unusable: np.ndarray | None = None,
) -> tuple[float, float, int]:
    """``(FWHM, beta, stars used)`` of the image from bright isolated stars at ``x, y``.

    The Moffat beta is the one whose fits leave the least residual over all the stars;
    the FWHM is the sigma-clipped median of their fitted FWHMs. ``fwhm`` is the first
    guess. No usable star: ``(fwhm, 3.0, 0)``, the guess kept.
    """
    if len(x) < 1:
        return fwhm, 3.0, 0
    guess, searched = fwhm, None
    for _ in range(2):  # the window follows the estimate
        # The beta search (9 profiles x 36 widths) again only if the width moved a lot.
        if searched is None or abs(guess / searched - 1) > 0.15:
            found = _best_beta(image, x, y, guess, segmap, ids, unusable)
            if found is None:
                return fwhm, 3.0, 0
            beta, ok = found
            searched = guess
        fits = fit_profiles(image, x[ok], y[ok], guess, beta, segmap,
                            None if ids is None else ids[ok], unusable)  # fmt: skip
        good = np.isfinite(fits.fwhm)
        if good.sum() < 1:
            return fwhm, beta, 0
        guess = _clipped_median(fits.fwhm[good])
    return guess, beta, int(good.sum())


def _best_beta(image, x, y, fwhm, segmap, ids, unusable):
    """``(beta, stars that fit)``: the Moffat beta leaving the least residual over the
    stars, each star's residuals relative to its own best (bright stars do not outvote);
    None when no star fits."""
    radius = int(min(25, max(3, math.ceil(WINDOW * fwhm))))
    stamps, r2, use, _ = _windows(image, x, y, radius, segmap, ids, unusable)
    scores = [_coarse_to_fine(stamps, r2, use, fwhm, beta)[0].min(axis=1) for beta in BETAS]
    scores_a = np.array(scores)  # (betas, stars)
    rel = scores_a / np.maximum(scores_a.min(axis=0), 1e-30)
    ok = np.isfinite(rel).all(axis=0)
    if ok.sum() < 1:
        return None
    return BETAS[int(np.argmin(np.median(rel[:, ok], axis=1)))], ok


def _clipped_median(values: np.ndarray, sigma: float = 3.0) -> float:
    v = np.asarray(values, float)
    for _ in range(5):
        med = np.median(v)
        mad = 1.4826 * np.median(np.abs(v - med))
        keep = np.abs(v - med) <= sigma * max(mad, 1e-6 * abs(med))
        if keep.all() or keep.sum() < 3:
            break
        v = v[keep]
    return float(np.median(v))
