"""Editing right at the edges and against the field's libraries: convolutions that keep a
flat image flat and NaN in place, and the seed's blur-then-deconvolve example."""

import numpy as np
import pytest
from astropy.io import fits

from skyglass.processing.editing.kernels import box_kernel, convolve, kernel_from_matrix
from skyglass.processing.editing.registry import apply_operation
from skyglass.processing.io.frame import Frame


def frame(data):
    return Frame(np.asarray(data, np.float32), fits.Header(), name="t")


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "box", "size": 10},
        {"kind": "motion", "length": 9, "angle": 30},
        {"kind": "gaussian", "sigma": 3.0},
    ],
)
def test_blurring_a_flat_image_keeps_it_flat_to_the_last_pixel(params):
    flat = np.full((60, 80), 1000.0)
    out = apply_operation(frame(flat), "blur", params).data
    assert np.abs(out - 1000.0).max() < 1e-4


def test_nan_stays_nan_and_does_not_spread():
    data = np.full((40, 40), 1000.0)
    data[20, 20] = np.nan
    out = apply_operation(frame(data), "blur", {"kind": "box", "size": 5}).data
    assert np.isnan(out[20, 20]) and np.isnan(out).sum() == 1
    assert np.abs(out[np.isfinite(out)] - 1000.0).max() < 1e-4


def test_box_blur_equals_scipy_where_the_maths_is_the_same():
    from scipy import ndimage

    rng = np.random.default_rng(0)
    data = rng.normal(100, 10, (64, 48)).astype(np.float32)
    ours = apply_operation(frame(data), "blur", {"kind": "box", "size": 9}).data
    theirs = ndimage.uniform_filter(data.astype(np.float64), 9, mode="reflect")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)
    big = convolve(data, box_kernel(15))  # the FFT path for large kernels
    np.testing.assert_allclose(
        big, ndimage.uniform_filter(data.astype(np.float64), 15, mode="reflect"), atol=1e-3
    )


def test_the_seeds_blur_then_deconvolve_example_gains_psnr():
    """scikit-image's text image blurred by a 10-pixel box, restored by Richardson-Lucy with
    the same box as PSF: at least 1 dB better than the blurred image."""
    from skimage import data as skdata
    from skimage.metrics import peak_signal_noise_ratio

    truth = skdata.text().astype(np.float32)
    blurred = apply_operation(frame(truth), "blur", {"kind": "box", "size": 10}).data
    restored = apply_operation(
        frame(blurred),
        "deconvolve",
        {"method": "richardson-lucy", "psf": "box", "size": 10, "iterations": 30},
    ).data
    span = float(truth.max() - truth.min())
    before = peak_signal_noise_ratio(truth, blurred, data_range=span)
    after = peak_signal_noise_ratio(truth, np.clip(restored, 0, 255), data_range=span)
    assert after - before >= 1.0, (before, after)


def test_a_psf_from_a_fits_file(tmp_path):
    kernel = np.zeros((5, 5), np.float32)
    kernel[2, :] = 1.0
    path = tmp_path / "psf.fits"
    fits.PrimaryHDU(kernel).writeto(path)
    flat = np.full((30, 30), 50.0)
    out = apply_operation(
        frame(flat), "deconvolve", {"method": "wiener", "psf": "file", "psf_file": str(path)}
    ).data
    assert np.isfinite(out).all()


def test_typed_kernels_are_read_top_row_first():
    k = kernel_from_matrix([0, 1, 0, 0, 0, 0, 0, 0, 0], normalise=False)
    assert k[2, 1] == 1.0  # the top row typed is the highest FITS row


# ------------------------------------------------------------------ filters
@pytest.mark.parametrize(
    "kind, reference",
    [
        (
            "uniform",
            lambda d: __import__("scipy.ndimage").ndimage.uniform_filter(d, 5, mode="reflect"),
        ),
        (
            "minimum",
            lambda d: __import__("scipy.ndimage").ndimage.minimum_filter(d, 5, mode="reflect"),
        ),
        (
            "maximum",
            lambda d: __import__("scipy.ndimage").ndimage.maximum_filter(d, 5, mode="reflect"),
        ),
        (
            "median",
            lambda d: __import__("scipy.ndimage").ndimage.median_filter(d, 5, mode="reflect"),
        ),
        (
            "percentile",
            lambda d: __import__("scipy.ndimage").ndimage.percentile_filter(
                d, 80, 5, mode="reflect"
            ),
        ),
    ],
)
def test_window_filters_equal_scipy(kind, reference):
    data = np.random.default_rng(1).normal(300, 40, (50, 60)).astype(np.float32)
    out = apply_operation(frame(data), "filter", {"kind": kind, "size": 5, "percentile": 80}).data
    np.testing.assert_allclose(out, reference(data.astype(np.float64)), rtol=1e-5, atol=1e-3)


