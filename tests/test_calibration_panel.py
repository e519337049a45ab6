"""The calibration panel, clicked through as a student would (offscreen)."""

import os

import numpy as np
import pytest
from astropy.io import fits
from PySide6 import QtCore


def wait_idle(qtbot, panel, timeout=60000):
    qtbot.waitUntil(lambda: panel.job is None, timeout=timeout)


def test_click_through_every_step(qtbot, window, demo_night, tmp_path):
    window.show_docks("calibration")
    panel = window.panels["calibration"]
    assert window.docks["calibration"].isVisible()
    panel.set_folder(demo_night.folder)
    assert panel.table.rowCount() == 29
    assert panel.bias_list.count() == 5 and panel.dark_list.count() == 6
    assert panel.stack.group.count() == 2

    qtbot.mouseClick(panel.bias_button, QtCore.Qt.MouseButton.LeftButton)
    assert panel.job is not None and panel.cancel_button.isEnabled()
    wait_idle(qtbot, panel)
    assert panel.masters.bias is not None
    assert window.workspace.current.document.name == "master_bias.fits"  # shown in the canvas
    assert window.canvas.image_shape == (256, 256)

    panel.build_darks()
    wait_idle(qtbot, panel)
    assert sorted(panel.masters.darks) == [10.0, 120.0]
    assert "hot pixels" in panel.status.text()

    panel.build_flats()
    wait_idle(qtbot, panel)
    assert sorted(panel.masters.flats) == ["R", "V"]
    assert np.nanmedian(panel.masters.flats["V"].data) == pytest.approx(1.0, abs=1e-6)

    # Before/after on the first light: the raw frame, then the corrected one.
    panel.compare_light.setCurrentIndex(0)
    panel.before.setChecked(True)
    wait_idle(qtbot, panel)
    raw_mean = float(np.nanmean(window.workspace.current.document.image.data[:, :]))
    panel.after.setChecked(True)
    wait_idle(qtbot, panel)
    assert "(after)" in window.workspace.current.document.name
    after_mean = float(np.nanmean(window.workspace.current.document.image.data[:, :]))
    assert after_mean < raw_mean - 500  # the 1000 ADU bias is gone

    panel.calibrate_lights(output=str(tmp_path / "cal"))
    wait_idle(qtbot, panel)
    assert len(panel.calibrated) == 8
    assert len(os.listdir(tmp_path / "cal")) == 8
    # Step 4 keeps the files, not the frames (a big night would not fit in memory): After
    # reads the calibrated light back from the file it wrote.
    assert all(isinstance(v, str) and os.path.exists(v) for v in panel.calibrated.values())
    tabs = panel.steps.tabBar()  # the "4 Calibrate" page, where Before/After are
    qtbot.mouseClick(tabs, QtCore.Qt.MouseButton.LeftButton, pos=tabs.tabRect(3).center())
    assert panel.steps.currentIndex() == 3
    panel.compare_light.setCurrentIndex(0)
    qtbot.mouseClick(panel.before, QtCore.Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    assert "(before)" in window.workspace.current.document.name
    qtbot.mouseClick(panel.after, QtCore.Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    shown = window.workspace.current.document
    assert "(after)" in shown.name
    written = panel.calibrated[panel.compare_light.currentData()]
    np.testing.assert_array_equal(shown.image.data[:, :], fits.getdata(written))

    panel.stack.group.setCurrentIndex(1)  # V
    panel.stack.build()
    wait_idle(qtbot, panel)
    assert panel.stack.result is not None and panel.stack.result.header["NCOMBINE"] == 5
    # Stacked by the streaming engine from the files step 4 wrote; its temporary file gone.
    assert "_cal.fits" in " ".join(str(h) for h in panel.stack.result.header["HISTORY"])
    assert not [n for n in os.listdir(tmp_path / "cal") if n.startswith(".skyglass-stack")]
    assert window.workspace.current.document.name == "stack"
    # The FWHM of each stacked light is in the table; keeping the best 3 leaves 2 out.
    fwhm_column = [panel.table.horizontalHeaderItem(c).text() for c in range(9)].index("FWHM")
    shown = [panel.table.item(r, fwhm_column).text() for r in range(panel.table.rowCount())]
    assert sum(text.endswith(" px") for text in shown) == 5
    panel.stack.best.setValue(3)
    qtbot.mouseClick(panel.stack.button, QtCore.Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    assert panel.stack.result.header["NCOMBINE"] == 3
    assert "left out" in panel.status.text()
    out = tmp_path / "stack.fits"
    panel.stack.save(str(out))
    assert fits.getheader(out)["NCOMBINE"] == 3
    # Match frames: sky level - every light brought to the lights' median sky level.
    panel.stack.best.setValue(0)
    panel.stack.match.setCurrentIndex(panel.stack.match.findData("offset"))
    qtbot.mouseClick(panel.stack.button, QtCore.Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    history = " ".join(str(h) for h in panel.stack.result.header["HISTORY"])
    assert "normalised before combining" in history
    lights = sorted((tmp_path / "cal").glob("light_V_*"))
    level = np.median([np.median(fits.getdata(p)) for p in lights])
    assert np.nanmedian(panel.stack.result.data) == pytest.approx(level, abs=1.0)


def test_cancel_leaves_nothing_changed(qtbot, window, demo_night):
    panel = window.panels["calibration"]
    panel.set_folder(demo_night.folder)
    panel.build_bias()
    panel.cancel()
    wait_idle(qtbot, panel)
    assert panel.masters.bias is None
    assert "cancelled" in panel.status.text()
    # The window still works, and the step can run again.
    window.canvas.zoom_in()
    panel.build_bias()
    wait_idle(qtbot, panel)
    assert panel.masters.bias is not None


def test_reassigning_a_type_moves_the_frame(window, demo_night):
    panel = window.panels["calibration"]
    panel.set_folder(demo_night.folder)
    row = next(
        r
        for r in range(panel.table.rowCount())
        if panel.table.item(r, 0).text() == "light_R_003.fits"
    )
    panel.table.cellWidget(row, 1).setCurrentText("unknown")
    assert panel.light_list.count() == 7


def test_errors_are_shown_not_raised(qtbot, window, tmp_path):
    panel = window.panels["calibration"]
    panel.set_folder(str(tmp_path / "nope"))
    assert "no such folder" in panel.last_error
    folder = tmp_path / "night"
    folder.mkdir()
    for i, size in enumerate((10, 12)):
        h = fits.PrimaryHDU(np.zeros((size, size), np.uint16))
        h.header["IMAGETYP"] = "Bias Frame"
        h.writeto(folder / f"b{i}.fits")
    panel.set_folder(str(folder))
    panel.build_bias()
    wait_idle(qtbot, panel)
    assert "differ in size" in panel.last_error
    assert panel.masters.bias is None


def test_masters_and_lights_go_to_the_output_folder(
    qtbot, window, demo_night, tmp_path, monkeypatch
):
    from PySide6 import QtGui

    panel = window.panels["calibration"]
    panel.set_folder(demo_night.folder)
    assert panel.output.text() == os.path.join(demo_night.folder, "calibrated")
    out = tmp_path / "results"
    panel.output.setText(str(out))
    panel.build_bias()
    wait_idle(qtbot, panel)
    panel.build_darks()
    wait_idle(qtbot, panel)
    panel.build_flats()
    wait_idle(qtbot, panel)
    names = sorted(os.listdir(out))
    assert "master_bias.fits" in names and "master_flat_V.fits" in names
    assert any(n.startswith("master_dark_") for n in names)
    history = " ".join(fits.getheader(out / "master_bias.fits")["HISTORY"])
    assert "Skyglass" in history
    panel.calibrate_lights()
    wait_idle(qtbot, panel)
    light = demo_night.lights[0]
    written = panel.written[light]
    assert os.path.dirname(written) == str(out) and os.path.exists(written)
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    column = headers.index("Written to")
    rows = [panel.table.item(r, column).text() for r in range(panel.table.rowCount())]
    assert written in rows
    # Its HISTORY names masters that exist on disk.
    assert "master_bias.fits" in " ".join(fits.getheader(written)["HISTORY"])
    opened = []
    monkeypatch.setattr(QtGui.QDesktopServices, "openUrl", staticmethod(opened.append))
    panel.open_output_button.click()
    assert opened and opened[0].toLocalFile() == str(out)


def test_a_night_in_the_cache_writes_its_results_elsewhere(monkeypatch, tmp_path):
    from skyglass import paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(paths, "documents_dir", lambda: tmp_path / "docs" / "Skyglass")
    night = paths.cache_dir() / "demo-night"
    assert (
        paths.calibration_output(night) == tmp_path / "docs" / "Skyglass" / "demo-night-calibrated"
    )
    assert paths.calibration_output(tmp_path / "n1") == (tmp_path / "n1" / "calibrated").resolve()


def test_a_cancelled_calibration_says_exactly_what_it_kept(
    qtbot, window, demo_night, tmp_path, monkeypatch
):
    """It said "cancelled; nothing was changed" after writing files (issue 18, item 7)."""
    import time

    from skyglass.processing.io.frame import Frame

    window.show_docks("calibration")
    panel = window.panels["calibration"]
    panel.set_folder(demo_night.folder)
    panel.build_bias()
    wait_idle(qtbot, panel)
    write = Frame.write

    def slow_write(self, *args, **kwargs):  # slow enough to cancel between two lights
        write(self, *args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(Frame, "write", slow_write)
    out = tmp_path / "cal"
    panel.calibrate_lights(output=str(out))
    qtbot.waitUntil(lambda: out.exists() and len(os.listdir(out)) >= 2, timeout=30000)
    qtbot.mouseClick(panel.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    kept = sorted(os.listdir(out))
    assert 2 <= len(kept) < 8 and all(name.endswith("_cal.fits") for name in kept)
    status = panel.status.text()
    assert f"cancelled after {len(kept)} of 8 lights" in status
    assert all(name in status for name in kept)
    for name in kept:  # each kept file is whole
        assert fits.getdata(out / name).shape == (256, 256)


def test_cancelling_the_stack_leaves_no_temporary_file(
    qtbot, window, demo_night, tmp_path, monkeypatch
):
    import time

    from skyglass.processing.calibration import stacking

    window.show_docks("calibration")
    panel = window.panels["calibration"]
    panel.set_folder(demo_night.folder)
    out = tmp_path / "cal"
    panel.calibrate_lights(output=str(out))
    wait_idle(qtbot, panel)
    write_rows = stacking.TempStack.write_rows

    def slow(self, *args):
        write_rows(self, *args)
        time.sleep(0.05)

    monkeypatch.setattr(stacking.TempStack, "write_rows", slow)
    panel.stack.group.setCurrentIndex(1)
    qtbot.mouseClick(panel.stack.button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(n.startswith(".skyglass-stack") for n in os.listdir(out)))
    qtbot.mouseClick(panel.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    assert "cancelled" in panel.status.text() and panel.stack.result is None
    assert not [n for n in os.listdir(out) if n.startswith(".skyglass-stack")]
