"""Splitting blends that threshold deblending leaves whole: one source per peak.

sep's multi-threshold deblending separates stars whose light dips between them; two stars
closer than about one FWHM, or a cluster core on a bright glow, stay one object with its
centroid between them (M13's core: half of photutils' SNR > 20 sources were not found).
Every object that is large, elongated or already split is searched for local maxima of
the smoothed image inside its own segment; when it holds several, each significant peak
becomes a source (flagged blended), placed by a quadratic fit to the 3 x 3 pixels around
it.
"""

from __future__ import annotations

import numpy as np


def _candidates(objs: np.ndarray, fwhm: float) -> np.ndarray:
    """Objects worth searching: already split by sep, or elongated (two stars closer
    than a FWHM make one oval object). Round single objects - most of a sparse field's
    bright stars - are not searched."""
    merged = (objs["flag"] & 1) != 0
    with np.errstate(invalid="ignore", divide="ignore"):
        elongated = objs["b"] / objs["a"] < 0.75
    return np.nonzero(merged | elongated)[0]


def _shifted(a: np.ndarray):
    """The nine 3 x 3 neighbourhood views of ``a`` (edges repeated)."""
    p = np.pad(a, 1, mode="edge")
    ny, nx = a.shape
    return [(dy, dx, p[1 + dy : 1 + dy + ny, 1 + dx : 1 + dx + nx]) for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)]  # fmt: skip


