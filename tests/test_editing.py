"""Editing operations: geometry with WCS, intensity, restoration, arithmetic, units/NaN,
undo/redo and recipes."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from skyglass.cli import main
from skyglass.processing.editing import deconvolution, geometry, recipe, restoration
from skyglass.processing.editing.history import EditHistory, Step
from skyglass.processing.editing.registry import GROUPS, REGISTRY, apply_operation
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.frame import Frame

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def light(demo_night):
    return recipe.load_input(demo_night.lights[0])


def test_four_quarter_turns_and_two_flips_are_the_identity(light):
    f = light
    for _ in range(4):
        f = apply_operation(f, "rotate90", {"turns": "90"})
    np.testing.assert_array_equal(f.data, light.data)
    g = apply_operation(apply_operation(light, "flip_x"), "flip_x")
    np.testing.assert_array_equal(g.data, light.data)
    h = apply_operation(apply_operation(light, "flip_y"), "flip_y")
    np.testing.assert_array_equal(h.data, light.data)
    # The WCS comes back too.
    assert WCS(f.header).all_pix2world([[10, 20]], 1) == pytest.approx(
        WCS(light.header).all_pix2world([[10, 20]], 1)
    )


def _bright_star(demo_night, frame):
    t = Table.read(demo_night.truth + "/light_V_001.ecsv")
    t = t[
        (t["peak_adu"] > 500)
        & (t["peak_adu"] < 20000)
        & (t["x"] > 60)
        & (t["x"] < 196)
        & (t["y"] > 60)
        & (t["y"] < 196)
    ]
    t.sort("flux_e", reverse=True)
    return t[0]


def _centroid(data, x, y, r=4):
    """Background-subtracted centroid, re-centred until it settles (no box bias)."""
    sky = np.nanmedian(data)
    for _ in range(10):
        cx, cy = int(round(x - 1)), int(round(y - 1))
        box = np.nan_to_num(data[cy - r : cy + r + 1, cx - r : cx + r + 1].astype(float) - sky)
        box[box < 0] = 0
        yy, xx = np.mgrid[cy - r : cy + r + 1, cx - r : cx + r + 1]
        nx_, ny_ = (box * xx).sum() / box.sum() + 1, (box * yy).sum() / box.sum() + 1
        if abs(nx_ - x) < 1e-4 and abs(ny_ - y) < 1e-4:
            break
        x, y = nx_, ny_
    return x, y


@pytest.mark.parametrize(
    "op, params, tol",
    [
        ("flip_x", {}, 0.02),
        ("flip_y", {}, 0.02),
        ("rotate90", {"turns": "270"}, 0.02),
        ("crop", {"box": [40, 30, 220, 240]}, 0.02),
        ("rotate", {"angle": 33.0, "interpolation": "cubic"}, 0.3),
        ("rotate", {"angle": -20.0, "expand": True}, 0.3),
        ("rescale", {"factor": 2.0, "interpolation": "cubic"}, 0.3),
        ("affine", {"rotation": 10.0, "scale_x": 1.2, "tx": 5.0}, 0.3),
    ],
)
def test_wcs_sends_the_same_star_to_the_same_sky_position(demo_night, light, op, params, tol):
    star = _bright_star(demo_night, light)
    sx, sy = _centroid(light.data, star["x"], star["y"])
    sky = WCS(light.header).all_pix2world([[sx, sy]], 1)[0]
    edited = apply_operation(light, op, params)
    # Where the new WCS puts that sky position, the star must be.
    px, py = WCS(edited.header).all_world2pix([sky], 1)[0]
    cx, cy = _centroid(edited.data, px, py, r=6 if op == "rescale" else 4)
    scale = 2.0 if op == "rescale" else 1.0
    assert np.hypot(cx - px, cy - py) < tol * scale


@pytest.mark.parametrize(
    "op, params",
    [
        ("rotate", {"angle": 33.0, "interpolation": "cubic"}),
        ("rotate", {"angle": 71.0, "center": [40.0, 60.0]}),
        ("rotate", {"angle": -20.0, "expand": True, "interpolation": "cubic"}),
        ("affine", {"rotation": 10.0, "scale_x": 1.2, "shear": 5.0, "tx": 5.0}),
        ("rescale", {"factor": 0.5, "interpolation": "cubic", "anti_aliasing": False}),
    ],
)
def test_wcs_follows_interpolated_warps_precisely(op, params):
    """Noiseless stars: where the new WCS puts each star's sky position, the star is."""
    header = fits.Header(
        {
            "CTYPE1": "RA---TAN",
            "CTYPE2": "DEC--TAN",
            "CRVAL1": 150.0,
            "CRVAL2": -30.0,
            "CRPIX1": 70.0,
            "CRPIX2": 55.0,
            "CD1_1": -2e-4,
            "CD1_2": 1e-5,
            "CD2_1": 1.5e-5,
            "CD2_2": 2e-4,
        }
    )
    yy, xx = np.mgrid[0:120, 0:140]
    stars = [(60.3, 50.7), (90.2, 70.4), (40.6, 80.1)]
    data = sum(1000 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 2.0**2)) for x, y in stars)
    frame = Frame(data.astype(np.float32), header)
    edited = apply_operation(frame, op, params)
    for x, y in stars:
        sky = WCS(header).all_pix2world([[x + 1, y + 1]], 1)[0]
        px, py = WCS(edited.header).all_world2pix([sky], 1)[0]
        cx, cy = _centroid(np.nan_to_num(edited.data), px, py, r=8)
        assert np.hypot(cx - px, cy - py) < 0.01


