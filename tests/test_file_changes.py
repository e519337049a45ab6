"""Files rewritten under an open frame (issue 18, item 2): the window keeps what it shows
(no SIGBUS from a mapped file cut short), says the file changed and reloads on request."""

from __future__ import annotations

import os

import numpy as np
from astropy.io import fits
from PySide6 import QtCore, QtWidgets


def _open(window, monkeypatch, path):
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(path)], "")
    )
    window.menus["open"].trigger()
    return window.workspace.current


def test_a_file_cut_short_under_the_window_is_survived_and_reloaded(
    window, tmp_path, monkeypatch, qtbot
):
    path = tmp_path / "camera.fits"
    first = np.arange(400 * 300, dtype=np.float32).reshape(400, 300)
    fits.PrimaryHDU(first).writeto(path)
    state = _open(window, monkeypatch, path)
    assert not state.document.image.cube.is_memory_mapped  # a private copy, not a mapping
    window.canvas.zoom_in()
    view = window.workspace.current.view
    assert not window.file_notice.isVisible()

    with open(path, "r+b") as fh:  # cut short: a mapped page past the end would SIGBUS
        fh.truncate(2880)
    np.testing.assert_array_equal(np.asarray(state.document.pixels()), first)
    window.canvas.zoom_out()  # drawing reads every shown pixel again
    qtbot.waitUntil(window.file_notice.isVisible, timeout=5000)
    assert "camera.fits changed on disk" in window.file_notice.label.text()

    second = np.full((400, 300), 7.0, np.float32)
    fits.PrimaryHDU(second).writeto(path, overwrite=True)
    qtbot.mouseClick(window.file_notice.action_button, QtCore.Qt.MouseButton.LeftButton)
    now = window.workspace.current
    np.testing.assert_array_equal(np.asarray(now.document.pixels()), second)
    assert not window.file_notice.isVisible()
    assert now.view is not None and now.view.zoom == window.workspace.current.view.zoom
    assert view is not None


def test_reload_from_the_file_menu_and_dismiss(window, tmp_path, monkeypatch, qtbot):
    path = tmp_path / "a.fits"
    fits.PrimaryHDU(np.zeros((50, 60), np.float32)).writeto(path)
    _open(window, monkeypatch, path)
    fits.PrimaryHDU(np.ones((50, 60), np.float32)).writeto(path, overwrite=True)
    qtbot.waitUntil(window.file_notice.isVisible, timeout=5000)
    window.file_notice.dismiss_button.click()
    assert not window.file_notice.isVisible()
    assert float(np.asarray(window.workspace.current.document.pixels()).max()) == 0.0
    window.menus["reload"].trigger()  # still possible from the menu
    assert float(np.asarray(window.workspace.current.document.pixels()).min()) == 1.0

    os.remove(path)
    qtbot.waitUntil(window.file_notice.isVisible, timeout=5000)
    assert "was deleted" in window.file_notice.label.text()
    assert not window.file_notice.action_button.isEnabled()
    window.menus["reload"].trigger()  # one message, the image stays
    assert "no file to reload" in window.last_error
    assert window.workspace.current.document.name == "a.fits"


def test_files_over_the_budget_stay_mapped(tmp_path):
    from skyglass.processing.io.reader import open_image

    path = tmp_path / "big.fits"
    fits.PrimaryHDU(np.zeros((100, 100), np.float32)).writeto(path)
    image = open_image(path)
    assert not image.keep_private(budget=1000) and image.cube.is_memory_mapped
    assert image.keep_private(budget=10**6) and not image.cube.is_memory_mapped
