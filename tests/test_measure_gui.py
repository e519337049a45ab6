"""Stars, regions and masks in the window (offscreen)."""

from unittest.mock import patch

import imageio.v3 as iio
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from gui_actions import button, click_image
from PySide6 import QtCore, QtWidgets


def wait(qtbot, panel):
    qtbot.waitUntil(lambda: panel.job is None, timeout=30000)


def test_find_stars_table_overlay_and_export(qtbot, window, demo_night, tmp_path):
    window.files.open_file(demo_night.lights[0])
    window.show_docks("stars")
    panel = window.panels["stars"]
    assert panel.gain.value() == 1.5 and panel.read_noise.value() == 7.0  # from the header
    panel.detect()
    wait(qtbot, panel)
    cat = panel.catalog
    assert len(cat) > 10 and panel.table.rowCount() == len(cat)
    assert len(window.canvas.stars_item.data) == len(cat)
    # Every circle is the photometry aperture, whatever FWHM noise gave a faint star (issue
    # 14: faint stars got huge circles).
    sizes = window.canvas.stars_item.data["size"]
    assert np.allclose(sizes, 2 * cat.meta["aperture_radius"])
    # And each star's own FWHM is measured where it is: none twice the image's.
    assert np.nanmax(cat["fwhm"]) < 2 * cat.meta["fwhm"]
    # Sorting by a column and clicking a row goes to that star.
    panel.table.sortItems(panel.table.columnCount() - 1)
    panel.table.selectRow(0)
    row_id = int(panel.table.item(0, 0).text())
    star = cat[cat["id"] == row_id][0]
    cx, cy = window.canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((star["x"], star["y"]), abs=1e-6)
    assert len(window.canvas.highlight_item.data) == 1
    # Export catalogue...: the dialog answered with each format (a name typed without a
    # suffix takes the chosen filter's).
    answers = [
        (str(tmp_path / "stars.ecsv"), "ECSV (*.ecsv)"),
        (str(tmp_path / "stars"), "CSV (*.csv)"),
        (str(tmp_path / "stars.vot"), "VOTable (*.vot *.xml)"),
        (str(tmp_path / "stars.fits"), "FITS table (*.fits)"),
    ]
    with patch.object(QtWidgets.QFileDialog, "getSaveFileName", side_effect=answers):
        for _ in answers:
            panel.export_button.click()
    assert len(Table.read(tmp_path / "stars.ecsv")) == len(cat)
    assert Table.read(tmp_path / "stars.ecsv")["fwhm"].unit == "pix"
    assert (tmp_path / "stars.csv").read_text().startswith("id,x,y")
    assert len(Table.read(tmp_path / "stars.vot")) == len(cat)
    assert len(Table.read(tmp_path / "stars.fits")) == len(cat)
    assert not panel.last_error
    panel.measure_catalog()
    wait(qtbot, panel)
    assert "ap_mag" in panel.catalog.colnames and np.isfinite(panel.catalog["ap_mag"]).sum() > 5


def test_examine_shows_the_profile(qtbot, window, demo_night):
    truth = Table.read(demo_night.truth + "/light_V_001.ecsv")
    truth = truth[
        (truth["peak_adu"] > 800)
        & (truth["peak_adu"] < 20000)
        & (truth["x"] > 20)
        & (truth["x"] < 236)
        & (truth["y"] > 20)
        & (truth["y"] < 236)
    ]
    star = truth[np.argmax(truth["flux_e"])]
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["stars"]
    panel.examine_button.setChecked(True)
    window.canvas.clicked.emit(float(star["x"]) + 0.6, float(star["y"]) - 0.4)
    dialog = panel.profile_dialog
    assert dialog is not None and dialog.isVisible()
    prof = dialog.profile
    assert (prof.x, prof.y) == pytest.approx((star["x"], star["y"]), abs=0.15)
    assert prof.fwhm_moffat == pytest.approx(truth.meta["fwhm"], rel=0.15)
    assert "flux" in panel.phot_result.text() and "mag" in panel.phot_result.text()
    # The dialog and the panel give the same aperture flux and SNR, and say which aperture.
    row = panel.last_photometry[0]
    assert f"flux {row['flux']:.6g}" in panel.phot_result.text()
    assert f"flux {row['flux']:.6g}" in dialog.text.text()
    assert f"SNR {row['snr']:.1f}" in dialog.text.text() and "r = 5 px" in dialog.text.text()


def test_a_real_click_on_a_circled_star_examines_it(qtbot, window, demo_night):
    """Clicks go through Qt: the star circles must not swallow them."""
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["stars"]
    panel.detect()
    wait(qtbot, panel)
    star = panel.catalog[0]
    panel.examine_button.setChecked(True)
    canvas = window.canvas
    pos = canvas.mapFromScene(
        canvas.vb.mapViewToScene(QtCore.QPointF(float(star["x"]) - 0.5, float(star["y"]) - 0.5))
    )
    qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert panel.profile_dialog is not None and panel.profile_dialog.isVisible()


