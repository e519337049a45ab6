"""Calibration and stacking on the demo night, checked against its truth and ccdproc."""

import json
import os
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from skyglass.cli import main
from skyglass.processing.calibration.align import find_shift, stack
from skyglass.processing.calibration.calibrate import (
    CalibrationOptions,
    Frame,
    calibrate,
    fill_bad_pixels,
    master_bias,
    master_dark,
    master_flat,
    read_frame,
)
from skyglass.processing.calibration.combine import CombineOptions
from skyglass.processing.calibration.library import NightLibrary, kind_of
from skyglass.processing.calibration.pipeline import build_masters
from skyglass.processing.errors import InvalidParameterError, SkyglassError


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A 512 x 512 demo night (enough stars to align on)."""
    from skyglass.processing.demo import generate_night

    return generate_night(tmp_path_factory.mktemp("calnight"), size=512, seed=3)


@pytest.fixture(scope="module")
def masters(night):
    lib = NightLibrary(night.folder)
    return build_masters(
        [f.path for f in lib.biases()],
        [f.path for f in lib.of_kind("dark")],
        [f.path for f in lib.of_kind("flat")],
    )


@pytest.fixture(scope="module")
def calibrated_v(night, masters):
    lights = [p for p in night.lights if "light_V" in p]
    opts = CalibrationOptions(cosmic="lacosmic", bad_pixels="interpolate")
    return [
        calibrate(p, masters.bias, masters.dark_for(60.0), masters.flats["V"], opts) for p in lights
    ]


def truth(night, name):
    return Table.read(os.path.join(night.truth, name))


def test_library_groups_the_night(night):
    lib = NightLibrary(night.folder)
    assert len(lib.biases()) == 5
    assert {t: len(v) for t, v in lib.darks().items()} == {10.0: 3, 120.0: 3}
    assert {b: len(v) for b, v in lib.flats().items()} == {"R": 5, "V": 5}
    assert [k for k in lib.lights()] == [("NGC 2420 field", "R"), ("NGC 2420 field", "V")]
    light = lib.of_kind("light")[0]
    lib.set_kind(light.path, "flat")
    assert len(lib.of_kind("light")) == 7
    assert kind_of("ZERO") == "bias" and kind_of("object") == "light"
    assert kind_of("Dark Frame") == "dark" and kind_of("SKYFLAT") == "flat"


def test_master_flat_matches_the_true_flat(masters, night):
    true = fits.getdata(os.path.join(night.truth, "flat_V.fits"))
    ratio = masters.flats["V"].data / true
    assert np.nanmedian(masters.flats["V"].data) == pytest.approx(1.0, abs=1e-6)
    assert np.nanstd(ratio) < 0.01  # within 1 % rms


def test_master_dark_and_hot_pixels(masters, night):
    summary = json.loads(open(os.path.join(night.truth, "night.json")).read())
    dark = masters.darks[120.0]
    rate = fits.getdata(os.path.join(night.truth, "dark_current.fits"))
    # Median dark signal = dark current x time / gain.
    assert np.median(dark.data) == pytest.approx(0.08 * 120 / summary["gain"], abs=1.0)
    hot = rate > 2.0
    found = dark.mask
    assert found[hot & (rate * 120 / summary["gain"] > 80)].mean() > 0.95
    assert found.sum() < 2 * hot.sum()


def test_calibrated_lights_have_no_vignetting_left(night, calibrated_v):
    data = calibrated_v[0].data
    raw = fits.getdata(night.lights[0]).astype(float)
    n = 64

    def corners_vs_centre(img):
        c = img.shape[0] // 2
        centre = np.median(img[c - n // 2 : c + n // 2, c - n // 2 : c + n // 2])
        ny, nx = img.shape
        corners = [np.median(img[a : a + n, b : b + n]) for a in (0, ny - n) for b in (0, nx - n)]
        return centre, corners

    centre, corners = corners_vs_centre(raw - 1000)
    assert min(corners) < 0.9 * centre  # the raw frame is vignetted
    centre, corners = corners_vs_centre(data)
    noise = 1.4826 * np.median(np.abs(data - np.median(data))) / n  # error of a block median
    for c in corners:
        assert abs(c - centre) < 5 * noise + 0.005 * centre


def test_history_and_header_are_kept(calibrated_v):
    h = calibrated_v[0].header
    history = "\n".join(h["HISTORY"])
    assert "master_bias.fits" in history and "master_dark_120s.fits x 0.5" in history
    assert "master_flat_V.fits" in history and "L.A.Cosmic" in history
    assert h["OBJECT"] == "NGC 2420 field" and h["CTYPE1"] == "RA---TAN"
    assert h["BUNIT"] == "adu" and h["CALSTAT"] == "BDF"


def test_cosmic_rays_are_cleaned(night, masters):
    raw = read_frame(night.lights[0])
    plain = calibrate(raw, masters.bias, masters.darks[120.0], masters.flats["V"])
    clean = calibrate(
        raw,
        masters.bias,
        masters.darks[120.0],
        masters.flats["V"],
        CalibrationOptions(cosmic="median", bad_pixels="interpolate"),
    )
    assert clean.data.max() < plain.data.max() or np.nanpercentile(clean.data, 99.99) <= (
        np.nanpercentile(plain.data, 99.99)
    )
    assert "median filter" in "\n".join(clean.header["HISTORY"])


def test_stack_puts_stars_at_truth_and_raises_snr(night, calibrated_v):
    result = stack(calibrated_v, "median", align="shift")
    assert result.header["NCOMBINE"] == 5
    assert result.header["TOTEXP"] == 300.0 and result.header["EXPTIME"] == 60.0
    ref_truth = truth(night, "light_V_001.ecsv")
    # Bright, unsaturated, isolated stars away from the edges.
    t = ref_truth[
        (ref_truth["peak_adu"] > 300)
        & (ref_truth["peak_adu"] < 20000)
        & (ref_truth["x"] > 20)
        & (ref_truth["x"] < 492)
        & (ref_truth["y"] > 20)
        & (ref_truth["y"] < 492)
    ]
    assert len(t) >= 5
    offsets = []
    for x, y in zip(t["x"], t["y"], strict=True):
        cx, cy = _centroid(result.data, x, y)
        offsets.append(np.hypot(cx - x, cy - y))
    assert np.sqrt(np.mean(np.square(offsets))) < 0.1
    # Signal-to-noise of the bright stars: higher in the stack than in any single frame.
    snr_stack = _snr(result.data, t)
    for frame in calibrated_v:
        assert snr_stack > _snr(frame.data, t) * 1.3


def _centroid(img, x, y, r=5):
    cx, cy = int(round(x - 1)), int(round(y - 1))
    box = img[cy - r : cy + r + 1, cx - r : cx + r + 1].astype(float)
    box = box - np.median(img[cy - 3 * r : cy + 3 * r, cx - 3 * r : cx + 3 * r])
    box[box < 0] = 0
    yy, xx = np.mgrid[cy - r : cy + r + 1, cx - r : cx + r + 1]
    return (box * xx).sum() / box.sum() + 1, (box * yy).sum() / box.sum() + 1


def _snr(img, t, r=5):
    sky = np.nanmedian(img)
    noise = 1.4826 * np.nanmedian(np.abs(img - sky))
    snrs = []
    for x, y in zip(t["x"], t["y"], strict=True):
        cx, cy = int(round(x - 1)), int(round(y - 1))
        flux = np.nansum(img[cy - r : cy + r + 1, cx - r : cx + r + 1] - sky)
        snrs.append(flux / (noise * (2 * r + 1)))
    return float(np.median(snrs))


def test_star_pattern_alignment_handles_rotation(calibrated_v):
    from scipy import ndimage

    from skyglass.processing.calibration.align import align_frames

    ref = calibrated_v[0]
    rotated = ndimage.rotate(
        np.nan_to_num(ref.data, nan=0.0), 3.0, reshape=False, order=3, mode="nearest"
    )
    moved = Frame(rotated.astype(np.float32), ref.header.copy(), name="rotated")
    images, matrices = align_frames([ref, moved], method="stars")
    angle = np.degrees(np.arctan2(matrices[1][1, 0], matrices[1][0, 0]))
    assert abs(abs(angle) - 3.0) < 0.02
    # After resampling, the rotated frame lines up with the reference.
    inner = (slice(100, 400), slice(100, 400))
    diff = images[1][inner] - np.nan_to_num(ref.data)[inner]
    assert np.nanstd(diff) < 0.5 * np.nanstd(rotated[inner] - np.nan_to_num(ref.data)[inner])


def test_shift_is_subpixel():
    from scipy import ndimage

    rng = np.random.default_rng(2)
    img = rng.normal(0, 1, (200, 200)).astype(np.float32)
    for _ in range(30):
        y, x = rng.uniform(20, 180, 2)
        yy, xx = np.mgrid[0:200, 0:200]
        img += 500 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.0)
    moved = ndimage.shift(img, (3.3, -7.6), order=3)
    dx, dy = find_shift(img, moved)
    assert (dx, dy) == pytest.approx((7.6, -3.3), abs=0.05)


def test_agrees_with_ccdproc(night, masters):
    ccdproc = pytest.importorskip("ccdproc")
    from astropy.nddata import CCDData

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = CCDData.read(night.lights[0], unit="adu")
        bias = CCDData(masters.bias.data.astype(np.float64), unit="adu")
        dark = CCDData(
            masters.darks[120.0].data.astype(np.float64), unit="adu", meta={"EXPTIME": 120.0}
        )
        flat = CCDData(masters.flats["V"].data.astype(np.float64), unit="")
        ref = ccdproc.ccd_process(
            raw,
            master_bias=bias,
            dark_frame=dark,
            master_flat=flat,
            exposure_key="EXPTIME",
            exposure_unit=__import__("astropy.units").units.s,
            dark_scale=True,
        )
    ours = calibrate(night.lights[0], masters.bias, masters.darks[120.0], masters.flats["V"])
    # ccdproc divides by the flat rescaled to its mean; ours has median 1.
    factor = np.mean(masters.flats["V"].data, dtype=np.float64)
    np.testing.assert_allclose(ours.data * factor, ref.data, rtol=1e-6, atol=1e-4)


def test_masters_agree_with_ccdproc_combine(night):
    ccdproc = pytest.importorskip("ccdproc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ccdproc.combine([p for p in night.biases], method="median", unit="adu")
    ours = master_bias(night.biases)
    np.testing.assert_allclose(ours.data, ref.data, rtol=1e-7)


def test_clear_errors(night, masters, tmp_path):
    with pytest.raises(InvalidParameterError, match="empty"):
        master_bias([])
    with pytest.raises(SkyglassError, match="different exposure times"):
        master_dark(night.darks)
    flats = [p for p in night.flats]
    with pytest.raises(SkyglassError, match="different filters"):
        master_flat(flats, masters.bias)
    r_light = [p for p in night.lights if "light_R" in p][0]
    with pytest.raises(SkyglassError, match="filter R but the master flat"):
        calibrate(r_light, masters.bias, None, masters.flats["V"])
    small = tmp_path / "small.fits"
    fits.PrimaryHDU(np.zeros((10, 10), np.uint16)).writeto(small)
    with pytest.raises(SkyglassError, match=r"master bias .* is 512 x 512 but small.fits is 10"):
        calibrate(str(small), masters.bias)
    no_exp = tmp_path / "noexp.fits"
    fits.PrimaryHDU(np.zeros((512, 512), np.uint16)).writeto(no_exp)
    with pytest.raises(SkyglassError, match="noexp.fits: no EXPTIME"):
        calibrate(str(no_exp), masters.bias, masters.darks[120.0])


def test_fill_bad_pixels_uses_good_neighbours():
    data = np.arange(49, dtype=np.float32).reshape(7, 7)
    bad = np.zeros((7, 7), bool)
    bad[3, 3] = True
    bad[:, 0] = True
    before = data.copy()
    fill_bad_pixels(data, bad)
    assert data[3, 3] == np.median(np.delete(before[2:5, 2:5].ravel(), 4))
    assert np.isfinite(data).all() and (data[~bad] == before[~bad]).all()


def test_nonlinearity_polynomial(night, masters):
    lin = calibrate(night.lights[0], masters.bias)
    poly = calibrate(
        night.lights[0], masters.bias, options=CalibrationOptions(nonlinearity=(1.0, 2.0, 0.0, 0.0))
    )
    np.testing.assert_allclose(poly.data, 1.0 + 2.0 * lin.data, rtol=1e-6)


def test_cli_calibrate_auto_and_stack(night, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["calibrate", "--auto", night.folder, "-o", str(out)]) == 0
    names = sorted(os.listdir(out))
    assert "master_flat_V.fits" in names and "light_V_001_cal.fits" in names
    cal = sorted(str(out / n) for n in names if n.startswith("light_V"))
    assert main(["stack", *cal, "-o", str(out / "stack.fits"), "--method", "mean"]) == 0
    header = fits.getheader(out / "stack.fits")
    assert header["NCOMBINE"] == 5 and "Skyglass" in str(header["HISTORY"])
    # Outputs are never replaced silently.
    assert main(["calibrate", "--auto", night.folder, "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["calibrate", "-o", str(out)]) == 2


def test_cli_calibrate_explicit_lists(night, tmp_path):
    out = tmp_path / "explicit"
    darks120 = [p for p in night.darks if "120s" in p]
    flats_v = [p for p in night.flats if "_V_" in p]
    lights_v = [p for p in night.lights if "light_V" in p][:2]
    code = main(
        [
            "calibrate",
            "--bias",
            *night.biases,
            "--dark",
            *darks120,
            "--flat",
            *flats_v,
            "-o",
            str(out),
            *lights_v,
            "--cosmic",
            "median",
            "--bad-pixels",
            "nan",
        ]
    )
    assert code == 0
    data = fits.getdata(out / "light_V_001_cal.fits")
    assert np.isnan(data).sum() > 0  # hot pixels set to NaN
    assert fits.getdata(out / "master_dark_120s.fits", extname="MASK").sum() > 0


def test_combine_options_reach_the_masters(night):
    mean = master_bias(night.biases, CombineOptions("mean"))
    assert "mean of 5 frames" in "\n".join(mean.header["HISTORY"])
    assert mean.header["NCOMBINE"] == 5