def _smooth3(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``a`` convolved with the 3 x 3 kernel ``k`` (symmetric), edges repeated: numpy
    only (scipy.ndimage costs 0.1 s to import, a tenth of a small frame's whole run)."""
    out = np.zeros(a.shape, np.float64)
    for dy, dx, view in _shifted(a):
        out += k[1 + dy, 1 + dx] * view
    return out


def _max3(a: np.ndarray) -> np.ndarray:
    """The maximum over each pixel's 3 x 3 neighbourhood."""
    out = np.full(a.shape, -np.inf)
    for _, _, view in _shifted(a):
        np.maximum(out, view, out=out)
    return out


def _peaked(f: np.ndarray, r: int, c: int, fwhm: float) -> bool:
    """A star's peak: the median of the ring one FWHM away is under half of it (on a
    plateau - a spectrum's trace, a galaxy's disc, a saturated core - it is not)."""
    ny, nx = f.shape
    rad = int(np.ceil(fwhm)) + 1
    r0, r1, c0, c1 = max(0, r - rad), min(ny, r + rad + 1), max(0, c - rad), min(nx, c + rad + 1)
    yy, xx = np.mgrid[r0:r1, c0:c1]
    d2 = (yy - r) ** 2 + (xx - c) ** 2
    ring = f[r0:r1, c0:c1][(d2 >= fwhm**2) & (d2 < (fwhm + 1) ** 2)]
    return ring.size > 0 and float(np.median(ring)) < 0.5 * float(f[r, c])


def _subpixel(f: np.ndarray, r: int, c: int) -> tuple[float, float]:
    """Peak position from a parabola through the 3 pixels each way."""

    def offset(a, b, c_):
        den = a - 2 * b + c_
        return 0.0 if den >= 0 else float(np.clip(0.5 * (a - c_) / den, -0.5, 0.5))

    dy = offset(f[r - 1, c], f[r, c], f[r + 1, c])
    dx = offset(f[r, c - 1], f[r, c], f[r, c + 1])
    return c + dx, r + dy


def split_blends(
    sub: np.ndarray,
    objs: np.ndarray,
    segmap: np.ndarray,
    kernel: np.ndarray,
    noise: float,
    fwhm: float,
    significance: float = 6.0,
) -> tuple[np.ndarray, np.ndarray]:
    """``(objects, segment ids)``: ``objs`` with each blend replaced by one row per peak.

    Parameters
    ----------
    sub : numpy.ndarray
        The background-subtracted image.
    objs, segmap
        sep's objects and segmentation map (segment ``i + 1`` is ``objs[i]``).
    kernel : numpy.ndarray
        The detection filter (peaks are found on the image smoothed by it).
    noise : float
        The background noise per pixel.
    fwhm : float
        The expected FWHM: peaks closer than 0.8 x FWHM are one.
    significance : float
        A peak must stand this many sigma (of the smoothed noise) above the sky, and
        reach 1 % of the object's brightest peak.
    """
    ids = np.arange(1, len(objs) + 1)
    todo = _candidates(objs, fwhm)
    if todo.size == 0:
        return objs, ids
    # Smoothed only lightly: the detection filter (a PSF-sized Gaussian) merges the
    # peaks of stars one FWHM apart.
    k = kernel / kernel.sum()
    noise_f = noise * float(np.sqrt((k * k).sum()))
    m = k.shape[0] // 2 + 2
    ny, nx = sub.shape
    min_sep2 = (0.8 * fwhm) ** 2
    rows, parents = [], []
    drop = np.zeros(len(objs), bool)
    for i in todo:
        o = objs[i]
        y0, y1 = max(0, int(o["ymin"]) - m), min(ny, int(o["ymax"]) + m + 1)
        x0, x1 = max(0, int(o["xmin"]) - m), min(nx, int(o["xmax"]) + m + 1)
        crop = sub[y0:y1, x0:x1]
        f = _smooth3(crop, k)
        own = segmap[y0:y1, x0:x1] == i + 1
        peak = own & (f == _max3(f)) & (f > significance * noise_f)
        peak[[0, -1], :] = False
        peak[:, [0, -1]] = False
        pr, pc = np.nonzero(peak)
        if pr.size < 2:
            continue
        order = np.argsort(-f[pr, pc])
        pr, pc = pr[order], pc[order]
        top = f[pr[0], pc[0]]
        chosen: list[tuple[int, int]] = []
        # Noise on a bright star's wings makes small maxima: 1 % of the top at least.
        floor = max(significance * noise_f, 0.01 * top)
        for r, c in zip(pr, pc, strict=True):
            if f[r, c] < floor:
                break
            if all((r - a) ** 2 + (c - b) ** 2 >= min_sep2 for a, b in chosen) and _peaked(
                f, r, c, fwhm
            ):
                chosen.append((r, c))
        if len(chosen) < 2:
            continue
        drop[i] = True
        for r, c in chosen:
            x, y = _subpixel(f, r, c)
            row = o.copy()
            row["x"], row["y"] = x + x0, y + y0
            row["peak"] = crop[r, c]
            row["flag"] = o["flag"] | 1
            rows.append(row)
            parents.append(i + 1)
    if not rows:
        return objs, ids
    keep = ~drop
    out = np.concatenate([objs[keep], np.array(rows, dtype=objs.dtype)])
    return out, np.concatenate([ids[keep], np.array(parents)])


def residual_peaks(
    sub: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    amplitude: np.ndarray,
    fwhm: np.ndarray,
    beta: float,
    image_fwhm: float,
    segmap: np.ndarray,
    noise: float,
    significance: float = 6.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stars hidden by brighter neighbours: ``(x, y, residual image)``.

    The fitted profiles of the stars found (0-based ``x``, ``y``, Moffat ``amplitude`` and
    ``fwhm``) are subtracted from ``sub``; local maxima of the (lightly smoothed) residual
    inside detected segments, ``significance`` sigma above the sky, shaped like a star's
    peak and more than 0.8 x ``image_fwhm`` from every star found, are the new positions
    (the residual is returned to measure them on, their neighbours removed).
    """
    from skyglass.processing.measure.psf import moffat_alpha

    resid = np.array(sub, dtype=np.float32, copy=True)
    ny, nx = sub.shape
    r = int(np.ceil(3 * image_fwhm))
    d = np.arange(-r, r + 1)
    good = np.isfinite(amplitude) & (amplitude > 0)
    width = np.where(np.isfinite(fwhm), fwhm, image_fwhm)[good]
    cx, cy = np.round(x[good]).astype(int), np.round(y[good]).astype(int)
    rows = cy[:, None, None] + d[None, :, None]
    cols = cx[:, None, None] + d[None, None, :]
    alpha2 = moffat_alpha(width, beta) ** 2
    r2 = (cols - x[good][:, None, None]) ** 2 + (rows - y[good][:, None, None]) ** 2
    model = amplitude[good][:, None, None] * (1 + r2 / alpha2[:, None, None]) ** -beta
    inside = (rows >= 0) & (rows < ny) & (cols >= 0) & (cols < nx)
    rr, cc = np.broadcast_arrays(rows, cols)
    np.subtract.at(resid, (rr[inside], cc[inside]), model[inside].astype(np.float32))
    k = PEAK_KERNEL / PEAK_KERNEL.sum()
    f = _smooth3(resid, k)
    noise_f = noise * float(np.sqrt((k * k).sum()))
    peak = (f == _max3(f)) & (f > significance * noise_f) & (segmap > 0)
    peak[[0, -1], :] = False
    peak[:, [0, -1]] = False
    pr, pc = np.nonzero(peak)
    found = np.column_stack([x, y])
    keep = []
    for r0, c0 in zip(pr, pc, strict=True):
        if (
            len(found)
            and np.min((found[:, 0] - c0) ** 2 + (found[:, 1] - r0) ** 2) < (0.8 * image_fwhm) ** 2
        ):
            continue
        if _peaked(f, r0, c0, image_fwhm):
            keep.append((r0, c0))
    if not keep:
        return np.empty(0), np.empty(0), resid
    pos = np.array([_subpixel(f, r0, c0) for r0, c0 in keep])
    return pos[:, 0], pos[:, 1], resid


#: The light smoothing of the peak searches (a Gaussian of sigma 0.7 px).
PEAK_KERNEL = np.exp(-(np.mgrid[-1:2, -1:2] ** 2).sum(axis=0) / (2 * 0.7**2))


def hidden_stars(
    sub, data, stars, amplitude, fwhm, beta, segmap, unusable, saturation, noise, radius,
    gain, min_snr,
) -> dict:  # fmt: skip
    """Stars the residual shows once the stars found are subtracted (DAOPHOT's second
    pass): measured on that residual, kept when a star's profile fits them."""
    import sep

    from skyglass.processing.measure.catalogue import near_edge
    from skyglass.processing.measure.psf import fit_profiles
    from skyglass.processing.measure.stamps import core_shapes, stamps_around

    hx, hy, resid = residual_peaks(
        sub, stars["x"], stars["y"], amplitude, stars["fwhm"], beta, fwhm, segmap, noise
    )
    empty = {k: v[:0] for k, v in stars.items()}
    if hx.size == 0:
        return empty
    prof = fit_profiles(resid, hx, hy, fwhm, beta, None, None, unusable)
    flux, flux_err, _ = sep.sum_circle(
        resid, hx, hy, radius, err=noise, gain=gain if gain > 0 else None
    )
    _, roundness, sharpness, peak = core_shapes(resid, hx, hy, fwhm)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ~prof.poor & ~prof.off_grid & ~(prof.fwhm < 0.5 * fwhm) & (flux / flux_err >= min_snr)
    ny, nx = sub.shape
    cx = np.clip(np.round(hx).astype(int), 0, nx - 1)
    cy = np.clip(np.round(hy).astype(int), 0, ny - 1)
    raw_peak = np.nanmax(stamps_around(data, hx, hy, 1)[0], axis=(1, 2))
    saturated = (raw_peak >= 0.98 * saturation) if saturation else np.zeros(hx.size, bool)
    found = {
        "x": hx,
        "y": hy,
        "flux": flux,
        "flux_err": flux_err,
        "peak": peak,
        "background": data[cy, cx] - sub[cy, cx],
        "fwhm": prof.fwhm,
        "roundness": roundness,
        "sharpness": sharpness,
        "npix": np.zeros(hx.size, int),
        "saturated": saturated,
        "blended": np.ones(hx.size, bool),
        "edge": near_edge(hx, hy, radius, sub.shape) | prof.truncated,
        "poor_fit": prof.poor,
    }
    return {k: np.asarray(v)[ok].astype(empty[k].dtype) for k, v in found.items()}
