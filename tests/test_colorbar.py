"""Colorbar ticks: round values, placed where the stretch puts them, labels that fit."""

import numpy as np
import pytest

from skyglass.processing.display.colorbar_ticks import (
    bar_indices,
    format_tick,
    fraction,
    layout_ticks,
)
from skyglass.processing.display.render import DisplaySettings, prepare
from skyglass.processing.display.stretch import LUT_SIZE


def test_labels_keep_the_decimals_the_step_needs():
    assert format_tick(997.5, 2.5) == "997.5" and format_tick(1000.0, 2.5) == "1000.0"
    assert format_tick(1000.0, 5.0) == "1000" and format_tick(0.25, 0.05) == "0.25"
    assert format_tick(0.0, 0.1) == "0"


def width_of(text: str) -> float:
    return 7.0 * len(text)


@pytest.mark.parametrize("scale", ["linear", "log", "asinh", "sqrt", "histequ"])
def test_ticks_sit_where_the_stretch_puts_them_and_never_overlap(scale):
    data = np.random.default_rng(0).gamma(2.0, 50.0, (64, 64)).astype(np.float32) + 990
    prep = prepare(data, DisplaySettings(scale=scale, limits="minmax"))
    width = 600.0
    ticks = layout_ticks(prep.low, prep.high, prep.y, width, width_of, reserved=40)
    assert len(ticks) >= 2
    values = [v for v, _, _ in ticks]
    xs = np.array([x for _, x, _ in ticks])
    np.testing.assert_allclose(xs, fraction(values, prep.low, prep.high, prep.y) * width)
    assert np.all(np.diff(xs) > 0)
    # Label boxes (as drawn: centred, kept inside the bar) do not overlap, nor the unit.
    boxes = []
    for _, x, label in ticks:
        w = width_of(label)
        left = min(max(x - w / 2, 0), width - w)
        boxes.append((left, left + w))
    assert all(b[0] >= a[1] for a, b in zip(boxes, boxes[1:], strict=False))
    assert boxes[-1][1] <= width - 40
    # The bar's colour at a tick's x is the colour of that data value.
    idx = bar_indices(int(width), prep.y, LUT_SIZE)
    for value, x, _ in ticks:
        entry = int(round((value - prep.low) / (prep.high - prep.low) * (LUT_SIZE - 1)))
        col = min(int(x), int(width) - 1)
        assert abs(int(idx[col]) - entry) <= LUT_SIZE // 40 or scale == "histequ"


def test_a_log_scale_places_ticks_unevenly():
    data = np.linspace(0.0, 1000.0, 4096, dtype=np.float32).reshape(64, 64)
    prep = prepare(data, DisplaySettings(scale="log", limits="minmax"))
    ticks = layout_ticks(prep.low, prep.high, prep.y, 800.0, width_of)
    xs = [x for _, x, _ in ticks]
    # log10(1000 t + 1) / 3: the value 100 sits two thirds of the way along.
    x100 = [x for v, x, _ in ticks if v == 100.0]
    assert not x100 or x100[0] == pytest.approx(800 * np.log10(101) / 3, rel=0.01)
    assert xs[1] - xs[0] != pytest.approx(xs[-1] - xs[-2], rel=0.1)


def test_the_window_colorbar_draws_ticks_at_their_values(qtbot, window, write_fits):
    window.files.open_file(str(write_fits(np.linspace(995, 1005, 400).reshape(20, 20))))
    window.image.update_display(limits="minmax", scale="linear")
    window.colorbar.repaint()
    ticks = window.colorbar.drawn_ticks
    assert ticks
    low, high = window.canvas._colourings[0].low, window.canvas._colourings[0].high
    width = window.colorbar.width() - 16
    for value, x, label in ticks:
        assert float(label) == pytest.approx(value)
        assert x == pytest.approx(8 + (value - low) / (high - low) * width, abs=1.0)
