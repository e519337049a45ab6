"""``skyglass stack --normalize``: frames under a changing sky are matched before they are
combined (Siril's additive and additive-with-scaling normalisation), run as users run it.

Without it a frame whose sky is brighter (moonlight, twilight) pulls a median stack's
level up, most where few frames overlap: the demo night's third V light (sky 208 against
160) left the stack's edge columns 6 ADU high.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

SIZE = 96


def _field(rng: np.random.Generator, shift: int) -> np.ndarray:
    """Stars on a flat sky of 0, the field moved ``shift`` pixels to the right."""
    img = np.zeros((SIZE, SIZE + 20))
    yy, xx = np.mgrid[0:SIZE, 0 : SIZE + 20]
    for x, y, flux in zip(
        np.random.default_rng(7).uniform(15, SIZE + 5, 25),
        np.random.default_rng(8).uniform(10, SIZE - 10, 25),
        np.random.default_rng(9).uniform(500, 3000, 25),
        strict=True,
    ):
        img += flux * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.5)
    return img[:, 10 - shift : 10 - shift + SIZE]


def _frames(folder, skies, gains=None, shifts=None, noise=2.0):
    """One frame per sky level: ``gain * (stars + sky + noise)``, shifted by whole pixels."""
    rng = np.random.default_rng(1)
    gains = gains or [1.0] * len(skies)
    shifts = shifts or [0] * len(skies)
    paths = []
    for i, (sky, gain, shift) in enumerate(zip(skies, gains, shifts, strict=True)):
        data = gain * (_field(rng, shift) + sky + rng.normal(0, noise, (SIZE, SIZE)))
        path = folder / f"light_{i + 1}.fits"
        fits.PrimaryHDU(data.astype(np.float32), fits.Header({"EXPTIME": 30.0})).writeto(path)
        paths.append(path)
    return paths


def _stack(skyglass_cli, paths, out, *options):
    run = skyglass_cli("stack", *paths, "-o", out, *options)
    assert run.returncode == 0, run.stderr
    return fits.getdata(out).astype(np.float64), fits.getheader(out), run.stdout


def test_offset_matches_sky_levels(tmp_path, skyglass_cli):
    # Four frames at sky 100, one at 148, dithered along x: once aligned, the stack's
    # right-hand columns 89-94 are covered by the reference and the bright frame only.
    paths = _frames(tmp_path, [100, 100, 148, 100, 100], shifts=[0, 8, 1, 8, 8])
    plain, _, _ = _stack(skyglass_cli, paths, tmp_path / "plain.fits", "--align", "shift")
    matched, header, said = _stack(
        skyglass_cli, paths, tmp_path / "matched.fits", "--align", "shift", "--normalize", "offset"
    )
    assert "normalized (offset)" in said
    assert any("offset to the median" in str(h) for h in header["HISTORY"])
    sky = np.median(matched[:, :80])
    levels = [np.median(fits.getdata(p)) for p in paths]  # 100 and 148, plus the stars
    assert sky == pytest.approx(np.median(levels), abs=0.3)
    # Unmatched, the bright frame lifts the sky where only some frames overlap.
    edge = slice(SIZE - 7, SIZE - 1)
    edge_plain = np.median(plain[:, edge]) - np.median(plain[:, :80])
    edge_matched = np.median(matched[:, edge]) - sky
    assert edge_plain > 15  # a median of 100 and 148
    assert abs(edge_matched) < 1.0
    # Stars keep their brightness: the offset moves the sky, not the signal.
    assert matched.max() - sky == pytest.approx(plain.max() - np.median(plain[:, :80]), rel=0.02)


def test_offset_scale_matches_transparency(tmp_path, skyglass_cli):
    # Frame 2 through thin cloud (0.7 of the light) on a brighter sky.
    paths = _frames(tmp_path, [100, 130, 100], gains=[1.0, 0.7, 1.0])
    ref = fits.getdata(paths[0]).astype(np.float64)
    scaled, _, _ = _stack(
        skyglass_cli, paths, tmp_path / "s.fits", "--align", "none", "--method", "mean",
        "--normalize", "offset-scale",
    )  # fmt: skip
    stars = ref - np.median(ref) > 200
    # The mean of the matched frames keeps the stars' heights of the clear frames.
    ratio = np.median((scaled[stars] - np.median(scaled)) / (ref[stars] - np.median(ref)))
    assert ratio == pytest.approx(1.0, abs=0.03)
    plain, _, _ = _stack(
        skyglass_cli, paths, tmp_path / "p.fits", "--align", "none", "--method", "mean"
    )
    plain_ratio = np.median((plain[stars] - np.median(plain)) / (ref[stars] - np.median(ref)))
    assert plain_ratio < 0.93  # the cloudy frame dims a plain mean by a tenth


def test_processes_give_the_same_stack(tmp_path, skyglass_cli):
    paths = _frames(tmp_path, [100, 120, 90, 100], gains=[1.0, 0.9, 1.0, 1.1], shifts=[0, 1, 2, 3])
    here, _, _ = _stack(skyglass_cli, paths, tmp_path / "a.fits", "--normalize", "offset-scale")
    there, _, said = _stack(
        skyglass_cli, paths, tmp_path / "b.fits", "--normalize", "offset-scale", "--jobs", "2"
    )
    assert "tasks:" in said
    np.testing.assert_allclose(here, there, rtol=1e-5, atol=1e-3)


def test_multiply_is_the_flats_median_scaling(tmp_path, skyglass_cli):
    from skyglass.processing.calibration.combine import CombineOptions, combine

    paths = _frames(tmp_path, [1000, 1200, 900])
    stacked, _, _ = _stack(
        skyglass_cli, paths, tmp_path / "m.fits", "--align", "none", "--normalize", "multiply"
    )
    frames = [fits.getdata(p).astype(np.float32) for p in paths]
    expected = combine(frames, options=CombineOptions(method="median", scale="median"))
    np.testing.assert_allclose(stacked, expected, rtol=1e-6)


def test_a_constant_frame_cannot_be_scaled(tmp_path, skyglass_cli):
    paths = _frames(tmp_path, [100, 100])
    flat = tmp_path / "constant.fits"
    fits.PrimaryHDU(np.full((SIZE, SIZE), 50.0, np.float32)).writeto(flat)
    run = skyglass_cli(
        "stack", *paths, flat, "-o", tmp_path / "x.fits", "--align", "none",
        "--normalize", "offset-scale",
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith("skyglass: error: ")
    assert "constant.fits" in run.stderr
    assert not (tmp_path / "x.fits").exists()
    # An offset alone is fine for it.
    ok = skyglass_cli(
        "stack", *paths, flat, "-o", tmp_path / "y.fits", "--align", "none",
        "--normalize", "offset",
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    # A frame with no value at all is named as such, for either matching.
    empty = tmp_path / "empty.fits"
    fits.PrimaryHDU(np.full((SIZE, SIZE), np.nan, np.float32)).writeto(empty)
    for how in ("offset", "offset-scale"):
        run = skyglass_cli(
            "stack", *paths, empty, "-o", tmp_path / "z.fits", "--align", "none",
            "--normalize", how,
        )  # fmt: skip
        assert run.returncode == 2
        assert "no finite pixel in empty.fits" in run.stderr
    assert not (tmp_path / "z.fits").exists()
