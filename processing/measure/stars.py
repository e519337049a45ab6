"""Finding and measuring stars: :func:`detect_stars`, the one star finder.

sep subtracts the background mesh and extracts sources with a matched filter, deblending
and a segmentation map (:mod:`.extraction`); hot pixels and cosmic-ray hits are replaced
first (:mod:`.outliers`); blends left whole are split at their peaks (:mod:`.blends`).
Each source is measured vectorised over all sources: a windowed centroid, core shape,
aperture flux, and a Moffat profile fitted on its own segment's pixels (:mod:`.psf`), which
also decides what is not a star. Crowded fields get a second pass on the residual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.table import Table

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.cards import header_number
from skyglass.processing.measure.blends import PEAK_KERNEL, hidden_stars, split_blends
from skyglass.processing.measure.catalogue import (
    catalogue_table,
    empty_catalogue,
    near_edge,
    set_units,
)
from skyglass.processing.measure.extraction import extract, subtract_background
from skyglass.processing.measure.outliers import clean_sharp
from skyglass.processing.measure.psf import fit_profiles, image_psf
from skyglass.processing.measure.stamps import GAUSS, core_shapes, stamps_around, windowed_centroids
from skyglass.processing.progress import ProgressCallback, report


@dataclass(frozen=True)
class StarOptions:
    """Detection settings.

    Attributes
    ----------
    threshold : float
        Detection threshold in sigma of the background noise.
    fwhm : float or None
        Expected FWHM in pixels (sets the matched filter and measurement windows);
        None estimates it from the brightest sources.
    min_separation : float
        Drop the fainter of two detections closer than this (pixels); 0 keeps both.
    box : int
        Background mesh size in pixels.
    saturation : float or None
        Level (data units) at which a star is flagged saturated; None reads SATURATE.
    min_area : int
        Minimum number of connected pixels above the threshold.
    min_snr : float
        Minimum signal-to-noise in the measurement aperture (noise blobs that pass the
        per-pixel threshold have a low aperture SNR).
    """

    threshold: float = 2.5
    fwhm: float | None = None
    min_separation: float = 0.0
    box: int = 64
    saturation: float | None = None
    min_area: int = 5
    min_snr: float = 5.0

    def validated(self) -> StarOptions:
        if not self.threshold > 0:
            raise InvalidParameterError("the detection threshold must be positive.")
        if self.fwhm is not None and not 0.5 <= self.fwhm <= 100:
            raise InvalidParameterError("FWHM must be between 0.5 and 100 pixels.")
        if self.box < 8:
            raise InvalidParameterError("the background mesh must be at least 8 pixels.")
        return self


#: Widest FWHM (pixels) a detection may have to count as a star.
MAX_STAR_FWHM = 30.0


def detect_stars(
    data: np.ndarray,
    header=None,
    mask: np.ndarray | None = None,
    options: StarOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Table:
    """Find and measure the stars of an image.

    Parameters
    ----------
    data : numpy.ndarray
        The image (data units; NaN allowed).
    header : astropy.io.fits.Header, optional
        For RA/Dec (WCS), SATURATE, GAIN.
    mask : numpy.ndarray, optional
        True where pixels must be ignored.
    options : StarOptions, optional
    progress : callable, optional

    Returns
    -------
    astropy.table.Table
        One row per star, brightest first: id, x, y (FITS, 1-based), ra, dec (degrees,
        with a WCS), flux, flux_err, mag (instrumental), peak, background, fwhm,
        roundness, sharpness, npix, saturated, snr. ``meta`` holds the background level,
        noise, the FWHM used and the threshold.
    """
    opts = (options or StarOptions()).validated()
    report(progress, 0.0, "background")
    # One private float32 copy is worked on; ``data`` itself is only read at the stars
    # (a file's lazy view is converted once, not twice: 64 MB less at 4096^2).
    work = (
        np.array(data, dtype=np.float32, copy=True)
        if isinstance(data, np.ndarray)
        else np.asarray(data, dtype=np.float32)
    )
    if work.ndim != 2:
        raise InvalidParameterError(f"stars are found on a 2-D image, not {work.ndim}-D.")
    saturation = saturation_level(opts, header)
    # Pixels no profile fit may use: saturated ones (their value is not the star's).
    unusable = (work >= 0.98 * saturation) if saturation else None
    sub, bkg, bad = subtract_background(work, mask, opts.box)
    # Hot pixels and cosmic-ray hits out first: a star beside one was merged with it and
    # rejected as too sharp (8 of 12 misses at SNR > 20 on the demo night).
    cleaned = clean_sharp(sub, bkg.global_rms)
    report(progress, 0.3, "detecting")
    fwhm = opts.fwhm or 3.0
    objs, segmap = extract(sub, bad, opts.threshold, opts.min_area, bkg.global_rms, fwhm)
    if len(objs) == 0:
        return empty_catalogue(bkg.global_level, bkg.global_rms, fwhm, opts.threshold, header)
    # Blends deblending left whole (closer than a FWHM, a cluster core): one per peak.
    objs, ids = split_blends(sub, objs, segmap, PEAK_KERNEL, bkg.global_rms, fwhm)
    report(progress, 0.6, f"measuring {len(objs)} sources")
    x0, y0 = objs["x"].astype(float), objs["y"].astype(float)
    measured, beta, psf_stars = _image_psf(
        sub, objs, ids, segmap, unusable, bkg, saturation, opts.fwhm or fwhm
    )
    fwhm = opts.fwhm or measured
    x, y, split, off_image = _centres(sub, x0, y0, ids, fwhm)
    radius = max(2.0, 1.5 * fwhm)
    gain = header_number(header, "GAIN") or 0.0
    measures = _measure(sub, x, y, fwhm, radius, bkg.global_rms, gain, bad)
    flux, flux_err, peak, roundness, sharpness, _ = measures
    saturated = _saturated(data, x, y, saturation)
    idx = _kept(objs, x, y, measures, off_image, opts, fwhm, sub.shape)
    profiles = fit_profiles(sub, x[idx], y[idx], measured, beta, segmap, ids[idx], unusable)
    keep_fit = _star_like(profiles, split[idx], measured, psf_stars)
    idx = idx[keep_fit]
    profiles = profiles.subset(keep_fit)
    cxi = np.clip(np.round(np.nan_to_num(x)).astype(int), 0, data.shape[1] - 1)
    cyi = np.clip(np.round(np.nan_to_num(y)).astype(int), 0, data.shape[0] - 1)
    ny, nx = data.shape
    stars = {
        "x": x[idx],
        "y": y[idx],
        "flux": flux[idx],
        "flux_err": flux_err[idx],
        "peak": peak[idx],
        # The background at each star: the data minus what is left after subtracting it.
        "background": data[cyi[idx], cxi[idx]] - sub[cyi[idx], cxi[idx]],
        "fwhm": profiles.fwhm,
        "roundness": roundness[idx],
        "sharpness": sharpness[idx],
        "npix": objs["npix"][idx],
        "saturated": saturated[idx],
        # sep's OBJ_MERGED: the source was split from a blend by deblending.
        "blended": (objs["flag"][idx] & 1).astype(bool),
        "edge": near_edge(x[idx], y[idx], radius, (ny, nx)) | profiles.truncated,
        "poor_fit": profiles.poor,
    }
    if len(idx) >= 10 and stars["blended"].mean() >= CROWDED:
        hidden = hidden_stars(
            sub, data, stars, profiles.amplitude, measured, beta, segmap, unusable, saturation,
            bkg.global_rms, radius, gain, opts.min_snr,
        )  # fmt: skip
        stars = {k: np.concatenate([v, hidden[k]]) for k, v in stars.items()}
    table = catalogue_table(stars, header)
    table.meta.update(
        {
            "background": bkg.global_level,
            "noise": bkg.global_rms,
            "fwhm": measured,
            "psf_beta": beta,
            "psf_stars": psf_stars,
            "threshold": opts.threshold,
            "aperture_radius": radius,
            "cleaned_pixels": cleaned,
        }
    )
    set_units(table, header, measured)
    if not len(table):
        table.meta["note"] = (
            "no point sources found (only extended or sharper-than-PSF features)"
            if len(objs)
            else "nothing above the detection threshold"
        )
    report(progress, 1.0, f"{len(table)} stars")
    return table


#: A field where at least this share of the stars are blends gets a second look for
#: stars hidden by brighter neighbours (a cluster core; not a sparse field: no cost there).
CROWDED = 0.10


def _centres(sub: np.ndarray, x0: np.ndarray, y0: np.ndarray, ids: np.ndarray, fwhm: float):
    """``(x, y, split, off_image)``: windowed centroids where they can be trusted, else the
    detected peaks; which sources were split from a blend; which lie outside the image."""
    x, y = windowed_centroids(sub, x0, y0, fwhm / GAUSS)
    # Peaks split from one blend keep their peak positions: a window as wide as the PSF
    # would pull each toward the pair's common centre.
    split = np.bincount(ids)[ids] > 1
    # So do sources the window walked away from by more than half a FWHM: a star cut by
    # the image's edge, or pulled toward a brighter neighbour.
    walked = np.hypot(x - x0, y - y0) > 0.5 * fwhm
    ny, nx = sub.shape
    # A window walking off the image: a star centred outside, seen by its wing.
    # (Unless its brightest pixel is inside the border: a star centred just inside.)
    off_image = ((x < -0.5) | (x > nx - 0.5) | (y < -0.5) | (y > ny - 0.5)) & _peak_on_border(
        sub, x0, y0
    )
    keep_peak = split | walked | ~np.isfinite(x) | ~np.isfinite(y)
    x[keep_peak], y[keep_peak] = x0[keep_peak], y0[keep_peak]
    return x, y, split, off_image


def _measure(sub, x, y, fwhm: float, radius: float, noise: float, gain: float, bad):
    """``(flux, flux_err, peak, roundness, sharpness, core FWHM)`` of every source:
    aperture sums (sep) and core shapes (the core FWHM is for the cosmic-ray cut)."""
    import sep

    fw, roundness, sharpness, peak = core_shapes(sub, x, y, fwhm)
    flux, flux_err, _ = sep.sum_circle(
        sub, x, y, radius, err=noise, gain=gain if gain > 0 else None, mask=bad
    )
    return flux, flux_err, peak, roundness, sharpness, fw


def _saturated(data, x, y, saturation: float | None) -> np.ndarray:
    """Sources whose brightest raw pixel reaches 98 % of the saturation level."""
    if not saturation:
        return np.zeros(len(x), bool)
    raw_peak = np.nanmax(stamps_around(data, x, y, 1)[0], axis=(1, 2))
    return raw_peak >= 0.98 * saturation


def _kept(objs, x, y, measures, off_image, opts: StarOptions, fwhm: float, shape) -> np.ndarray:
    """Indices of the sources that may be stars, brightest first: not a cosmic ray or hot
    pixel the cleaning left, inside the image, bright enough, apart enough."""
    flux, flux_err, _, roundness, sharpness, fw = measures
    # Far sharper than the PSF, or a streak (very elongated). A core fit that failed (a
    # neighbour's light in the stamp: NaN) is no reason to drop a source; widths out of
    # range are judged on the profile fit.
    real = (
        ~(fw < 0.45 * fwhm)
        & (sharpness < 0.9)
        & (roundness < 0.8)
        & (objs["npix"] >= opts.min_area)
    )
    ny, nx = shape
    inside = (x >= -0.5) & (x < nx - 0.5) & (y >= -0.5) & (y < ny - 0.5)
    keep = real & inside & ~off_image & np.isfinite(x) & np.isfinite(y)
    with np.errstate(invalid="ignore", divide="ignore"):
        keep &= flux / flux_err >= opts.min_snr
    idx = np.nonzero(keep)[0][np.argsort(-flux[keep])]
    if opts.min_separation > 0 and idx.size > 1:
        idx = _min_separation(x, y, idx, opts.min_separation)
    return idx


def _star_like(profiles, split: np.ndarray, measured: float, psf_stars: int) -> np.ndarray:
    """Which fitted sources are stars by their profile."""
    # A peak split from a blend is a star only if a star's profile fits it (noise on a
    # glow, or several faint stars, make peaks too: 350 false ones on the crowded field).
    real_peak = ~(split & profiles.poor)
    # Far sharper than the PSF (cosmic-ray hits of several pixels), or best fitted by a
    # profile 4x wider than the image's or 0.4x as wide (a spectrum's trace, a galaxy):
    # not stars.
    star_like = (
        ~(profiles.fwhm < 0.5 * measured) & ~(profiles.fwhm > MAX_STAR_FWHM) & ~profiles.off_grid
    )
    keep = real_peak & star_like
    if psf_stars == 0:
        # Not one compact isolated source in the image (a spectrum, nebulosity, a flat):
        # only detections a point-source profile fits well are stars.
        keep &= ~profiles.poor
    return keep


def _peak_on_border(sub: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether the brightest pixel within a pixel of each (x, y) is on the image's
    outermost rows or columns (a star centred outside shows its wing's top there)."""
    ny, nx = sub.shape
    cx = np.clip(np.round(np.nan_to_num(x)).astype(int), 0, nx - 1)
    cy = np.clip(np.round(np.nan_to_num(y)).astype(int), 0, ny - 1)
    d = np.array([-1, 0, 1])
    rows = np.clip(cy[:, None] + d, 0, ny - 1)
    cols = np.clip(cx[:, None] + d, 0, nx - 1)
    stamp = sub[rows[:, :, None], cols[:, None, :]]
    stamp = np.where(np.isfinite(stamp), stamp, -np.inf)
    k = stamp.reshape(len(x), 9).argmax(axis=1)
    pr = rows[np.arange(len(x)), k // 3]
    pc = cols[np.arange(len(x)), k % 3]
    return (pr == 0) | (pr == ny - 1) | (pc == 0) | (pc == nx - 1)


#: Stars the image PSF is fitted on: the brightest this many isolated ones.
PSF_STARS = 100


def _image_psf(sub, objs, ids, segmap, unusable, bkg, saturation, guess: float):
    """``(FWHM, beta, stars used)`` from the brightest unsaturated, unblended sources with
    no other source within four first-guess FWHMs (sep's positions, windowed)."""
    snr0 = objs["flux"] / (bkg.global_rms * np.sqrt(np.maximum(objs["npix"], 1)))
    cand = (snr0 > 30) & (objs["peak"] > 0) & ((objs["flag"] & 1) == 0)
    if saturation is not None:
        cand &= objs["peak"] + bkg.global_level < 0.9 * saturation
    xy = np.column_stack([objs["x"], objs["y"]])
    first = np.nonzero(cand)[0]
    first = first[np.argsort(-snr0[first])][: 10 * PSF_STARS]
    first = first[_isolated(segmap, xy[first], ids[first], 4 * guess)][: 3 * PSF_STARS]
    if first.size < 1:
        return guess, 3.0, 0
    xc, yc = windowed_centroids(sub, xy[first, 0], xy[first, 1], guess / GAUSS)
    # Not hot pixels nor streaks: a core to fit, neither sharp nor flat.
    f0, rnd, sh0, _ = core_shapes(sub, xc, yc, guess)
    ok = (sh0 < 0.8) & (sh0 > 0.05) & np.isfinite(f0) & (rnd < 0.5)
    first, xc, yc = first[ok][:PSF_STARS], xc[ok][:PSF_STARS], yc[ok][:PSF_STARS]
    if first.size < 1:
        return guess, 3.0, 0
    if not 1.0 <= guess <= 50.0 or not np.isfinite(guess):
        guess = 3.0
    start = float(np.clip(np.median(f0[ok]), 1.0, 50.0))
    fwhm, beta, used = image_psf(sub, xc, yc, start, segmap, ids[first], unusable)
    return float(np.clip(fwhm, 0.5, 50.0)), beta, used


def _isolated(segmap: np.ndarray, xy: np.ndarray, ids: np.ndarray, radius: float) -> np.ndarray:
    """True where no other source's segment reaches within ``radius`` of the position."""
    r = int(math.ceil(radius))
    ny, nx = segmap.shape
    d = np.arange(-r, r + 1)
    cx = np.clip(np.round(xy[:, 0]).astype(int), 0, nx - 1)
    cy = np.clip(np.round(xy[:, 1]).astype(int), 0, ny - 1)
    rows = np.clip(cy[:, None] + d, 0, ny - 1)
    cols = np.clip(cx[:, None] + d, 0, nx - 1)
    seg = segmap[rows[:, :, None], cols[:, None, :]]
    disc = (d[:, None] ** 2 + d[None, :] ** 2) <= radius**2
    other = (seg != 0) & (seg != ids[:, None, None]) & disc
    return ~other.any(axis=(1, 2))


def saturation_level(opts: StarOptions, header) -> float | None:
    if opts.saturation is not None:
        return opts.saturation
    return header_number(header, "SATURATE")


def estimate_fwhm(data: np.ndarray, size: int = 1024) -> float:
    """The typical stellar FWHM (pixels) of an image, from the stars of its central part."""
    ny, nx = data.shape
    r0, c0 = max(0, (ny - size) // 2), max(0, (nx - size) // 2)
    crop = np.ascontiguousarray(data[r0 : r0 + size, c0 : c0 + size], dtype=np.float32)
    try:
        table = detect_stars(crop, options=StarOptions(threshold=5.0))
    except Exception:  # too few stars, a flat image: fall back to a typical seeing
        return 3.0
    return float(table.meta.get("fwhm", 3.0))


def _min_separation(x, y, idx, sep_px):
    """Keep the brightest of detections closer than ``sep_px`` (idx is brightest first)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([x[idx], y[idx]]))
    drop = np.zeros(idx.size, bool)
    for i, j in sorted(tree.query_pairs(sep_px)):
        if not drop[i]:
            drop[j] = True
    return idx[~drop]