def test_examine_and_catalogue_photometry_agree(qtbot, window, demo_night):
    """The same star and aperture give the same flux whether examined with a click or
    measured with the whole catalogue (issue 14, item 5)."""
    window.files.open_file(demo_night.lights[0])
    window.show_docks("stars")
    panel = window.panels["stars"]
    left = QtCore.Qt.MouseButton.LeftButton
    qtbot.mouseClick(panel.detect_button, left)  # the buttons, as a person uses them
    wait(qtbot, panel)
    qtbot.mouseClick(panel.phot_button, left)
    wait(qtbot, panel)
    cat = panel.catalog
    assert "ap_flux" in cat.colnames
    qtbot.mouseClick(panel.examine_button, left)
    assert panel.examine
    canvas = window.canvas
    for star in cat[:3]:
        # A click a little off the centre, as a person makes it.
        at = QtCore.QPointF(float(star["x"]) - 0.5 + 0.7, float(star["y"]) - 0.5 - 0.6)
        pos = canvas.mapFromScene(canvas.vb.mapViewToScene(at))
        qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
        row = panel.last_photometry[0]
        assert row["flux"] == pytest.approx(float(star["ap_flux"]), rel=1e-9)
        assert panel.phot_result.text().startswith(f"star {int(star['id'])}, ")
        assert f"flux {row['flux']:.6g}" in panel.profile_dialog.text.text()


def test_regions_statistics_projection_and_files(qtbot, window, demo_night, tmp_path):
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["regions"]
    overlay = window.overlays.region_overlay  # the canvas draws the frame's regions
    data = window.workspace.current.document.pixels()
    panel.tool_buttons["circle"].setChecked(True)
    window.canvas.clicked.emit(100.0, 120.0)
    assert len(overlay.items) == 1 and len(window.workspace.current.regions) == 1
    s = panel.last_stats
    yy, xx = np.mgrid[0 : data.shape[0], 0 : data.shape[1]]
    inside = (xx - 99.0) ** 2 + (yy - 119.0) ** 2 < 15.0**2
    assert s["count"] == inside.sum() and s["sum"] == pytest.approx(data[inside].sum(), rel=1e-6)
    assert s["median"] == pytest.approx(np.median(data[inside]))
    assert "ra" in s  # the demo light has a WCS
    panel.tool_buttons["box"].setChecked(True)
    window.canvas.clicked.emit(60.0, 60.0)
    assert "projection" in panel.last_stats
    coords, values = panel.last_stats["projection"]
    assert len(coords) in (60, 61) and np.isfinite(values).all()  # edges on pixel centres
    panel.tool_buttons["line"].setChecked(True)
    window.canvas.clicked.emit(10.0, 10.0)
    window.canvas.clicked.emit(200.0, 150.0)
    assert overlay.items[-1].kind == "line" and "profile" in panel.last_stats
    panel.tool_buttons["polygon"].setChecked(True)
    for x, y in ((150, 150), (200, 160), (180, 220)):
        window.canvas.clicked.emit(float(x), float(y))
    panel.finish_polygon()
    panel.ask_text = lambda: ("M 67?", True)
    panel.tool_buttons["text"].setChecked(True)
    window.canvas.clicked.emit(30.0, 220.0)
    panel.tool_buttons["point"].setChecked(True)
    window.canvas.clicked.emit(40.0, 40.0)
    assert [it.kind for it in overlay.items] == [
        "circle",
        "box",
        "line",
        "polygon",
        "text",
        "point",
    ]
    # Moving a region with the mouse updates its statistics.
    circle = overlay.items[0].item
    circle.setPos(circle.pos() + QtCore.QPointF(5, 0))
    circle.sigRegionChangeFinished.emit(circle)
    panel.list.setCurrentRow(0)
    assert panel.regions()[0].center.x == pytest.approx(104.0)
    reg = tmp_path / "r.reg"
    panel.save(str(reg))
    panel.clear_regions()
    panel.load(str(reg))
    assert [it.kind for it in overlay.items] == [
        "circle",
        "box",
        "line",
        "polygon",
        "text",
        "point",
    ]
    assert panel.regions()[0].center.x == pytest.approx(104.0)
    panel.sky.setChecked(True)
    panel.save(str(tmp_path / "sky.reg"))
    assert (
        "fk5" in (tmp_path / "sky.reg").read_text() or "icrs" in (tmp_path / "sky.reg").read_text()
    )
    panel.list.setCurrentRow(0)
    panel.delete_selected()
    assert len(overlay.items) == 5 and panel.list.count() == 5


