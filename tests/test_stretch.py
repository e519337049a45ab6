"""Stretches with DS9's formulas, contrast/bias as DS9 applies them, and colormaps."""

import math

import numpy as np
import pytest

from skyglass.processing.display.colormaps import COLORMAPS, colormap_table
from skyglass.processing.display.stretch import (
    LUT_SIZE,
    contrast_bias_index,
    histequ_table,
    stretch,
    stretch_table,
)
from skyglass.processing.errors import InvalidParameterError

X = np.array([0.0, 0.25, 0.5, 1.0])


@pytest.mark.parametrize(
    "scale, expected",
    [
        ("linear", [0.0, 0.25, 0.5, 1.0]),
        ("log", [0.0, math.log10(251) / 3, math.log10(501) / 3, math.log10(1001) / 3]),
        ("pow", [0.0, (1000**0.25 - 1) / 1000, (1000**0.5 - 1) / 1000, 0.999]),
        ("sqrt", [0.0, 0.5, math.sqrt(0.5), 1.0]),
        ("squared", [0.0, 0.0625, 0.25, 1.0]),
        ("asinh", [0.0, math.asinh(2.5) / 3, math.asinh(5) / 3, math.asinh(10) / 3]),
        ("sinh", [0.0, math.sinh(0.75) / 10, math.sinh(1.5) / 10, math.sinh(3) / 10]),
    ],
)
def test_stretch_formulas(scale, expected):
    np.testing.assert_allclose(stretch(X, scale), expected, rtol=1e-12)


def test_log_exponent_and_known_value():
    # DS9's log with exponent 10 at x = 0.5: log10(6) / 1.
    assert stretch(np.array([0.5]), "log", 10.0)[0] == pytest.approx(math.log10(6.0))
    with pytest.raises(InvalidParameterError):
        stretch(X, "log", 1.0)


def test_tables_are_monotonic_and_clipped():
    for scale in ("linear", "log", "pow", "sqrt", "squared", "asinh", "sinh"):
        table = stretch_table(scale)
        assert table.size == LUT_SIZE
        assert table.min() >= 0.0 and table.max() <= 1.0
        assert np.all(np.diff(table) >= 0)


def test_histogram_equalisation_flattens_the_histogram():
    rng = np.random.default_rng(2)
    sample = rng.exponential(10.0, 200_000)
    table = histequ_table(sample, 0.0, 50.0)
    # Each equalised value should be equally populated: map the sample through it.
    idx = np.clip(((sample - 0) / 50.0 * (LUT_SIZE - 1) + 0.5).astype(int), 0, LUT_SIZE - 1)
    inside = sample <= 50.0
    counts, _ = np.histogram(table[idx[inside]], bins=10, range=(0, 1))
    assert counts.std() / counts.mean() < 0.05
    assert np.all(np.diff(table) >= 0)


def test_histequ_constant_or_empty_is_linear():
    flat = histequ_table(np.array([]), 0.0, 1.0)
    assert flat[0] == 0.0 and np.all(np.diff(flat) > 0)
    assert np.all(np.isfinite(histequ_table(np.ones(10), 1.0, 1.0)))


def test_contrast_bias_defaults_and_invert():
    n = 256
    np.testing.assert_array_equal(contrast_bias_index(n, 1.0, 0.5, False), np.arange(n))
    np.testing.assert_array_equal(contrast_bias_index(n, 1.0, 0.5, True), np.arange(n)[::-1])


def test_contrast_bias_known_cells():
    n = 100
    # DS9: r = int(((i/n - b) * c + 0.5) * n), clipped.
    idx = contrast_bias_index(n, 2.0, 0.3, False)
    assert idx[30] == 50  # the bias value maps to the middle colour
    assert idx[0] == 0 and idx[99] == 99  # clipped ends
    assert idx[40] == int(((0.4 - 0.3) * 2 + 0.5) * n)
    # Zero contrast shows one colour (the middle one) everywhere.
    assert set(contrast_bias_index(n, 0.0, 0.5, False)) == {50}


@pytest.mark.parametrize("name", COLORMAPS)
def test_every_colormap_is_a_table(name):
    table = colormap_table(name)
    assert table.shape == (1024, 3) and table.dtype == np.uint8


def test_colormap_known_colours():
    grey = colormap_table("grey")
    assert tuple(grey[0]) == (0, 0, 0) and tuple(grey[-1]) == (255, 255, 255)
    heat = colormap_table("heat")
    assert tuple(heat[0]) == (0, 0, 0) and tuple(heat[-1]) == (255, 255, 255)
    assert tuple(heat[512]) == (255, 128, 0)
    # viridis starts at matplotlib's #440154.
    assert tuple(colormap_table("viridis")[0]) == (68, 1, 84)
    # DS9's i8 has eight flat colours: green in its second eighth.
    assert tuple(colormap_table("i8")[200]) == (0, 255, 0)
    assert colormap_table("gray") is colormap_table("grey") or np.array_equal(
        colormap_table("gray"), colormap_table("grey")
    )
    with pytest.raises(InvalidParameterError):
        colormap_table("nosuchmap")