def test_edge_filters_equal_scipy_and_keep_nan():
    from scipy import ndimage

    data = np.random.default_rng(2).normal(300, 40, (50, 60)).astype(np.float32)
    d64 = data.astype(np.float64)
    sx = apply_operation(frame(data), "edges", {"kind": "sobel", "axis": "x"}).data
    np.testing.assert_allclose(sx, ndimage.sobel(d64, axis=1, mode="reflect"), rtol=1e-5, atol=1e-2)
    mag = apply_operation(frame(data), "edges", {"kind": "prewitt"}).data
    expected = np.hypot(
        ndimage.prewitt(d64, axis=1, mode="reflect"), ndimage.prewitt(d64, axis=0, mode="reflect")
    )
    np.testing.assert_allclose(mag, expected, rtol=1e-5, atol=1e-2)
    lap = apply_operation(frame(data), "edges", {"kind": "laplace"}).data
    np.testing.assert_allclose(lap, ndimage.laplace(d64, mode="reflect"), rtol=1e-5, atol=1e-2)
    data[10, 10] = np.nan
    assert np.isnan(apply_operation(frame(data), "edges", {}).data[9, 9]) is np.False_


def test_custom_kernel_typed_or_from_a_file(tmp_path):
    from scipy import ndimage

    data = np.random.default_rng(3).normal(300, 40, (40, 50)).astype(np.float32)
    k = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], float)
    typed = apply_operation(frame(data), "kernel", {"matrix": k.ravel().tolist()}).data
    np.testing.assert_allclose(
        typed, ndimage.convolve(data.astype(np.float64), k / k.sum(), mode="reflect"), atol=1e-3
    )
    path = tmp_path / "k.fits"
    fits.PrimaryHDU(k.astype(np.float32)).writeto(path)
    from_file = apply_operation(frame(data), "kernel", {"kernel_file": str(path)}).data
    np.testing.assert_allclose(from_file, typed, atol=1e-4)


# ------------------------------------------------------------------ Fourier
def test_fourier_filters_keep_and_remove_the_right_frequencies():
    yy, xx = np.mgrid[0:128, 0:128]
    slow = 100 * np.sin(2 * np.pi * 0.02 * xx)
    fast = 100 * np.sin(2 * np.pi * 0.3 * xx)
    data = (1000 + slow + fast).astype(np.float32)
    low = apply_operation(frame(data), "fourier", {"kind": "lowpass", "low": 0.1}).data
    inner = (slice(20, -20), slice(20, -20))  # away from the reflected edges
    np.testing.assert_allclose(low[inner], (1000 + slow)[inner], atol=3.0)
    # High- and band-pass keep the image's mean level (sky stays sky).
    level = float(data.mean())
    high = apply_operation(frame(data), "fourier", {"kind": "highpass", "low": 0.1}).data
    np.testing.assert_allclose(high[inner], (level + fast)[inner], atol=5.0)
    band = apply_operation(
        frame(data), "fourier", {"kind": "bandpass", "low": 0.2, "high": 0.4}
    ).data
    np.testing.assert_allclose(band[inner], (level + fast)[inner], atol=5.0)


def test_power_spectrum_opens_as_a_new_frame(window, write_fits):
    xx = np.arange(64)[None, :] * np.ones((64, 1))
    window.files.open_file(str(write_fits((100 * np.sin(2 * np.pi * xx / 8)).astype(np.float32))))
    window.menus["power_spectrum"].trigger()
    assert len(window.workspace.frames) == 2
    spectrum = window.workspace.current.document.image.data[:, :]
    peak = np.unravel_index(np.argmax(spectrum), spectrum.shape)
    assert peak[0] == 32 and abs(peak[1] - 32) == 8  # 1/8 cycle per pixel, along x