def test_mask_from_region_brush_and_fits_round_trip(qtbot, window, demo_night, tmp_path):
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["regions"]
    panel.tool_buttons["circle"].setChecked(True)
    window.canvas.clicked.emit(128.0, 128.0)
    before = panel.last_stats["count"]
    panel.mask_inside()
    mask = window.workspace.current.document.mask
    assert mask is not None and mask.sum() == before
    assert window.canvas._mask is not None  # shown as an overlay
    assert panel.last_stats["count"] == 0  # masked statistics
    panel.tool_buttons["circle"].setChecked(False)
    panel.brush_button.setChecked(True)
    assert window.canvas.brush is not None
    window.canvas.brush(40.0, 40.0)
    assert (
        window.workspace.current.document.mask[39, 39]
        and window.workspace.current.document.mask.sum() > before
    )
    panel.erase.setChecked(True)
    window.canvas.brush(40.0, 40.0)
    assert not window.workspace.current.document.mask[39, 39]
    panel.brush_button.setChecked(False)
    assert window.workspace.current.document.dirty  # an unsaved mask counts
    out = tmp_path / "masked.fits"
    assert window.editing.save_as(str(out))
    with fits.open(out) as hdul:
        assert "MASK" in [h.name for h in hdul]
        saved = hdul["MASK"].data.astype(bool)
    window.files.open_file(str(out))
    np.testing.assert_array_equal(window.workspace.current.document.mask, saved)
    assert not window.workspace.current.document.dirty


def test_export_annotated_png(qtbot, window, demo_night, tmp_path):
    window.files.open_file(demo_night.lights[0])
    window.panels["stars"].detect()
    wait(qtbot, window.panels["stars"])
    window.panels["regions"].tool_buttons["circle"].setChecked(True)
    window.canvas.clicked.emit(100.0, 100.0)
    native = tmp_path / "native.png"
    assert window.editing.export_png(str(native), as_view=False)
    assert iio.imread(native).shape == (256 + 46, 256, 3)
    window.canvas.zoom_to(2.0)
    window.canvas.center_on(100, 100)
    view = tmp_path / "view.png"
    assert window.editing.export_png(str(view), as_view=True)
    shape = iio.imread(view).shape
    r0, r1, c0, c1 = window.canvas.visible_box()
    assert shape[1] == (c1 - c0) * 2 and shape[0] == (r1 - r0) * 2 + 46


