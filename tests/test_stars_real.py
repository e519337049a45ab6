"""Stars on skies nobody here made (issue 14): crowded fields, faint stars, honest FWHM.

Checked against truth (the demo night, a synthetic crowded field) and against the field's
reference library, photutils, on real images its neighbours ship: astropy's M13 and
ccdproc's a8280271.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from crowded_field import crowded_field
from photutils_reference import column, photutils_catalogue, split_by_us
from scipy.spatial import cKDTree

from skyglass.processing.measure.stars import detect_stars


def _matched(ax, ay, bx, by, radius):
    d, i = cKDTree(np.column_stack([bx, by])).query(np.column_stack([ax, ay]))
    return d < radius, i


def _m13() -> tuple[np.ndarray, fits.Header]:
    import astropy

    path = Path(astropy.__file__).parent / "io/fits/hdu/compressed/tests/data/m13_gzip.fits"
    with fits.open(path) as hdul:
        hdu = next(h for h in hdul if h.data is not None and h.data.ndim == 2)
        return hdu.data.astype(np.float32), hdu.header.copy()


def test_demo_light_recall_false_and_unbiased_fwhm(demo_night):
    """Demo light against its truth: recall, false detections, the image FWHM and each
    SNR bin's median per-star FWHM (faint stars had twice the true FWHM)."""
    stars = []
    for path in demo_night.lights[:4]:
        data = fits.getdata(path).astype(np.float32) - 1000.0  # the camera's bias level
        cat = detect_stars(data, fits.getheader(path))
        truth = Table.read(Path(demo_night.truth) / (Path(path).stem + ".ecsv"))
        true_fwhm = float(truth.meta["fwhm"])
        assert cat.meta["fwhm"] == pytest.approx(true_fwhm, rel=0.03)
        ok, idx = _matched(truth["x"], truth["y"], cat["x"], cat["y"], 1.5)  # both 1-based
        inside = (truth["x"] > 6) & (truth["x"] < 250) & (truth["y"] > 6) & (truth["y"] < 250)
        bright = inside & (truth["snr"] > 20)
        assert ok[bright].mean() >= 0.95
        back, _ = _matched(cat["x"], cat["y"], truth["x"], truth["y"], 2.0)
        assert back.mean() > 0.98
        stars.append((truth["snr"][ok & inside], np.asarray(cat["fwhm"])[idx[ok & inside]],
                      true_fwhm))  # fmt: skip
    snr = np.concatenate([s[0] for s in stars])
    ratio = np.concatenate([s[1] / s[2] for s in stars])
    for lo, hi in ((10, 20), (20, np.inf)):
        sel = (snr >= lo) & (snr < hi) & np.isfinite(ratio)
        assert sel.sum() >= 5, (lo, hi)
        assert np.median(ratio[sel]) == pytest.approx(1.0, abs=0.10), (lo, hi)


def test_crowded_field_recall_against_truth():
    data, truth, header = crowded_field()
    cat = detect_stars(data, header)
    ok, _ = _matched(truth["x"] + 1, truth["y"] + 1, cat["x"], cat["y"], 1.5)
    ny, nx = data.shape
    inside = (truth["x"] > 5) & (truth["x"] < nx - 6) & (truth["y"] > 5) & (truth["y"] < ny - 6)
    assert ok[inside & (truth["snr"] > 20)].mean() >= 0.95  # the issue asks 90 %; 98 % here
    back, _ = _matched(cat["x"], cat["y"], truth["x"] + 1, truth["y"] + 1, 2.0)
    assert back.mean() >= 0.98  # fewer than 2 % false
    assert cat.meta["fwhm"] == pytest.approx(truth.meta["fwhm"], rel=0.05)
    # Stars split from blends are flagged, not dropped.
    assert cat["blended"].sum() > 0.1 * len(cat)


