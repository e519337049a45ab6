"""Display limits: DS9's own answers, and the awkward images."""

import json

import numpy as np
import pytest
from conftest import DATA

from skyglass.processing.display.limits import (
    compute_limits,
    grid_sample,
    parse_limits,
    zscale_limits,
)
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.reader import open_image
from skyglass.processing.io.scaled import ScaledArray

REFERENCE = json.loads((DATA / "ds9_reference.json").read_text())
CASES = [
    (name, mode, tuple(lim))
    for name, modes in REFERENCE["images"].items()
    for mode, lim in modes.items()
]


@pytest.mark.parametrize("name, mode, ds9", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_limits_match_ds9_within_one_percent_of_range(name, mode, ds9):
    """Reference values were read from SAOImage DS9 8.4.1 (tests/data/make_ds9_reference.py)."""
    low, high = compute_limits(open_image(DATA / name).data, mode)
    span = ds9[1] - ds9[0]
    assert abs(low - ds9[0]) <= 0.01 * span
    assert abs(high - ds9[1]) <= 0.01 * span


def test_zscale_is_exactly_ds9_on_the_references():
    for name, modes in REFERENCE["images"].items():
        low, high = zscale_limits(open_image(DATA / name).data)
        # DS9 prints 6 significant digits.
        assert low == pytest.approx(modes["zscale"][0], rel=1e-5, abs=1e-3)
        assert high == pytest.approx(modes["zscale"][1], rel=1e-5, abs=1e-3)


def test_minmax_and_percent_known_answers():
    data = np.arange(1, 10001, dtype=np.float32).reshape(100, 100)
    assert compute_limits(data, "minmax") == (1.0, 10000.0)
    low, high = compute_limits(data, "90")
    assert low == pytest.approx(np.percentile(data, 5)) and high == pytest.approx(
        np.percentile(data, 95)
    )
    assert compute_limits(data, "10,20") == (10.0, 20.0)


def test_zmax_uses_zscale_low_and_data_max():
    rng = np.random.default_rng(3)
    data = rng.normal(100, 5, (300, 300)).astype(np.float32)
    data[7, 7] = 5000
    z1, _ = zscale_limits(data)
    assert compute_limits(data, "zmax") == (z1, 5000.0)


@pytest.mark.parametrize("mode", ["minmax", "zscale", "zmax", "99.5", "95"])
def test_constant_image_gives_equal_finite_limits(mode):
    low, high = compute_limits(np.full((50, 60), 7.0, np.float32), mode)
    assert (low, high) == (7.0, 7.0)


@pytest.mark.parametrize("mode", ["minmax", "zscale", "zmax", "99.5", "90"])
def test_all_nan_image_gives_sane_limits(mode):
    assert compute_limits(np.full((40, 40), np.nan, np.float32), mode) == (0.0, 1.0)


@pytest.mark.parametrize("mode", ["minmax", "zscale", "99"])
def test_nan_and_inf_are_ignored(mode):
    rng = np.random.default_rng(5)
    clean = rng.normal(10, 1, (200, 200)).astype(np.float32)
    dirty = clean.copy()
    dirty[::7, ::5] = np.nan
    dirty[3, 3] = np.inf
    dirty[4, 4] = -np.inf
    low, high = compute_limits(dirty, mode)
    assert np.isfinite(low) and np.isfinite(high) and low < high
    assert clean.min() <= low and high <= clean.max()


def test_sampling_reads_a_bounded_grid():
    big = ScaledArray(np.zeros((16384, 16384), dtype=np.uint8))  # 256 MiB of raw zeros
    sample = grid_sample(big)
    assert 500_000 < sample.size <= 1_100_000


@pytest.mark.parametrize("text", ["nonsense", "5,2", "0", "101", "1,2,3", "nan,3"])
def test_bad_limit_requests(text):
    with pytest.raises(InvalidParameterError):
        parse_limits(text)


def test_limit_parsing():
    assert parse_limits("ZScale").mode == "zscale"
    assert parse_limits("99.5%").percent == 99.5
    spec = parse_limits("-3,4.5")
    assert (spec.mode, spec.low, spec.high) == ("user", -3.0, 4.5)


def test_minmax_scans_every_pixel_up_to_4k(write_fits):
    """A lone extreme pixel is found (DS9 scans), also on the raw integers with BLANK."""
    data = np.full((2048, 2048), 1000, dtype=np.int16)
    data[1001, 1777] = 7
    data[5, 3] = -32768  # BLANK
    data[2047, 2047] = 30001
    image = open_image(write_fits(data, BLANK=-32768, BSCALE=2.0, BZERO=5.0))
    assert compute_limits(image.data, "minmax") == (19.0, 60007.0)
    low, high = compute_limits(image.data, "zmax")
    assert high == 60007.0


def test_minmax_with_negative_bscale(write_fits):
    image = open_image(write_fits(np.array([[1, 5], [3, 2]], np.int16), BSCALE=-1.0))
    assert compute_limits(image.data, "minmax") == (-5.0, -1.0)