def test_mask_edits_are_undone_and_redone_like_pixel_edits(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["regions"]
    doc = window.workspace.current.document
    panel.tool_buttons["circle"].setChecked(True)
    window.canvas.clicked.emit(128.0, 128.0)
    panel.mask_inside()
    inside = doc.mask.copy()
    assert window.menus["undo"].isEnabled() and doc.dirty
    panel.tool_buttons["circle"].setChecked(False)
    panel.brush_button.setChecked(True)
    for x in (40.0, 41.0, 42.0):  # one stroke: three dabs, one step
        window.canvas.brush(x, 40.0)
    window.canvas.strokeFinished.emit()
    assert doc.history.index == 2 and doc.mask[39, 39] and not inside[39, 39]
    assert [window.panels["history"].item(i).text() for i in range(3)] == [
        "Original",
        "Mask: inside a region",
        "Mask: brush",
    ]
    window.menus["undo"].trigger()
    np.testing.assert_array_equal(doc.mask, inside)
    assert window.canvas._mask is not None
    window.menus["undo"].trigger()
    assert doc.mask is None and window.canvas._mask is None
    window.menus["redo"].trigger()
    np.testing.assert_array_equal(doc.mask, inside)
    # Mask steps are not pixel operations: a recipe leaves them out.
    from skyglass.processing.editing.recipe import to_dict

    assert to_dict(doc.history.applied)["steps"] == []


def _drag(qtbot, window, start, end):
    """A left-button drag on the canvas between two FITS positions (real mouse events)."""
    from PySide6 import QtGui, QtWidgets

    canvas = window.canvas
    vp = canvas.viewport()

    def at(x, y):
        return canvas.mapFromScene(canvas.vb.mapViewToScene(QtCore.QPointF(x - 0.5, y - 0.5)))

    left = QtCore.Qt.MouseButton.LeftButton
    none = QtCore.Qt.KeyboardModifier.NoModifier
    p0, p1 = at(*start), at(*end)
    steps = [p0 + (p1 - p0) * (i / 8) for i in range(9)]

    def send(kind, pos, buttons):
        event = QtGui.QMouseEvent(
            kind, QtCore.QPointF(pos), QtCore.QPointF(vp.mapToGlobal(pos)), left, buttons, none
        )
        QtWidgets.QApplication.sendEvent(vp, event)

    send(QtCore.QEvent.Type.MouseButtonPress, p0, left)
    for p in steps[1:]:
        qtbot.wait(12)  # pyqtgraph drops moves closer than 10 ms to the previous one
        send(QtCore.QEvent.Type.MouseMove, p, left)
    send(QtCore.QEvent.Type.MouseButtonRelease, p1, QtCore.Qt.MouseButton.NoButton)
    qtbot.wait(10)


def test_one_interaction_mode_at_a_time_and_escape(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    regions, stars = window.panels["regions"], window.panels["stars"]
    stars.examine_button.setChecked(True)
    assert window.modes.mode == "examine" and window.modes.actions["examine"].isChecked()
    regions.tool_buttons["circle"].setChecked(True)
    assert window.modes.mode == "circle" and not stars.examine_button.isChecked()
    window.canvas.clicked.emit(100.0, 100.0)  # a circle, and no profile pops up
    assert len(window.workspace.current.regions) == 1 and stars.profile_dialog is None
    window.modes.actions["brush"].trigger()
    assert window.canvas.brush is not None and regions.brush_button.isChecked()
    assert not regions.tool_buttons["circle"].isChecked()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, QtCore.Qt.Key.Key_Escape)
    assert window.modes.mode == "pointer" and window.canvas.brush is None
    assert not regions.brush_button.isChecked()


def test_regions_are_made_by_click_or_by_drag(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    window.canvas.zoom_to(1.0)
    window.canvas.center_on(128, 128)
    window.modes.set_mode("circle")
    view_before = window.canvas.view()
    _drag(qtbot, window, (100, 100), (100, 130))  # centre to edge: radius 30
    circle = window.workspace.current.regions[-1]
    assert circle.center.x == pytest.approx(99, abs=0.6) and circle.radius == pytest.approx(
        30, abs=1
    )
    assert window.canvas.view().close_to(view_before)  # drawing does not pan
    window.modes.set_mode("box")
    _drag(qtbot, window, (60, 60), (100, 80))  # corner to corner
    box = window.workspace.current.regions[-1]
    assert box.width == pytest.approx(40, abs=1) and box.height == pytest.approx(20, abs=1)
    assert box.center.x + 1 == pytest.approx(80, abs=1)
    window.modes.set_mode("pointer")
    _drag(qtbot, window, (60, 60), (100, 80))  # pans
    assert len(window.workspace.current.regions) == 2
    assert not window.canvas.view().close_to(view_before)


def test_saving_a_catalogue_warns_about_nothing(qtbot, window, demo_night, tmp_path):
    import warnings

    window.files.open_file(demo_night.lights[0])
    window.panels["stars"].detect()
    wait(qtbot, window.panels["stars"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert window.editing.save_as(str(tmp_path / "with_stars.fits"))
    with fits.open(tmp_path / "with_stars.fits") as hdul:
        assert "STARS" in [h.name for h in hdul]


def test_a_reopened_file_with_a_mask_says_so(qtbot, window, write_fits, tmp_path):
    window.files.open_file(str(write_fits(np.ones((20, 20), np.float32), name="m.fits")))
    panel = window.panels["regions"]
    panel.mask_nan()
    panel.invert_mask()  # everything masked
    out = tmp_path / "masked.fits"
    assert window.editing.save_as(str(out))
    window.files.open_file(str(out))
    assert panel.mask_info.text() == "400 pixels masked"
    assert window.canvas._mask is not None


def test_a_colour_images_mask_edits_are_undone_too(qtbot, window, tmp_path):
    """A colour PNG (shown as an R, G, B composite): a mask step is undone and redone,
    and the composite stays three planes throughout."""
    rng = np.random.default_rng(5)
    png = tmp_path / "colour.png"
    iio.imwrite(png, rng.integers(0, 255, (60, 80, 3)).astype(np.uint8))
    window.files.open_file(str(png))
    doc = window.workspace.current.document
    assert doc.composite
    window.show_docks("regions")
    panel = window.panels["regions"]
    left = QtCore.Qt.MouseButton.LeftButton
    qtbot.mouseClick(panel.tool_buttons["circle"], left)
    click_image(qtbot, window.canvas, 40.0, 30.0)
    assert len(window.workspace.current.regions) == 1
    qtbot.mouseClick(button(panel, "Mask inside"), left)
    inside = doc.mask.copy()
    assert inside.shape == (60, 80) and inside.any()
    assert window.menus["undo"].isEnabled()
    window.menus["undo"].trigger()
    assert doc.mask is None and doc.composite
    window.menus["redo"].trigger()
    np.testing.assert_array_equal(doc.mask, inside)
    assert doc.composite and doc.editable().data.shape == (3, 60, 80)