# ------------------------------------------------------------------ geometry
def test_affine_means_what_scikit_image_warp_means():
    from skimage.transform import AffineTransform, warp

    data = np.random.default_rng(4).normal(100, 10, (40, 50)).astype(np.float32)
    ours = apply_operation(
        frame(data), "affine", {"tx": 5.0, "ty": 3.0, "interpolation": "nearest"}
    )
    theirs = warp(
        data.astype(np.float64),
        AffineTransform(translation=(5, 3)),
        order=0,
        mode="constant",
        cval=np.nan,
        preserve_range=True,
    )
    both = np.isfinite(ours.data) & np.isfinite(theirs)
    assert both.sum() > 1500
    np.testing.assert_allclose(ours.data[both], theirs[both], atol=1e-4)


def test_a_large_translation_fits_the_whole_result():
    data = np.random.default_rng(5).normal(100, 10, (40, 50)).astype(np.float32)
    same = apply_operation(frame(data), "affine", {"tx": 60.0}).data
    assert not np.isfinite(same).any()  # the seed's translation, output the input's size
    fit = apply_operation(frame(data), "affine", {"tx": 60.0, "output": "fit"}).data
    assert fit.shape == (40, 50) and np.isfinite(fit).all()
    sized = apply_operation(
        frame(data), "affine", {"scale_x": 0.5, "output": "size", "width": 100, "height": 40}
    ).data
    assert sized.shape == (40, 100)


