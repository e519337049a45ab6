"""sep's part of finding stars: the background mesh subtracted in place, and the
matched-filter extraction with deblending and a segmentation map (SExtractor's
algorithms in C)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.measure.stamps import GAUSS


@dataclass
class Background:
    """A background model: level and noise maps, and the global noise."""

    level: np.ndarray
    rms: np.ndarray
    global_rms: float
    global_level: float


#: sep's deblending contrast: the faintest branch, as a fraction of the object's flux,
#: that becomes a source of its own.
DEBLEND_CONTRAST = 0.001


def subtract_background(work: np.ndarray, mask, box: int):
    """``(sub, background, bad)``: ``work`` (float32, changed in place) minus sep's
    background mesh, NaN and masked pixels 0; the global level and noise; and the pixels
    to ignore (None when there are none)."""
    import sep

    # A sum is finite only when every pixel is (no 16 MB mask for the usual frame).
    with np.errstate(over="ignore", invalid="ignore"):
        all_finite = bool(np.isfinite(work.sum(dtype=np.float64)))
    bad = None if all_finite else ~np.isfinite(work)
    if mask is not None:
        bad = mask if bad is None else (bad | mask)
    if bad is not None:
        if bad.all():
            raise InvalidParameterError("no valid pixels to estimate the background from.")
        work[bad] = np.median(work[~bad])
    size = max(8, min(box, min(work.shape)))
    sep_bkg = sep.Background(work, mask=bad, bw=size, bh=size)
    bkg = Background(
        np.empty(0, np.float32),
        np.empty(0, np.float32),
        float(sep_bkg.globalrms),
        float(sep_bkg.globalback),
    )
    sep_bkg.subfrom(work)  # in place: no full-size background map is made
    if bad is not None:
        work[bad] = 0.0
    return work, bkg, bad


def extract(sub: np.ndarray, bad, threshold: float, min_area: int, noise: float, fwhm: float):
    """sep's matched-filter extraction with deblending: ``(objects, segmentation map)``."""
    import sep

    sigma = fwhm / GAUSS
    k = max(1, int(math.ceil(1.3 * sigma)))
    yy, xx = np.mgrid[-k : k + 1, -k : k + 1]
    kernel = np.exp(-(xx * xx + yy * yy) / (2 * sigma * sigma)).astype(np.float32)
    sep.set_extract_pixstack(max(300000, sub.size // 20))
    sep.set_sub_object_limit(4096)
    # A scalar noise: with a noise map sep's matched filtering is ten times slower.
    return sep.extract(
        sub,
        threshold,
        err=noise,
        mask=bad,
        minarea=min_area,
        filter_kernel=kernel,
        deblend_cont=DEBLEND_CONTRAST,
        clean=True,
        segmentation_map=True,
    )
