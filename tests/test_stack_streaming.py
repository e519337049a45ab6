"""``skyglass stack`` in bounded memory and with few open files (issue 15, item 1), run as
users run it: the installed command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from conftest import installed_command


def _frames(folder, count, size=64, seed=0, dither=3.0):
    """Star fields (Gaussian stars drawn in 15 x 15 stamps) with random dithers."""
    rng = np.random.default_rng(seed)
    stars = rng.uniform(8 + dither, size - 8 - dither, (max(6, size * size // 2000), 2))
    yy, xx = np.mgrid[-7:8, -7:8]
    paths = []
    for i in range(count):
        dx, dy = rng.uniform(-dither, dither, 2) if i else (0.0, 0.0)
        img = rng.normal(100.0, 2.0, (size + 16, size + 16))
        for x, y in stars + (dx, dy):
            ix, iy = int(round(x)) + 8, int(round(y)) + 8
            fx, fy = x + 8 - ix, y + 8 - iy
            img[iy - 7 : iy + 8, ix - 7 : ix + 8] += 800 * np.exp(
                -((xx - fx) ** 2 + (yy - fy) ** 2) / 4.5
            )
        path = folder / f"f{i:04d}.fits"
        data = img[8:-8, 8:-8].astype(np.float32)
        fits.PrimaryHDU(data, fits.Header({"EXPTIME": 10.0})).writeto(path)
        paths.append(path)
    return paths


def _run_limited(argv, nofile=None, cwd=None):
    """The installed command with an open-file limit; returns (run, peak RSS in MB)."""
    wrapper = (
        "import resource, subprocess, sys\n"
        f"limit = {nofile!r}\n"
        "def pre():\n"
        "    if limit: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))\n"
        "run = subprocess.run(sys.argv[1:], preexec_fn=pre, capture_output=True, text=True)\n"
        "sys.stdout.write(run.stdout); sys.stderr.write(run.stderr)\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
        "sys.exit(run.returncode)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", wrapper, installed_command(), *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    peak = float(run.stdout.rsplit("PEAK", 1)[1]) if "PEAK" in run.stdout else float("nan")
    return run, peak


@pytest.mark.parametrize("align", ["none", "shift"])
def test_two_thousand_frames_under_256_open_files(tmp_path, align):
    paths = _frames(tmp_path, 2000, size=24, dither=0.0)
    out = tmp_path / "stack.fits"
    run, _ = _run_limited(
        ["stack", *paths, "-o", out, "--method", "mean", "--align", align], nofile=256
    )
    assert run.returncode == 0, run.stderr[-2000:]
    data = fits.getdata(out)
    expected = np.mean([fits.getdata(p) for p in paths], axis=0)
    if align == "none":
        np.testing.assert_allclose(data, expected, rtol=1e-5)
    assert fits.getheader(out)["NCOMBINE"] == 2000
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".skyglass-stack-")]


def test_memory_does_not_grow_with_the_number_of_frames(tmp_path):
    """Before: every frame was read whole and its aligned copy kept (140 MB per 4k frame)."""
    paths = _frames(tmp_path, 360, size=512, dither=4.0)
    peaks = {}
    # From about 100 frames of 1 MB on, both workers combine row bands at their size limit
    # (48 MB): the peak is reached, and must not grow from there.
    for count in (120, 360):
        out = tmp_path / f"stack{count}.fits"
        run, peak = _run_limited(["stack", *paths[:count], "-o", out, "--align", "shift"])
        assert run.returncode == 0, run.stderr[-2000:]
        peaks[count] = peak
    # 240 more frames of 1 MB, plus their aligned copies, would be +480 MB kept in memory.
    assert peaks[360] < peaks[120] + 40, peaks


def test_streamed_stack_equals_the_in_memory_stack(tmp_path, skyglass_cli):
    from skyglass.processing.calibration.align import stack
    from skyglass.processing.calibration.calibrate import read_frame

    paths = _frames(tmp_path, 7, size=200)
    for align in ("shift", "none"):
        out = tmp_path / f"{align}.fits"
        run = skyglass_cli("stack", *paths, "-o", out, "--align", align, "--method", "sigma-clip")
        assert run.returncode == 0, run.stderr
        expected = stack([read_frame(p) for p in paths], "sigma-clip", align=align)
        np.testing.assert_array_equal(fits.getdata(out), expected.data)
        assert list(fits.getheader(out)["HISTORY"]) == list(expected.header["HISTORY"])


def test_shifts_land_the_stars_where_the_reference_has_them(tmp_path, skyglass_cli):
    paths = _frames(tmp_path, 5, size=600, dither=12.0)  # binned coarse pass + refinement
    out = tmp_path / "stack.fits"
    run = skyglass_cli("stack", *paths, "-o", out, "--method", "mean", "--align", "shift")
    assert run.returncode == 0, run.stderr
    from scipy import ndimage

    reference = fits.getdata(paths[0]) - 100.0
    stacked = fits.getdata(out) - 100.0
    peaks = (reference == ndimage.maximum_filter(reference, 9)) & (reference > 400)
    ys, xs = np.nonzero(peaks[20:-20, 20:-20])
    assert len(xs) > 20
    offsets = []
    for x, y in zip(xs + 20, ys + 20, strict=True):
        box = (slice(y - 3, y + 4), slice(x - 3, x + 4))
        yy, xx = np.mgrid[box]
        a, b = reference[box], stacked[box]
        offsets.append(
            np.hypot(
                (xx * a).sum() / a.sum() - (xx * b).sum() / b.sum(),
                (yy * a).sum() / a.sum() - (yy * b).sum() / b.sum(),
            )
        )
    # Each frame's stars landed on the reference's to a few hundredths of a pixel.
    assert np.sqrt(np.mean(np.square(offsets))) < 0.05


def test_featureless_frames_are_not_moved(tmp_path, skyglass_cli):
    """Phase correlation of constant frames found shifts in nothing: 17 % of a mean of
    constant frames was wrong."""
    paths = []
    for i in range(4):
        path = tmp_path / f"c{i}.fits"
        fits.PrimaryHDU(np.full((80, 90), float(i), np.float32)).writeto(path)
        paths.append(path)
    out = tmp_path / "stack.fits"
    run = skyglass_cli("stack", *paths, "-o", out, "--method", "mean")
    assert run.returncode == 0, run.stderr
    np.testing.assert_array_equal(fits.getdata(out), 1.5)
    assert "no structure to align on" in run.stderr


def test_a_frame_of_another_size_is_named_and_nothing_is_left(tmp_path, skyglass_cli):
    paths = _frames(tmp_path, 3, size=64)
    odd = tmp_path / "odd.fits"
    fits.PrimaryHDU(np.zeros((50, 64), np.float32)).writeto(odd)
    run = skyglass_cli("stack", *paths, odd, "-o", tmp_path / "s.fits")
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == (
        "skyglass: error: odd.fits is 64 x 50 but f0000.fits is 64 x 64; stack frames of one size."
    )
    assert sorted(os.listdir(tmp_path)) == sorted([p.name for p in paths] + ["odd.fits"])


def test_integer_shifts_without_interpolation(tmp_path, skyglass_cli):
    """--interpolation none: whole-pixel shifts, values copied (not resampled)."""
    base = np.random.default_rng(2).normal(100, 5, (120, 130)).astype(np.float32)
    base[40:43, 50:53] += 5000
    shifted = np.full_like(base, np.nan)
    shifted[3:, 5:] = base[:-3, :-5]
    paths = []
    for i, img in enumerate((base, np.nan_to_num(shifted, nan=100.0))):
        path = tmp_path / f"s{i}.fits"
        fits.PrimaryHDU(img).writeto(path)
        paths.append(path)
    out = tmp_path / "out.fits"
    run = skyglass_cli("stack", *paths, "-o", out, "--method", "mean", "--interpolation", "none")
    assert run.returncode == 0, run.stderr
    data = fits.getdata(out)
    np.testing.assert_array_equal(data[10:-10, 10:-10], base[10:-10, 10:-10])


def test_best_frames_by_fwhm(tmp_path, skyglass_cli, monkeypatch):
    """--best N / --max-fwhm: the sharpest frames only, measured once and cached."""
    from scipy import ndimage

    paths = _frames(tmp_path, 5, size=160, dither=0.0)
    for i, blur in ((1, 2.5), (3, 1.5)):  # two frames with worse seeing
        data = fits.getdata(paths[i])
        fits.PrimaryHDU(ndimage.gaussian_filter(data, blur), fits.getheader(paths[i])).writeto(
            paths[i], overwrite=True
        )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = tmp_path / "best.fits"
    run = skyglass_cli("stack", *paths, "-o", out, "--best", "3", "--align", "none", env=env)
    assert run.returncode == 0, run.stderr
    assert "left out f0001.fits: FWHM" in run.stdout and "left out f0003.fits" in run.stdout
    assert fits.getheader(out)["NCOMBINE"] == 3
    assert "measuring" in run.stderr
    again = skyglass_cli(
        "stack", *paths, "-o", out, "--max-fwhm", "4", "--overwrite", "--align", "none", env=env
    )
    assert again.returncode == 0, again.stderr
    assert "measuring" not in again.stderr  # the qualities came from the cache
    assert "left out f0001.fits: FWHM" in again.stdout
    refused = skyglass_cli("stack", *paths, "-o", tmp_path / "n.fits", "--best", "0", env=env)
    assert refused.returncode == 2 and "measuring" not in refused.stderr  # refused at once
    assert refused.stderr.endswith("skyglass: error: --best must be 1 or more.\n")


@pytest.mark.parametrize("dx, dy", [(-3.3, 2.6), (0.0, -1.5), (5.0, 0.0), (-0.5, -0.75)])
def test_fast_shift_equals_general_resampling(dx, dy):
    """The sliced bilinear shift gives scipy.ndimage's values and NaN border exactly."""
    from skyglass.processing.calibration.align import resample, shift_matrix, warp

    image = np.random.default_rng(1).normal(0, 1, (120, 150)).astype(np.float32)
    image[5, 7] = np.nan
    matrix = shift_matrix(dx, dy)
    fast, general = warp(image, matrix, "bilinear"), resample(image, matrix, 1)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(general))
    np.testing.assert_allclose(fast, general, atol=1e-6, equal_nan=True)
    # The stack writes it band by band: the same values.
    from skyglass.processing.calibration.align import warp_bands

    banded = np.vstack([band for _, band in warp_bands(image, matrix, "bilinear", rows=32)])
    np.testing.assert_array_equal(banded, fast)