def test_m13_against_photutils():
    """The crowded core of M13: photutils' deblended SNR > 20 sources are found, and the
    FWHM of isolated bright stars matches photutils' profile fit (not its moment FWHM,
    which the wings inflate two-fold on this plate)."""
    from photutils.psf import fit_fwhm

    data, header = _m13()
    ref, sub, segmap = photutils_catalogue(data)
    rx, ry = (
        column(ref, "x_centroid_win", "xcentroid_win"),
        column(ref, "y_centroid_win", "ycentroid_win"),
    )
    bright = (ref.segment_flux / column(ref, "segment_flux_err", "segment_fluxerr")) > 20
    cat = detect_stars(data, header)
    ok, _ = _matched(rx[bright] + 1, ry[bright] + 1,
                     cat["x"], cat["y"], 2.0)  # fmt: skip
    assert ok.mean() >= 0.92  # 93.8 % here
    # Most of the rest are photutils blends of two or more stars (its centroid between
    # them) that we separated: counted as found, the 95 % is met (97.1 % here).
    missed = np.zeros(len(rx), bool)
    missed[np.flatnonzero(bright)[~ok]] = True
    split = split_by_us(ref, segmap, missed, cat)
    assert split.sum() >= 5
    assert (ok | split[bright]).mean() >= 0.95
    # The core: sources within 60 px of the centre are found too (77 % were before).
    core = (
        np.hypot(
            rx[bright] - 150,
            ry[bright] - 150,
        )
        < 60
    )
    assert ok[core[: len(ok)]].mean() >= 0.8
    iso = (~cat["blended"]) & (cat["snr"] > 50) & (~cat["saturated"]) & (~cat["edge"])
    assert iso.sum() >= 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fit_fwhm(sub, xypos=np.column_stack([cat["x"][iso] - 1, cat["y"][iso] - 1]),
                          fit_shape=7)  # fmt: skip
    ours = np.asarray(cat["fwhm"][iso])
    assert np.nanmedian(ours) == pytest.approx(np.median(theirs), rel=0.10)
    assert np.mean(np.abs(ours / theirs - 1) < 0.35) >= 0.9
    # No star gets a neighbour's light as its width (95th percentile was 19.6 px).
    assert np.nanpercentile(cat["fwhm"], 95) < 2 * cat.meta["fwhm"]
    assert cat["fwhm"].unit == "pix" and cat["flux"].unit is not None
    assert cat.meta["fwhm_arcsec"] == pytest.approx(cat.meta["fwhm"] * 1.0, rel=0.01)  # 1"/px


def test_ccdproc_frame_against_photutils():
    """A real raw CCD frame (ccdproc's test data: 150 s, two stars and dozens of
    cosmic-ray hits). photutils' bright sources split into the stars (FWHM ~8 px) and
    hits of 2-3 px; the stars are found with photutils' profile-fitted FWHM, and the hits
    are not reported as stars."""
    import ccdproc
    from photutils.psf import fit_fwhm

    path = Path(ccdproc.__file__).parent / "tests/data/a8280271.fits"
    data = fits.getdata(path).astype(np.float32)
    header = fits.getheader(path)
    ref, sub, _ = photutils_catalogue(data)
    rx, ry = (
        column(ref, "x_centroid_win", "xcentroid_win"),
        column(ref, "y_centroid_win", "ycentroid_win"),
    )
    snr = ref.segment_flux / column(ref, "segment_flux_err", "segment_fluxerr")
    width = np.asarray(ref.fwhm.value)
    stars = (snr > 20) & (width > 5)
    hits = (snr > 20) & (width < 3.5)
    assert stars.sum() >= 2 and hits.sum() >= 5
    cat = detect_stars(data, header)
    found, k = _matched(rx[stars] + 1, ry[stars] + 1,
                        cat["x"], cat["y"], 2.0)  # fmt: skip
    assert found.all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fit_fwhm(sub, xypos=np.column_stack([cat["x"][k] - 1, cat["y"][k] - 1]),
                          fit_shape=15)  # fmt: skip
    np.testing.assert_allclose(np.asarray(cat["fwhm"][k]), theirs, rtol=0.10)
    as_star, _ = _matched(rx[hits] + 1, ry[hits] + 1,
                          cat["x"], cat["y"], 2.0)  # fmt: skip
    assert not as_star.any()


def test_a_star_beside_a_hot_pixel_is_a_star():
    """8 of 12 misses at SNR > 20 were stars next to a hot pixel, rejected as cosmic rays:
    the hot pixel is replaced, the star kept at its true place."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:200, 0:200]
    data = rng.normal(100.0, 5.0, (200, 200))
    stars = [(50.3, 60.7), (120.6, 80.2), (150.1, 150.9), (70.4, 140.5)]
    for x, y in stars:
        data += 400.0 * (1 + ((xx - x) ** 2 + (yy - y) ** 2) / 2.4**2) ** -3
    for x, y in stars:  # a hot pixel two pixels beside each star, twice its peak
        data[int(round(y)) + 1, int(round(x)) + 2] += 900.0
    data[20, 30] += 900.0  # and one alone
    cat = detect_stars(data.astype(np.float32))
    ok, idx = _matched([x + 1 for x, _ in stars], [y + 1 for _, y in stars],
                       cat["x"], cat["y"], 0.3)  # fmt: skip
    assert ok.all()
    assert len(cat) == len(stars)  # the lone hot pixel is no star
    assert cat.meta["cleaned_pixels"] >= 5


def test_night_log_fwhm_is_unbiased(demo_night):
    """The night log's FWHM was 0.15-0.25 px high on every demo frame (about 5 %)."""
    from skyglass.processing.calibration.nightlog import frame_quality

    for path in demo_night.lights:
        truth = Table.read(Path(demo_night.truth) / (Path(path).stem + ".ecsv"))
        assert frame_quality(path).fwhm == pytest.approx(truth.meta["fwhm"], rel=0.03)