def test_nonlinear_warps_remove_the_wcs_with_a_note(light):
    swirled = apply_operation(light, "swirl", {"strength": 2.0, "radius": 80.0})
    assert "CTYPE1" not in swirled.header
    assert any("WCS removed" in h for h in swirled.header["HISTORY"])
    persp = apply_operation(
        light, "perspective", {"points": [[20, 20], [230, 30], [220, 240], [25, 225]]}
    )
    assert "CTYPE1" not in persp.header and persp.data.shape[0] > 150


def test_geometry_maps_are_consistent_with_the_data():
    data = np.random.default_rng(0).normal(size=(30, 40)).astype(np.float32)
    for fn, kw in (
        (geometry.flip, {"axis": "x"}),
        (geometry.rotate90, {"turns": 3}),
        (geometry.crop, {"x0": 5, "y0": 3, "x1": 30, "y1": 20}),
    ):
        out, m = fn(data, **kw)
        for y, x in ((3, 5), (10, 20), (19, 29)):
            xp, yp, _ = m @ [x, y, 1]
            assert out[int(round(yp)), int(round(xp))] == data[y, x]


def _psnr(ref, img):
    from skimage.metrics import peak_signal_noise_ratio

    return peak_signal_noise_ratio(ref, img, data_range=float(ref.max() - ref.min()))


def test_wiener_deconvolution_of_boxed_text_raises_psnr():
    from scipy import ndimage
    from skimage import data

    text = data.text().astype(np.float32)
    box = np.ones((10, 10)) / 100.0
    blurred = ndimage.convolve(text, box, mode="reflect").astype(np.float32)
    restored = deconvolution.deconvolve(blurred, "wiener", psf=box, balance=0.01)
    assert _psnr(text, restored) > _psnr(text, blurred) + 1.0
    rl = deconvolution.deconvolve(blurred, "richardson-lucy", psf=box, iterations=30)
    assert _psnr(text, rl) > _psnr(text, blurred)


@pytest.mark.parametrize(
    "method, kw",
    [
        ("gaussian", {"sigma": 1.0}),
        ("median", {"size": 3}),
        ("bilateral", {"sigma": 2.0, "sigma_color": 0.1}),
        ("tv-chambolle", {"weight": 0.1}),
        ("tv-bregman", {"weight": 0.1}),
        ("nl-means", {"h": 0.8}),
        ("wavelet", {}),
    ],
)
def test_each_denoiser_raises_psnr(method, kw):
    from skimage import data

    clean = data.camera()[::2, ::2].astype(np.float32) * 10.0 - 300.0  # units, negatives
    noisy = restoration.add_noise(clean, "gaussian", sigma=200.0, seed=1)
    out = restoration.denoise(noisy, method, **kw)
    assert _psnr(clean, out) > _psnr(clean, noisy) + 1.0


