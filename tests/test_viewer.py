"""The viewer window, driven as a user would (offscreen)."""

import numpy as np
import pytest
from astropy.io import fits
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.main_window import MainWindow


@pytest.fixture
def marked(write_fits):
    """50 x 40 image: FITS (1,1) = 1000, top-right (50,40) = 500, the rest a ramp < 100."""
    data = (np.arange(40 * 50, dtype=np.float32).reshape(40, 50) % 97).astype(np.float32)
    data[0, 0] = 1000.0
    data[39, 49] = 500.0
    return write_fits(data, name="marked.fits", BUNIT="adu"), data


def screen_colour(window, x, y) -> QtGui.QColor:
    """Colour drawn on screen at FITS position (x, y)."""
    canvas = window.canvas
    canvas.render_now()
    image = canvas.viewport().grab().toImage()
    scene = canvas.vb.mapViewToScene(QtCore.QPointF(x - 0.5, y - 0.5))
    p = canvas.mapFromScene(scene)
    return image.pixelColor(p)


def move_mouse(qtbot, window, x, y):
    canvas = window.canvas
    scene = canvas.vb.mapViewToScene(QtCore.QPointF(x - 0.5, y - 0.5))
    target = canvas.mapFromScene(scene)
    # Qt sends no move event when the pointer is already there (an earlier window at the
    # same place may have left it there): go elsewhere first.
    qtbot.mouseMove(canvas.viewport(), target + QtCore.QPoint(7, 7))
    qtbot.mouseMove(canvas.viewport(), target)


def test_open_file_shows_fits_orientation(window, marked):
    path, data = marked
    assert window.files.open_file(str(path))
    window.menus["limits:minmax"].trigger()
    assert window.canvas.image_shape == (40, 50)
    # Linear minmax grey: (1,1) is the brightest pixel and is drawn at the lower left.
    assert screen_colour(window, 1, 1).red() == 255
    assert screen_colour(window, 50, 40).red() == 128  # 500 of 0..1000
    ll = window.canvas.mapFromScene(window.canvas.vb.mapViewToScene(QtCore.QPointF(0.5, 0.5)))
    tr = window.canvas.mapFromScene(window.canvas.vb.mapViewToScene(QtCore.QPointF(49.5, 39.5)))
    assert ll.y() > tr.y() and ll.x() < tr.x()  # y up, x right
    assert window.status.size.text().startswith("50 x 40")


def test_readout_at_known_pixels(qtbot, window, marked):
    path, data = marked
    window.files.open_file(str(path))
    move_mouse(qtbot, window, 1, 1)
    assert window.readout.last["x"] == 1 and window.readout.last["y"] == 1
    assert window.readout.value.text() == "1000 adu"
    move_mouse(qtbot, window, 50, 40)
    assert (window.readout.last["x"], window.readout.last["y"]) == (50, 40)
    assert window.readout.last["value"] == 500.0
    move_mouse(qtbot, window, 20, 10)
    assert window.readout.last["value"] == data[9, 19]
    # The 5 x 5 table: centre is the pixel, top row is y + 2.
    table = window.readout.table
    assert table.item(2, 2).text() == f"{int(data[9, 19])}"
    assert table.item(0, 2).text() == f"{int(data[11, 19])}"
    assert table.verticalHeaderItem(0).text() == "12"
    text = table.as_text()
    assert text.splitlines()[0].split("\t")[1:] == ["18", "19", "20", "21", "22"]


def test_readout_with_wcs(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    move_mouse(qtbot, window, 100, 120)
    from astropy.wcs import WCS

    ra, dec = WCS(fits.getheader(demo_night.lights[0])).all_pix2world([[100, 120]], 1)[0]
    assert window.readout.last["sky"] == pytest.approx((ra, dec))
    assert ":" in window.readout.sky.text()
    assert f"{ra:.6f}" in window.readout.sky_deg.text()


def test_arrow_keys_move_one_pixel(qtbot, window, marked):
    window.files.open_file(str(marked[0]))
    move_mouse(qtbot, window, 20, 10)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, QtCore.Qt.Key.Key_Right)
    assert (window.readout.last["x"], window.readout.last["y"]) == (21, 10)
    qtbot.keyClick(window.canvas, QtCore.Qt.Key.Key_Up)
    assert (window.readout.last["x"], window.readout.last["y"]) == (21, 11)


