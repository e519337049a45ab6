"""The demo night: realistic headers, camera-like storage, truth that matches the frames."""

import json

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from skyglass.processing.demo import generate_night

REQUIRED = (
    "IMAGETYP",
    "EXPTIME",
    "DATE-OBS",
    "TELESCOP",
    "INSTRUME",
    "CCD-TEMP",
    "GAIN",
    "RDNOISE",
    "BUNIT",
)


def test_frames_and_headers(demo_night):
    assert len(demo_night.biases) == 5 and len(demo_night.darks) == 6
    assert len(demo_night.flats) == 10 and len(demo_night.lights) == 8
    kinds = {}
    for path in demo_night.all_frames:
        header = fits.getheader(path)
        for key in REQUIRED:
            assert key in header, f"{key} missing in {path}"
        # Stored as a camera writes: 16-bit integers with BZERO 32768.
        assert header["BITPIX"] == 16 and header["BZERO"] == 32768
        kinds.setdefault(header["IMAGETYP"], set()).add(header["EXPTIME"])
    assert kinds["Bias Frame"] == {0.0}
    assert kinds["Dark Frame"] == {10.0, 120.0}
    light = fits.getheader(demo_night.lights[0])
    assert light["OBJECT"] and light["FILTER"] == "V"
    assert {fits.getheader(p)["FILTER"] for p in demo_night.flats} == {"V", "R"}


def test_same_seed_same_night(tmp_path, demo_night):
    again = generate_night(tmp_path / "again", size=256, seed=7)
    for a, b in zip(demo_night.all_frames, again.all_frames, strict=True):
        np.testing.assert_array_equal(fits.getdata(a), fits.getdata(b))
    other = generate_night(tmp_path / "other", size=256, seed=8)
    assert not np.array_equal(fits.getdata(other.lights[0]), fits.getdata(again.lights[0]))


def test_truth_positions_match_the_wcs_and_the_stars(demo_night):
    path = demo_night.lights[1]
    truth = Table.read(demo_night.truth + "/light_V_002.ecsv")
    wcs = WCS(fits.getheader(path))
    x, y = wcs.all_world2pix(truth["ra"], truth["dec"], 1)
    np.testing.assert_allclose(x, truth["x"], atol=1e-6)
    np.testing.assert_allclose(y, truth["y"], atol=1e-6)
    # The brightest unsaturated star really is there: a peak within a pixel of the truth.
    data = fits.getdata(path).astype(float)
    inside = (truth["x"] > 10) & (truth["x"] < 246) & (truth["y"] > 10) & (truth["y"] < 246)
    star = truth[inside & (truth["peak_adu"] < 30000)]
    star.sort("flux_e", reverse=True)
    sx, sy = star["x"][0], star["y"][0]
    r, c = int(round(sy - 1)), int(round(sx - 1))
    box = data[r - 3 : r + 4, c - 3 : c + 4]
    pr, pc = np.unravel_index(np.argmax(box), box.shape)
    assert abs(pr - 3) <= 1 and abs(pc - 3) <= 1


def test_truth_flat_and_summary(demo_night):
    flat = fits.getdata(demo_night.truth + "/flat_V.fits")
    assert np.median(flat) == pytest.approx(1.0, abs=1e-6)
    assert 0.6 < flat.min() and flat.max() < 1.2 or flat.min() < 0.5  # bad column is low
    summary = json.loads(open(demo_night.truth + "/night.json").read())
    assert summary["gain"] == 1.5 and len(summary["lights"]) == 8
    bias = fits.getdata(demo_night.biases[0]).astype(float)
    assert bias.mean() == pytest.approx(1000, abs=5)
    assert bias.std() == pytest.approx(7.0 / 1.5, rel=0.15)  # read noise in ADU


def test_flats_show_the_true_flat(demo_night):
    """Normalised flat frames follow the truth (vignetting and dust) up to shot noise."""
    flat = fits.getdata(demo_night.flats[0]).astype(float) - 1000.0
    truth = fits.getdata(demo_night.truth + "/flat_V.fits")
    ratio = (flat / np.median(flat)) / truth
    assert np.std(ratio) < 0.02


def test_progress_can_cancel(tmp_path):
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        return len(calls) >= 2

    with pytest.raises(InterruptedError):
        generate_night(tmp_path / "n", size=64, progress=progress)
    assert len(calls) == 2
