"""Rendering: the full chain from values to colours, orientation, NaN, zoom."""

import numpy as np
import pytest

from skyglass.processing.display.render import (
    DisplaySettings,
    LutApplier,
    build_lut,
    data_to_index,
    render_composite,
    render_plane,
    to_display_rows,
    zoom_factor,
)
from skyglass.processing.display.stretch import LUT_SIZE


def test_index_mapping_is_ds9s_rounding():
    values = np.array([-5, 0, 2.5, 5, 10, 99], np.float32)
    idx = data_to_index(values, 0.0, 10.0, LUT_SIZE)
    expected = [
        0,
        0,
        int(0.25 * (LUT_SIZE - 1) + 0.5),
        int(0.5 * (LUT_SIZE - 1) + 0.5),
        LUT_SIZE - 1,
        LUT_SIZE - 1,
    ]
    np.testing.assert_array_equal(idx, expected)


def test_nan_and_inf_take_the_nan_colour():
    settings = DisplaySettings(nan_color=(255, 0, 0))
    data = np.array([[np.nan, np.inf, -np.inf, 1.0]], np.float32)
    rgba = LutApplier()(data, 0.0, 2.0, build_lut(settings))
    assert [tuple(p[:3]) for p in rgba[0]] == [(255, 0, 0)] * 3 + [(128, 128, 128)]


def test_linear_grey_known_pixels():
    data = np.array([[0.0, 50.0, 100.0]], np.float32)
    rgba = render_plane(data, DisplaySettings(limits="0,100"))
    assert rgba[0, :, 0].tolist() == [0, 128, 255]
    assert np.all(rgba[..., 3] == 255)


def test_log_scale_brightens_faint_pixels_as_ds9():
    data = np.array([[0.0, 10.0, 100.0]], np.float32)
    rgba = render_plane(data, DisplaySettings(scale="log", limits="0,100"))
    # x = 0.1 -> log10(101)/3 = 0.668 -> cell 684 of 1024 -> grey 170.
    assert rgba[0, 1, 0] == round(684 / 1024 * 255)


def test_fits_orientation_in_png_rows():
    data = np.zeros((3, 4), np.float32)
    data[0, 0] = 1.0  # FITS pixel (1, 1): lower left of the display
    png = to_display_rows(render_plane(data, DisplaySettings()))
    assert png[-1, 0, 0] == 255  # bottom-left of the picture
    assert png[0, 0, 0] == 0


def test_constant_and_all_nan_images_render():
    rgba = render_plane(np.full((5, 5), 3.0, np.float32), DisplaySettings(limits="zscale"))
    assert np.all(rgba[..., 0] == 0)
    nan = render_plane(np.full((5, 5), np.nan, np.float32), DisplaySettings())
    assert np.all(nan[..., :3] == 255)


def test_zoom_sizes_and_nearest_neighbour():
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    big = render_plane(data, DisplaySettings(), zoom=2)
    assert big.shape == (6, 8, 4)
    assert np.all(big[0:2, 0:2, 0] == big[0, 0, 0])
    small = render_plane(np.arange(64, dtype=np.float32).reshape(8, 8), DisplaySettings(), 0.25)
    assert small.shape == (2, 2, 4)


def test_invert_and_colormap_change_colours_not_data():
    data = np.array([[0.0, 1.0]], np.float32)
    normal = render_plane(data, DisplaySettings(limits="0,1"))
    inverted = render_plane(data, DisplaySettings(limits="0,1", invert=True))
    assert normal[0, 0, 0] == 0 and inverted[0, 0, 0] == 255
    heat = render_plane(data, DisplaySettings(limits="0,1", cmap="heat"))
    assert tuple(heat[0, 1, :3]) == (255, 255, 255)


def test_histequ_renders():
    rng = np.random.default_rng(1)
    data = rng.exponential(5, (64, 64)).astype(np.float32)
    rgba = render_plane(data, DisplaySettings(scale="histequ"))
    # Equalised: the grey levels are spread roughly evenly.
    assert 100 < np.median(rgba[..., 0]) < 160


def test_rgb_composite_scales_each_channel():
    r = np.array([[0.0, 10.0]], np.float32)
    g = np.array([[0.0, 1000.0]], np.float32)
    b = np.array([[5.0, 5.0]], np.float32)
    rgba = render_composite([r, g, b], DisplaySettings())
    assert tuple(rgba[0, 1, :3]) == (255, 255, 0)


@pytest.mark.parametrize("text, value", [("2", 2.0), ("1/4", 0.25), ("0.5", 0.5)])
def test_zoom_parsing(text, value):
    assert zoom_factor(text) == value


@pytest.mark.parametrize("text", ["0", "64", "x", "1/0"])
def test_bad_zoom(text):
    from skyglass.processing.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        zoom_factor(text)
