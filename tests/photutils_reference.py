"""photutils' deblended segmentation catalogue: the reference the star tests and
benchmarks/bench_stars.py compare with (the issue's ``detect_sources`` +
``deblend_sources`` + ``SourceCatalog``)."""

from __future__ import annotations

import warnings

import numpy as np


def column(catalog, name: str, old: str) -> np.ndarray:
    """A photutils SourceCatalog column by its 3.x name, or its older one."""
    return getattr(catalog, name) if hasattr(type(catalog), name) else getattr(catalog, old)


def photutils_catalogue(data: np.ndarray):
    """``(catalogue, background-subtracted data, segmentation map)`` of ``data``."""
    from astropy.convolution import convolve
    from photutils.background import Background2D, MedianBackground
    from photutils.segmentation import (
        SourceCatalog,
        deblend_sources,
        detect_sources,
        make_2dgaussian_kernel,
    )
    from photutils.utils import calc_total_error

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bkg = Background2D(data, 32, filter_size=3, bkg_estimator=MedianBackground())
        sub = data - bkg.background
        conv = convolve(sub, make_2dgaussian_kernel(3.0, size=5))
        seg = detect_sources(conv, 2.5 * bkg.background_rms, npixels=5)
        seg = deblend_sources(conv, seg, npixels=5, nlevels=32, contrast=0.001,
                              progress_bar=False)  # fmt: skip
        error = calc_total_error(sub, bkg.background_rms, effective_gain=1.0)
        return SourceCatalog(sub, seg, convolved_data=conv, error=error), sub, seg.data


def split_by_us(ref, segmap: np.ndarray, missed: np.ndarray, cat) -> np.ndarray:
    """For photutils' sources in ``missed`` (a mask over ``ref``): True where two or more
    of our stars lie in its segment and their flux-weighted centre is within 2 px of its
    windowed centroid - a blend photutils kept whole (its centroid falls between the
    stars) that we separated into its stars."""
    ny, nx = segmap.shape
    x, y = np.asarray(cat["x"]) - 1, np.asarray(cat["y"]) - 1  # FITS 1-based -> 0-based
    ours_in = segmap[
        np.clip(np.round(y).astype(int), 0, ny - 1), np.clip(np.round(x).astype(int), 0, nx - 1)
    ]
    flux = np.clip(np.asarray(cat["flux"]), 0, None)
    rx = column(ref, "x_centroid_win", "xcentroid_win")
    ry = column(ref, "y_centroid_win", "ycentroid_win")
    split = np.zeros(len(missed), bool)
    for k in np.flatnonzero(missed):
        inside = ours_in == ref.label[k]
        if inside.sum() >= 2 and flux[inside].sum() > 0:
            mx = np.average(x[inside], weights=flux[inside])
            my = np.average(y[inside], weights=flux[inside])
            split[k] = np.hypot(mx - rx[k], my - ry[k]) < 2.0
    return split
