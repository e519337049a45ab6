"""Colour images are edited as colour: every operation per plane (the same transform for
geometry), the composite stays a composite, saving writes a 3-plane cube, and "Colour to
grey" uses scikit-image's luminance weights."""

import imageio.v3 as iio
import numpy as np
import pytest
from astropy.io import fits
from test_edit_gui import apply

from skyglass.cli import main
from skyglass.processing.editing.registry import apply_operation
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.frame import Frame


@pytest.fixture
def colour_png(tmp_path):
    rng = np.random.default_rng(2)
    rgb = (rng.random((24, 40, 3)) * 255).astype(np.uint8)
    rgb[:, :, 0] = np.arange(40, dtype=np.uint8)[None, :] * 5  # red ramps left to right
    path = tmp_path / "colour.png"
    iio.imwrite(path, rgb)
    return path, rgb


def test_to_grey_matches_scikit_image():
    from skimage.color import rgb2gray

    rgb = np.random.default_rng(1).random((10, 12, 3)).astype(np.float32)
    frame = Frame(np.moveaxis(rgb, -1, 0).copy(), fits.Header())
    grey = apply_operation(frame, "to_grey").data
    np.testing.assert_allclose(grey, rgb2gray(rgb), rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidParameterError, match="not a colour image"):
        apply_operation(Frame(rgb[..., 0], fits.Header()), "to_grey")


def test_colour_image_edits_in_the_window(qtbot, window, colour_png, tmp_path, save_through):
    path, rgb = colour_png
    window.files.open_file(str(path))
    doc = window.workspace.current.document
    assert doc.composite
    shown_before = [np.array(doc.plane_display(i).data[:, :]) for i in range(3)]
    apply(qtbot, window, "flip_x")
    apply(qtbot, window, "arithmetic", operator="multiply", value=2.0)
    doc = window.workspace.current.document
    assert doc.composite and doc.image.nplanes == 3
    for i in range(3):
        np.testing.assert_allclose(doc.image.cube.plane(i)[:, :], shown_before[i][:, ::-1] * 2)
    out = tmp_path / "colour.fits"
    save_through("save_as", out)
    cube = fits.getdata(out)
    assert cube.shape == (3, 24, 40)
    np.testing.assert_allclose(cube[0], shown_before[0][:, ::-1] * 2)
    recipe = tmp_path / "colour.json"
    save_through("export_recipe", recipe)
    replayed = tmp_path / "replayed.fits"
    assert main(["replay", str(recipe), str(path), "-o", str(replayed)]) == 0
    np.testing.assert_array_equal(fits.getdata(replayed), cube)
    apply(qtbot, window, "to_grey")
    doc = window.workspace.current.document
    assert not doc.composite and doc.image.nplanes == 1
    window.editing.undo()
    assert window.workspace.current.document.composite


def test_export_data_of_a_colour_image_is_colour(window, colour_png, tmp_path, monkeypatch):
    from PySide6 import QtWidgets

    path, rgb = colour_png
    window.files.open_file(str(path))
    out = tmp_path / "data.tif"
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), ""))
    )
    window.menus["export_data"].trigger()
    back = iio.imread(out)
    assert back.shape == (24, 40, 3) and back.dtype == np.float32
    np.testing.assert_array_equal(back, rgb.astype(np.float32))  # top row first, as shown