def _default_params(name, shape):
    ny, nx = shape
    special = {
        "crop": {"box": [3, 3, nx - 3, ny - 3]},
        "perspective": {"points": [[3, 3], [nx - 3, 4], [nx - 4, ny - 3], [4, ny - 4]]},
        "set_region": {"box": [5, 5, 9, 9]},
        "clip": {"low": -500.0, "high": 2000.0},
        "resize": {"width": nx // 2, "height": ny // 2},
        "swirl": {"radius": 20.0},
        "deconvolve": {"fwhm": 2.0},
        "arithmetic": {"operator": "multiply", "value": 2.0},
        "edges": {"axis": "x"},  # a signed gradient
        "fourier": {"kind": "highpass", "low": 0.02},  # keeps the noise, and the mean
    }
    return special.get(name, {})


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_operation_keeps_units_and_nan(name):
    rng = np.random.default_rng(3)
    data = (rng.normal(500.0, 300.0, (64, 80)) - 400.0).astype(np.float32)  # negatives
    data[30:34, 40:44] = np.nan
    # An operation that takes a colour image whole (to grey) gets R, G, B planes.
    pixels = np.stack([data, data * 0.5, data * 2]) if REGISTRY[name].colour == "whole" else data
    frame = Frame(pixels, fits.Header({"BUNIT": "electron"}), name="test")
    out = apply_operation(frame, name, _default_params(name, data.shape))
    assert out.data.dtype == np.float32
    assert out.header["BUNIT"] == "electron"
    assert np.isfinite(out.data).any()
    finite = out.data[np.isfinite(out.data)]
    if not REGISTRY[name].geometry:
        assert out.data.shape == data.shape
        assert np.isnan(out.data[31, 41])  # NaN stays NaN
        if name not in ("clip",):
            # No silent squeeze into [0, 1]: values stay in the data's range and units.
            assert finite.max() > 100 and finite.min() < 0
    else:
        assert finite.max() > 100
    np.testing.assert_array_equal(np.isnan(frame.data), np.isnan(pixels))  # input untouched


def test_registry_is_complete_and_validates():
    # Header edits come from the header window, not the Edit panel's groups.
    assert set(op.group for op in REGISTRY.values() if not op.on_header) == set(GROUPS)
    for op in REGISTRY.values():
        assert op.label and op.help
        op.resolve({})  # defaults are valid
    with pytest.raises(InvalidParameterError, match="unknown operation"):
        apply_operation(Frame(np.zeros((4, 4), np.float32), fits.Header()), "sharpen")
    with pytest.raises(InvalidParameterError, match="at least"):
        REGISTRY["rescale"].resolve({"factor": 0})
    with pytest.raises(InvalidParameterError, match="must be one of"):
        REGISTRY["denoise"].resolve({"method": "magic"})


def test_arithmetic_with_another_image(tmp_path):
    a = Frame(np.full((5, 6), 4.0, np.float32), fits.Header())
    other = tmp_path / "other.fits"
    fits.PrimaryHDU(np.full((5, 6), 2.0, np.float32)).writeto(other)
    out = apply_operation(a, "arithmetic", {"operator": "divide", "other": str(other)})
    assert np.all(out.data == 2.0)
    wrong = tmp_path / "wrong.fits"
    fits.PrimaryHDU(np.ones((3, 3), np.float32)).writeto(wrong)
    from skyglass.processing.errors import SkyglassError

    with pytest.raises(SkyglassError, match="must match"):
        apply_operation(a, "arithmetic", {"operator": "add", "other": str(wrong)})
    zero = apply_operation(a, "arithmetic", {"operator": "divide", "value": 0.0})
    assert np.isnan(zero.data).all()


def test_undo_redo_and_goto(light):
    history = EditHistory(light)
    for step in (Step("flip_x"), Step("gamma", {"gamma": 0.7}), Step("rotate90", {"turns": "90"})):
        history.push(step, apply_operation(history.current(), step.op, step.params))
    final = history.current().data.copy()
    assert history.undo().data.shape == light.data.shape  # back before the rotation
    history.undo()
    history.undo()
    np.testing.assert_array_equal(history.current().data, light.data)
    assert not history.can_undo
    history.redo()
    history.redo()
    history.redo()
    np.testing.assert_array_equal(history.current().data, final)
    history.goto(1)
    np.testing.assert_array_equal(history.current().data, light.data[:, ::-1])
    # A new step after an undo drops the redo branch.
    history.push(Step("flip_y"), apply_operation(history.current(), "flip_y"))
    assert [s.op for s in history.steps] == ["flip_x", "flip_y"] and not history.can_redo


def test_memory_budget_recomputes_identically(light):
    history = EditHistory(light, budget=light.data.nbytes * 2)
    steps = [
        Step("gamma", {"gamma": 0.9}),
        Step("denoise", {"method": "median"}),
        Step("flip_y"),
        Step("sigmoid"),
        Step("rescale_percentiles"),
    ]
    kept = []
    for step in steps:
        result = apply_operation(history.current(), step.op, step.params)
        kept.append(result.data.copy())
        history.push(step, result)
    assert len(history.snapshot_indices) <= 3  # the original and at most two snapshots
    for i in range(len(steps), 0, -1):
        np.testing.assert_array_equal(history.state(i).data, kept[i - 1])


def test_recipe_round_trip_is_bit_exact(tmp_path, demo_night, light):
    steps = [
        Step("rotate", {"angle": 12.5, "interpolation": "cubic"}),
        Step("equalize"),
        Step("noise", {"kind": "poisson", "gain": 1.5, "seed": 7}),
        Step("denoise", {"method": "nl-means", "h": 0.7}),
        Step("deconvolve", {"method": "unsupervised-wiener", "seed": 3}),
    ]
    window_result = recipe.apply_steps(light, steps)
    path = tmp_path / "recipe.json"
    recipe.save(path, steps, demo_night.lights[0])
    assert json.loads(path.read_text())["steps"][0]["op"] == "rotate"
    out = tmp_path / "replayed.fits"
    assert main(["replay", str(path), demo_night.lights[0], "-o", str(out)]) == 0
    replayed = fits.getdata(out)
    assert np.array_equal(replayed, window_result.data, equal_nan=True)
    history = fits.getheader(out)["HISTORY"]
    assert sum("Skyglass" in h and "rotate" in h for h in history) == 1
    # The exported Python script gives the same file.
    script = tmp_path / "recipe.py"
    recipe.save_script(script, steps, demo_night.lights[0])
    out2 = tmp_path / "scripted.fits"
    run = subprocess.run(
        [sys.executable, str(script), demo_night.lights[0], str(out2)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert np.array_equal(fits.getdata(out2), window_result.data, equal_nan=True)


def test_replay_errors(tmp_path, demo_night, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "skyglass-recipe", "steps": [{"op": "sharpen"}]}')
    assert main(["replay", str(bad), demo_night.lights[0], "-o", str(tmp_path / "o.fits")]) == 2
    assert "unknown operation" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "none.json"), demo_night.lights[0], "-o", "x.fits"]) == 2
    assert main(["replay", str(bad), demo_night.lights[0], "-o", demo_night.lights[0]]) == 2


def test_parameter_converters_per_kind():
    from skyglass.processing.editing.operation import Param
    from skyglass.processing.errors import InvalidParameterError

    flag = Param("expand", "bool", False)
    assert flag.convert("false", "rotate") is False and flag.convert("true", "rotate") is True
    assert flag.convert(0, "rotate") is False
    with pytest.raises(InvalidParameterError):
        flag.convert("maybe", "rotate")
    angle = Param("angle", "float", 0.0, -360, 360)
    for bad in ("inf", float("nan"), "x"):
        with pytest.raises(InvalidParameterError):
            angle.convert(bad, "rotate")
    assert Param("box", "box").convert([1, 2, 3.6, 4], "crop") == (1, 2, 4, 4)
    with pytest.raises(InvalidParameterError):
        Param("box", "box").convert([1, 2, 3], "crop")


def test_a_number_typed_for_a_numeric_choice_is_that_choice():
    """A hand-written recipe with "turns": 90 was told turns must be one of 90, 180, 270."""
    assert REGISTRY["rotate90"].resolve({"turns": 90})["turns"] == "90"
    with pytest.raises(InvalidParameterError, match="must be one of"):
        REGISTRY["rotate90"].resolve({"turns": 45})