def test_scale_limits_and_colormap_from_the_panel(window, marked):
    window.files.open_file(str(marked[0]))
    panel = window.scale_panel
    panel.mode.setCurrentIndex(panel.mode.findData("zscale"))
    assert window.workspace.current.display.limits == "zscale"
    low, high = window.canvas._colourings[0].low, window.canvas._colourings[0].high
    from skyglass.processing.display.limits import zscale_limits

    assert (low, high) == pytest.approx(zscale_limits(marked[1]))
    assert panel.low.value() == pytest.approx(low, abs=1e-3)
    panel.scale.setCurrentIndex(panel.scale.findData("log"))
    assert window.workspace.current.display.scale == "log" and panel.exponent.isEnabled()
    panel.cmap.setCurrentIndex(panel.cmap.findData("heat"))
    c = screen_colour(window, 1, 1)
    assert (c.red(), c.green(), c.blue()) == (255, 255, 255)  # saturated end of heat
    mid = screen_colour(window, 20, 10)
    assert mid.red() != mid.blue()  # colour, not grey
    panel.invert.setChecked(True)
    assert screen_colour(window, 1, 1).red() == 0
    assert window.menus["cmap:" + "heat"].isChecked() and window.menus["invert"].isChecked()


def test_user_limits_from_boxes_and_histogram_lines(window, marked):
    window.files.open_file(str(marked[0]))
    panel = window.scale_panel
    panel.low.setValue(0.0)
    panel.high.setValue(50.0)
    panel.high.editingFinished.emit()
    assert window.workspace.current.display.limit_spec.mode == "user"
    assert (window.canvas._colourings[0].low, window.canvas._colourings[0].high) == (0.0, 50.0)
    panel.high_line.setValue(200.0)  # dragging the line
    assert window.canvas._colourings[0].high == 200.0
    assert panel.high.value() == 200.0


def test_contrast_bias_by_right_drag(window, marked):
    window.files.open_file(str(marked[0]))

    class Drag:
        def __init__(self, start, finish, dx, dy):
            self._s, self._f, self._d = start, finish, QtCore.QPointF(dx, dy)

        def button(self):
            return QtCore.Qt.MouseButton.RightButton

        def isStart(self):
            return self._s

        def isFinish(self):
            return self._f

        def pos(self):
            return QtCore.QPointF(100, 100) + self._d

        def buttonDownPos(self):
            return QtCore.QPointF(100, 100)

        def accept(self):
            pass

    vb = window.canvas.vb
    vb.mouseDragEvent(Drag(True, False, 0, 0))
    vb.mouseDragEvent(Drag(False, True, vb.width() * 0.2, -vb.height() / 4))
    assert window.workspace.current.display.contrast == pytest.approx(2.0)
    assert window.workspace.current.display.bias == pytest.approx(0.7)
    assert window.scale_panel.contrast.value() == 200


def test_zoom_and_pan(qtbot, window, marked):
    window.files.open_file(str(marked[0]))
    canvas = window.canvas
    canvas.zoom_to(1.0)
    assert canvas.zoom() == pytest.approx(1.0)
    canvas.zoom_in()
    assert canvas.zoom() == pytest.approx(2.0)
    canvas.zoom_out()
    canvas.zoom_out()
    assert canvas.zoom() == pytest.approx(0.5)
    canvas.set_zoom(1000)
    assert canvas.zoom() == pytest.approx(32.0)
    canvas.set_zoom(4.0)
    canvas.center_on(10, 20)
    cx, cy = canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((10, 20))
    # Middle-click centres on the clicked pixel (DS9).
    target = canvas.mapFromScene(canvas.vb.mapViewToScene(QtCore.QPointF(14.5, 24.5)))
    qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.MiddleButton, pos=target)
    cx, cy = canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((15, 25), abs=0.2)
    # Wheel zoom keeps the point under the cursor in place.
    before = canvas.vb.mapSceneToView(canvas.mapToScene(target))
    event = QtGui.QWheelEvent(
        QtCore.QPointF(target),
        QtCore.QPointF(canvas.mapToGlobal(target)),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 120),
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtCore.QCoreApplication.sendEvent(canvas.viewport(), event)
    assert canvas.zoom() == pytest.approx(4.0 * 2**0.25, rel=1e-3)
    after = canvas.vb.mapSceneToView(canvas.mapToScene(target))
    assert (after.x(), after.y()) == pytest.approx((before.x(), before.y()), abs=0.05)
    # Zoomed in, each image pixel is a block of screen pixels of one colour.
    canvas.set_zoom(8.0)
    canvas.center_on(1, 1)
    assert screen_colour(window, 1.2, 1.2) == screen_colour(window, 0.8, 0.8)