def test_version_1_recipes_keep_their_meaning(tmp_path, write_fits):
    import json

    from skyglass.processing.editing import recipe

    src = write_fits(np.arange(400, dtype=np.float32).reshape(20, 20), name="in.fits")
    old = {
        "format": "skyglass-recipe",
        "version": 1,
        "steps": [
            {"op": "affine", "params": {"tx": 2.0, "interpolation": "nearest"}},
            {"op": "noise", "params": {"kind": "speckle", "sigma": 0.0}},
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    out = recipe.replay(recipe.load(path), src)
    # Version 1 moved the picture by tx: the value at x=1 is now at x=3.
    assert out.data[5, 2] == np.arange(400).reshape(20, 20)[5, 0]


def test_perspective_takes_a_typed_size():
    data = np.random.default_rng(6).normal(100, 10, (60, 60)).astype(np.float32)
    out = apply_operation(
        frame(data),
        "perspective",
        {"points": [[5, 5], [55, 8], [52, 55], [6, 50]], "width": 30, "height": 20},
    ).data
    assert out.shape == (20, 30)


def test_lens_distortion_is_identity_at_zero_and_removes_the_wcs():
    header = fits.Header(
        {
            "CTYPE1": "RA---TAN",
            "CTYPE2": "DEC--TAN",
            "CRVAL1": 10.0,
            "CRVAL2": 20.0,
            "CRPIX1": 20.0,
            "CRPIX2": 20.0,
            "CDELT1": -1e-4,
            "CDELT2": 1e-4,
        }
    )
    data = np.random.default_rng(7).normal(100, 10, (41, 41)).astype(np.float32)
    same = apply_operation(Frame(data, header), "lens", {"k1": 0.0})
    np.testing.assert_allclose(same.data, data, atol=1e-4)
    assert "CTYPE1" not in same.header and "lens" in str(same.header["HISTORY"]).lower()
    # A point at normalised radius r moves to r (1 + k1 r^2): a pixel 10 px from the
    # centre of a 41-pixel image (scale 20.5) comes from 10 * (1 + 0.2 * (10/20.5)^2).
    spot = np.zeros((41, 41), np.float32)
    r_src = 10 * (1 + 0.2 * (10 / 20.5) ** 2)
    spot[20, int(round(20 + r_src))] = 1000.0
    out = apply_operation(
        Frame(spot, fits.Header()), "lens", {"k1": 0.2, "interpolation": "nearest"}
    )
    assert out.data[20, 30] == 1000.0


# ------------------------------------------------------------------ denoise, noise
def test_every_discrete_wavelet_is_offered_and_speckle_is_a_fraction():
    from skyglass.processing.editing.registry import REGISTRY

    wavelet = next(p for p in REGISTRY["denoise"].params if p.name == "wavelet")
    assert "bior2.8" in wavelet.choices and len(wavelet.choices) > 50
    data = np.random.default_rng(8).uniform(105, 705, (40, 40)).astype(np.float32)
    out = apply_operation(frame(data), "denoise", {"method": "wavelet", "wavelet": "bior2.8"})
    assert np.isfinite(out.data).all()
    noisy = apply_operation(frame(data), "noise", {"kind": "speckle"}).data
    assert -200 < noisy.min() and noisy.max() < 1200  # 10 % scatter, not 10x the values
    gaussian = apply_operation(frame(data), "noise", {"kind": "gaussian"}).data
    assert 0 < np.std(gaussian - data) < 1000  # as much noise as the image has


# ------------------------------------------------------------------ masked statistics
def test_info_statistics_under_a_mask_and_inside_regions(skyglass_cli, tmp_path):
    import json

    data = np.arange(100, dtype=np.float32).reshape(10, 10)
    image = tmp_path / "img.fits"
    fits.PrimaryHDU(data).writeto(image)
    mask = np.zeros((10, 10), np.uint8)
    mask[:, 4:] = 1  # FITS x >= 5 masked
    mpath = tmp_path / "mask.fits"
    fits.PrimaryHDU(mask).writeto(mpath)
    out = skyglass_cli("info", image, "--mask", mpath, "--json")
    assert out.returncode == 0, out.stderr
    sel = json.loads(out.stdout)["selected"]
    expected = np.ma.masked_array(data, mask.astype(bool))
    assert sel["count"] == 40 and sel["masked"] == 60
    assert sel["mean"] == pytest.approx(float(expected.mean()))
    assert sel["std"] == pytest.approx(float(expected.std()))
    reg = tmp_path / "r.reg"
    reg.write_text("image\nbox(3.5,3.5,4,4,0)\n")  # pixels x 2..5 (x 5 masked), y 2..5
    both = json.loads(
        skyglass_cli("info", image, "--mask", mpath, "--region", reg, "--json").stdout
    )["selected"]
    assert both["count"] == 12 and both["max"] == 43.0
    text = skyglass_cli("info", image, "--region", reg).stdout
    assert "selected (16 pixels" in text
    bad = skyglass_cli("info", image, "--mask", tmp_path / "missing.fits")
    assert bad.returncode == 2 and bad.stderr.startswith("skyglass: error:")


def test_the_regions_panel_shows_whole_image_statistics_under_the_mask(window, write_fits):
    data = np.arange(400, dtype=np.float32).reshape(20, 20)
    window.files.open_file(str(write_fits(data, name="m.fits")))
    window.menus["show_regions"].trigger()
    panel = window.panels["regions"]
    assert panel.last_image_stats["count"] == 400
    panel.low.setText("100")
    panel.high.setText("")
    panel.mask_threshold()  # masks the pixels below 100
    assert panel.last_image_stats["count"] == 300
    assert panel.last_image_stats["mean"] == pytest.approx(float(data[data >= 100].mean()))
    assert "300 unmasked" in panel.image_stats.text()


def test_the_new_operations_are_in_the_edit_panel_and_replay(window, write_fits, tmp_path):
    import json

    from skyglass.processing.editing import recipe

    src = write_fits(np.random.default_rng(9).normal(100, 5, (32, 32)).astype(np.float32))
    window.files.open_file(str(src))
    panel = window.panels["edit"]
    for name in ("lens", "filter", "edges", "kernel", "fourier"):
        panel.select(name)
        assert panel.operation.name == name
    steps = [
        {"op": "lens", "params": {"k1": -0.05}},
        {"op": "edges", "params": {"kind": "sobel"}},
        {"op": "kernel", "params": {"matrix": [1, 1, 1, 1, 1, 1, 1, 1, 1]}},
        {"op": "fourier", "params": {"kind": "lowpass", "low": 0.2}},
        {"op": "filter", "params": {"kind": "median", "size": 3}},
    ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"format": "skyglass-recipe", "version": 2, "steps": steps}))
    out = recipe.replay(recipe.load(path), src)
    assert out.data.shape == (32, 32) and np.isfinite(out.data).any()


def test_richardson_lucy_is_scikit_image_and_stops_on_cancel():
    """Cancel stopped nothing: 500 iterations ran on after it (issue 18, item 7)."""
    from skimage import restoration

    from skyglass.processing.editing.deconvolution import gaussian_psf, richardson_lucy
    from skyglass.processing.progress import Cancelled

    rng = np.random.default_rng(4)
    image = rng.random((40, 50)) + 0.1
    psf = gaussian_psf(2.5)
    ours = richardson_lucy(image, psf, 12)
    theirs = restoration.richardson_lucy(image, psf, num_iter=12, clip=False)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    calls = []

    def cancel_after_three(fraction, message):
        calls.append(message)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        richardson_lucy(image, psf, 500, cancel_after_three)
    assert len(calls) == 4