def test_align_by_wcs_agrees_with_the_pixels(demo_night, tmp_path, skyglass_cli):
    """--align wcs: the frames' own WCS (the demo's dithers are in them) give the same
    transforms as registering the pixels, within a few hundredths of a pixel."""
    import re

    lights = [p for p in demo_night.lights if "_V_" in str(p)]
    moves = {}
    for align in ("wcs", "shift"):
        out = tmp_path / f"{align}.fits"
        run = skyglass_cli("stack", *lights, "-o", out, "--align", align)
        assert run.returncode == 0, run.stderr
        history = " ".join(str(h) for h in fits.getheader(out)["HISTORY"])
        moves[align] = np.array(
            [[float(a), float(b)] for a, b in re.findall(r"dx ([-+.\d]+) dy ([-+.\d]+)", history)]
        )
    assert len(moves["wcs"]) == len(lights)
    np.testing.assert_allclose(moves["wcs"], moves["shift"], atol=0.05)
    assert np.abs(moves["wcs"]).max() > 1  # the frames really are dithered


def test_align_by_wcs_needs_a_wcs(tmp_path, skyglass_cli):
    paths = _frames(tmp_path, 2, size=64)
    run = skyglass_cli("stack", *paths, "-o", tmp_path / "s.fits", "--align", "wcs")
    assert run.returncode == 2
    assert "no usable WCS to align on" in run.stderr.splitlines()[-1]


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_a_band_warped_from_its_rows_equals_the_whole_frame_warp(interpolation):
    """What a band task computes from only the rows it reads equals the whole-frame
    resampling (rotated and scaled frames; NaN pixels and the borders too)."""
    from skyglass.processing.calibration.warps import warp, warp_rows

    rng = np.random.default_rng(3)
    image = rng.normal(100, 10, (300, 240)).astype(np.float32)
    image[150, 100] = np.nan
    angle = np.deg2rad(7.0)
    c, s = np.cos(angle) * 1.01, np.sin(angle) * 1.01
    matrix = np.array([[c, -s, 12.3], [s, c, -20.7], [0, 0, 1]])
    whole = warp(image, matrix, interpolation)
    reads = []

    def read(a, b):
        reads.append(b - a)
        return image[a:b]

    bands = [warp_rows(read, image.shape, matrix, interpolation, r, min(300, r + 64))
             for r in range(0, 300, 64)]  # fmt: skip
    banded = np.vstack(bands)
    assert np.array_equal(np.isnan(banded), np.isnan(whole))
    np.testing.assert_allclose(banded, whole, rtol=2e-6, atol=1e-3, equal_nan=True)
    assert max(reads) < 150  # each band read a slab, not the frame