def test_hdu_switching_and_tables(tmp_path, window):
    table = fits.BinTableHDU.from_columns([fits.Column(name="x", format="E", array=[1.0, 2.0])])
    path = tmp_path / "mef.fits"
    fits.HDUList(
        [
            fits.PrimaryHDU(),
            fits.ImageHDU(np.full((8, 9), 3.0, np.float32), name="SCI"),
            table,
            fits.ImageHDU(np.full((6, 7), 9.0, np.float32), name="ERR"),
        ]
    ).writeto(path)
    window.files.open_file(str(path))
    assert window.workspace.current.document.image.hdu_index == 1
    combo = window.toolbar.hdu_combo
    assert combo.count() == 4
    model = combo.model()
    assert not model.item(2).isEnabled() and "table" in combo.itemText(2)
    window.files.open_hdu(3)
    assert window.workspace.current.document.image.hdu_index == 3
    assert window.canvas.image_shape == (6, 7)
    window.readout.show_position(2, 2)
    assert window.readout.last["value"] == 9.0


def test_cube_planes_and_play(qtbot, window, write_fits):
    cube = np.stack([np.full((10, 12), v, np.float32) for v in (1.0, 2.0, 3.0, 4.0)])
    window.files.open_file(str(write_fits(cube, name="cube.fits")))
    assert window.toolbar.plane_slider.isVisible() and window.toolbar.plane_slider.maximum() == 4
    window.toolbar.plane_spin.setValue(3)
    assert window.workspace.current.document.image.plane_index == 2
    window.readout.show_position(5, 5)
    assert window.readout.last["value"] == 3.0
    assert "plane 3/4" in window.status.size.text()
    window.toolbar.play_button.setChecked(True)
    qtbot.waitUntil(lambda: window.workspace.current.document.image.plane_index == 3, timeout=2000)
    window.toolbar.play_button.setChecked(False)
    assert not window.toolbar.timer.isActive()


def test_colour_png_is_a_composite_by_default(tmp_path, window):
    import imageio.v3 as iio

    pixels = np.zeros((20, 30, 3), np.uint8)
    pixels[..., 0] = np.linspace(0, 255, 30).astype(np.uint8)[None, :]
    pixels[..., 2] = 200
    pixels[0, 0] = (0, 0, 0)
    path = tmp_path / "colour.png"
    iio.imwrite(path, pixels)
    window.files.open_file(str(path))
    window.menus["limits:minmax"].trigger()
    assert window.toolbar._rgb_action.isVisible() and window.toolbar.rgb_check.isChecked()
    # The picture's top-left (black) is FITS (1, 20).
    c = screen_colour(window, 1, 20)
    assert (c.red(), c.green(), c.blue()) == (0, 0, 0)
    c = screen_colour(window, 30, 10)
    assert c.red() == 255 and c.green() == 0 and c.blue() == 255
    window.toolbar.rgb_check.setChecked(False)
    assert len(window.canvas._planes) == 1 and window.toolbar.plane_slider.isEnabled()


def test_bad_file_keeps_the_window_working(tmp_path, window, marked):
    window.files.open_file(str(marked[0]))
    bad = tmp_path / "broken.fits"
    bad.write_bytes(b"this is not FITS" * 300)
    assert not window.files.open_file(str(bad))
    assert "broken.fits" in window.last_error and "not a FITS file" in window.last_error
    assert window.workspace.current.document.name == "marked.fits"
    assert not window.files.open_file(str(tmp_path / "missing.fits"))
    assert "no such file" in window.last_error
    table_only = tmp_path / "table.fits"
    tb = fits.BinTableHDU.from_columns([fits.Column(name="x", format="E", array=[1.0])])
    fits.HDUList([fits.PrimaryHDU(), tb]).writeto(table_only)
    assert not window.files.open_file(str(table_only))
    assert "no image" in window.last_error
    window.canvas.zoom_in()  # still responsive
    assert window.canvas.image_shape == (40, 50)


def test_nan_pixels_in_the_nan_colour(window, write_fits):
    data = np.ones((10, 10), np.float32)
    data[4, 4] = np.nan
    data[0, 0] = 0.0
    window.files.open_file(str(write_fits(data, name="nan.fits")))
    c = screen_colour(window, 5, 5)
    assert (c.red(), c.green(), c.blue()) == (255, 255, 255)
    assert screen_colour(window, 1, 1).red() == 0


def test_nan_colour_can_be_chosen_and_persists(monkeypatch, qtbot, tmp_path, write_fits):
    from PySide6 import QtWidgets

    ini = str(tmp_path / "nan.ini")
    w = MainWindow(QtCore.QSettings(ini, QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    data = np.ones((10, 10), np.float32)
    data[4, 4] = np.nan
    w.files.open_file(str(write_fits(data, name="nan2.fits")))
    monkeypatch.setattr(
        QtWidgets.QColorDialog, "getColor", staticmethod(lambda *a, **k: QtGui.QColor(0, 200, 0))
    )
    w.image.choose_nan_colour()
    c = screen_colour(w, 5, 5)
    assert (c.red(), c.green(), c.blue()) == (0, 200, 0)
    w.close()
    again = MainWindow(QtCore.QSettings(ini, QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.workspace.default_display.nan_color == (0, 200, 0)


def test_constant_image_opens(window, write_fits):
    assert window.files.open_file(
        str(write_fits(np.full((16, 16), 4.0, np.float32), name="c.fits"))
    )
    assert window.canvas._colourings[0].low == window.canvas._colourings[0].high == 4.0
    assert screen_colour(window, 8, 8).red() == 0


def test_header_dialog_and_search(window, marked):
    window.files.open_file(str(marked[0]))
    window.files.show_header()
    dialog = window.files.header_dialog
    assert "NAXIS1  =                   50" in dialog.text.toPlainText()
    dialog.search.setText("BUNIT")
    assert dialog.text.textCursor().selectedText() == "BUNIT"
    dialog.search.setText("NOSUCHKEY")
    assert "not found" in dialog.status.text()
    dialog.close()


def test_magnifier_panner_and_colorbar(qtbot, window, marked):
    window.files.open_file(str(marked[0]))
    move_mouse(qtbot, window, 1, 1)
    assert window.magnifier._image is not None
    assert window.panner._image is not None
    ticks = window.colorbar.ticks
    assert ticks and 0.0 <= ticks[0] and ticks[-1] <= 1000.0
    window.panner.panRequested.emit(40.0, 30.0)
    cx, cy = window.canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((40, 30))


def test_settings_and_recent_files_persist(qtbot, tmp_path, marked):
    ini = str(tmp_path / "persist.ini")
    first = MainWindow(QtCore.QSettings(ini, QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.files.open_file(str(marked[0]))
    first.image.update_display(cmap="viridis", scale="sqrt", limits="zscale")
    first.close()
    second = MainWindow(QtCore.QSettings(ini, QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    display = second.workspace.default_display
    assert (display.cmap, display.scale, display.limits) == (
        "viridis",
        "sqrt",
        "zscale",
    )
    assert second.files.recent_files()[0].endswith("marked.fits")
    assert second.menus.menus["File/Open &Recent"].actions()[0].text() == "marked.fits"


def test_drag_and_drop_opens(window, marked):
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(marked[0]))])
    event = QtGui.QDropEvent(
        QtCore.QPointF(10, 10),
        QtCore.Qt.DropAction.CopyAction,
        mime,
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert (
        window.workspace.current.document is not None
        and window.workspace.current.document.name == "marked.fits"
    )


def test_demo_night_opens_when_no_file(monkeypatch, tmp_path, window):
    import skyglass.paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(skyglass.paths, "DEMO_SIZE", 96)
    window.files.open_demo()
    assert (
        window.workspace.current.document is not None
        and window.workspace.current.document.name == "light_V_001.fits"
    )
    assert (skyglass.paths.demo_dir() / ".complete").exists()


def test_errors_join_one_dialog_instead_of_stacking(window, tmp_path):
    from PySide6 import QtWidgets

    for name in ("a.fits", "b.fits", "c.fits"):
        assert not window.files.open_file(str(tmp_path / name))
    boxes = [
        w
        for w in QtWidgets.QApplication.topLevelWidgets()
        if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()
    ]
    assert len(boxes) == 1
    assert "c.fits" in boxes[0].text() and "2 earlier" in boxes[0].informativeText()
    assert "a.fits" in boxes[0].detailedText() and "b.fits" in boxes[0].detailedText()


def test_saving_an_image_made_in_memory_starts_where_the_user_works(window, monkeypatch, marked):
    window.files.open_file(str(marked[0]))  # remembers its folder
    window.files.show_array(np.ones((8, 8), np.float32), name="stack")
    asked = []
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda parent, title, start, pattern: asked.append(start) or ("", "")),
    )
    window.menus["save_as"].trigger()
    assert asked == [str(marked[0].parent / "stack_edited.fits")]


def test_file_open_takes_several_files_and_the_window_menu_reads_right(
    window, monkeypatch, tmp_path, write_fits
):
    paths = [
        str(write_fits(np.full((6, 6), float(i), np.float32), name=f"f{i}.fits")) for i in range(3)
    ]
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (paths, ""))
    )
    window.menus["open"].trigger()
    assert [s.name for s in window.workspace.frames] == ["f0.fits", "f1.fits", "f2.fits"]
    texts = [a.text() for a in window.menus.menus["Window"].actions()]
    assert "Regions && masks" in texts  # shown as "Regions & masks", no mnemonic eaten
    # Ctrl+Shift+B starts blinking the last two, and stops it again.
    window.menus["blink_last_two"].trigger()
    assert window.frames.blinking
    window.menus["blink_last_two"].trigger()
    assert not window.frames.blinking
