"""Frames: next/previous, blink, locks by pixel and by WCS, tile (offscreen)."""

import numpy as np
import pytest
from astropy.io import fits
from PySide6 import QtCore


def _wcs_image(path, crval, crpix, scale, angle=0.0, shape=(200, 240)):
    t = np.radians(angle)
    h = fits.Header(
        {
            "CTYPE1": "RA---TAN",
            "CTYPE2": "DEC--TAN",
            "CRVAL1": crval[0],
            "CRVAL2": crval[1],
            "CRPIX1": crpix[0],
            "CRPIX2": crpix[1],
            "CD1_1": -scale * np.cos(t),
            "CD1_2": scale * np.sin(t),
            "CD2_1": scale * np.sin(t),
            "CD2_2": scale * np.cos(t),
        }
    )
    data = np.random.default_rng(int(scale * 1e6) % 1000).normal(100, 5, shape).astype(np.float32)
    fits.PrimaryHDU(data, header=h).writeto(path)
    return path


def test_frames_next_previous_and_tab(qtbot, window, demo_night):
    for i, path in enumerate(demo_night.lights[:3]):
        assert window.files.open_file(path, new_frame=i > 0)
    assert len(window.workspace.frames) == 3 and window.workspace.index == 2
    assert window.status.frame.text() == "frame 3/3"
    window.frames.next_frame()
    assert (
        window.workspace.index == 0 and window.workspace.current.document.name == "light_V_001.fits"
    )
    window.frames.previous_frame()
    assert window.workspace.index == 2
    window.canvas.setFocus()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Tab)
    assert window.workspace.index == 0
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Backtab, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert window.workspace.index == 2
    # The offscreen platform would otherwise believe Shift is still held (later tests'
    # table selections would extend instead of select).
    qtbot.keyRelease(window, QtCore.Qt.Key.Key_Shift)
    # Each frame keeps its own view and settings when nothing is locked.
    window.canvas.zoom_to(4.0)
    window.canvas.center_on(50, 60)
    window.image.update_display(cmap="heat")
    window.workspace.set_current(0)
    assert (
        window.workspace.current.display.cmap == "grey"
        and window.canvas.zoom() != pytest.approx(4.0)
    )
    window.workspace.set_current(2)
    assert (
        window.workspace.current.display.cmap == "heat"
        and window.canvas.zoom() == pytest.approx(4.0)
    )
    cx, cy = window.canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((50, 60))
    window.frames.delete_frame()
    assert len(window.workspace.frames) == 2


def test_blink_cycles_frames(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    window.files.open_file(demo_night.lights[1], new_frame=True)
    window.frames.set_blink(True, 50)
    seen = set()
    qtbot.waitUntil(lambda: seen.add(window.workspace.index) or len(seen) == 2, timeout=3000)
    window.frames.set_blink(False)
    assert not window.frames.blinking


def test_blink_the_last_two_follows_new_frames(qtbot, window, demo_night):
    for i, path in enumerate(demo_night.lights[:3]):
        window.files.open_file(path, new_frame=i > 0)
    window.frames.set_blink(True, 30, last=2)
    assert window.menus["blink"].isChecked()
    seen = []
    qtbot.waitUntil(
        lambda: seen.append(window.workspace.index) or len(set(seen)) == 2, timeout=3000
    )
    qtbot.wait(200)
    seen.clear()
    qtbot.waitUntil(lambda: seen.append(window.workspace.index) or len(seen) > 12, timeout=3000)
    assert set(seen) == {1, 2}  # never the first frame
    # A frame arriving (a followed folder) joins: now the last two are 2 and 3.
    window.files.open_file(demo_night.lights[3], new_frame=True)
    qtbot.wait(100)
    seen.clear()
    qtbot.waitUntil(lambda: seen.append(window.workspace.index) or len(seen) > 12, timeout=3000)
    assert set(seen) == {2, 3}
    window.menus["blink"].trigger()  # the menu's Blink switches it off, and back to all
    assert not window.frames.blinking and window.frames.blink_last == 0


def test_lock_by_image_pixels(window, demo_night):
    window.files.open_file(demo_night.lights[0])
    window.files.open_file(demo_night.lights[1], new_frame=True)
    window.workspace.set_locks(frames="image", scale=True, colour=True)
    window.canvas.zoom_to(2.0)
    window.canvas.center_on(40, 70)
    window.image.update_display(cmap="cool", limits="zscale")
    window.workspace.set_current(0)
    cx, cy = window.canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((40, 70))
    assert window.canvas.zoom() == pytest.approx(2.0)
    assert (
        window.workspace.current.display.cmap == "cool"
        and window.workspace.current.display.limits == "zscale"
    )


def test_lock_by_wcs_keeps_the_sky_position(window, tmp_path):
    a = _wcs_image(tmp_path / "a.fits", (150.0, 2.0), (100, 100), 2e-4)
    # Another pointing, another pixel scale, rotated by 30 degrees.
    b = _wcs_image(tmp_path / "b.fits", (150.005, 2.004), (80, 120), 3e-4, angle=30.0)
    window.files.open_file(str(a))
    window.files.open_file(str(b), new_frame=True)
    window.workspace.set_current(0)
    window.workspace.set_locks(frames="wcs")
    window.canvas.zoom_to(2.0)
    window.canvas.center_on(120.0, 90.0)
    from astropy.wcs import WCS

    sky = WCS(fits.getheader(a)).all_pix2world([[120.0, 90.0]], 1)[0]
    window.workspace.set_current(1)
    cx, cy = window.canvas.view_center()
    sky_b = WCS(fits.getheader(b)).all_pix2world([[cx + 0.5, cy + 0.5]], 1)[0]
    assert sky_b == pytest.approx(sky, abs=1e-7)
    # Same angular scale on screen: zoom scaled by the pixel-scale ratio.
    assert window.canvas.zoom() == pytest.approx(2.0 * 3e-4 / 2e-4, rel=1e-3)


def test_tile_shows_every_frame_and_follows_locks(qtbot, window, demo_night):
    for i, path in enumerate(demo_night.lights[:3]):
        window.files.open_file(path, new_frame=i > 0)
    window.workspace.set_locks(frames="image")
    window.frames.set_tile(True)
    assert window.central_stack.currentIndex() == 1 and len(window.frames.tiles) == 3
    _, first, _ = window.frames.tiles[0]
    first.zoom_to(2.0)
    first.center_on(30, 40)
    for _, canvas, _ in window.frames.tiles[1:]:
        cx, cy = canvas.view_center()
        assert (cx + 0.5, cy + 0.5) == pytest.approx((30, 40), abs=1e-6)
        assert canvas.zoom() == pytest.approx(2.0)
    first.clicked.emit(10.0, 10.0)
    assert window.workspace.index == 0
    window.frames.set_tile(False)
    assert window.central_stack.currentIndex() == 0 and not window.frames.tiles


def test_regions_are_each_frames_data_drawn_by_the_canvas(window, demo_night):
    from regions import CirclePixelRegion, PixCoord

    window.files.open_file(demo_night.lights[0])
    window.files.open_file(demo_night.lights[1], new_frame=True)
    overlay = window.overlays.region_overlay
    window.panels["regions"].add_region(CirclePixelRegion(PixCoord(20, 30), 5.0))
    assert len(window.workspace.frames[1].regions) == 1 and len(overlay.items) == 1
    window.workspace.set_current(0)
    assert overlay.items == [] and window.panels["regions"].list.count() == 0
    window.workspace.set_current(1)
    assert len(overlay.items) == 1 and window.panels["regions"].list.count() == 1
    # A drag on the canvas changes the frame's data.
    item = overlay.items[0].item
    item.setPos(item.pos() + QtCore.QPointF(3, 0))
    item.sigRegionChangeFinished.emit(item)
    assert window.workspace.current.regions[0].center.x == pytest.approx(23.0)


def test_tiles_show_each_frames_regions_mask_and_stars(qtbot, window, demo_night, tmp_path):
    """As DS9's tile mode: every tile draws its own frame's regions and catalogue (and
    mask); a region dragged on a tile, or loaded while tiled, is that frame's data."""
    from unittest.mock import patch

    from gui_actions import button, click_image
    from PySide6 import QtWidgets

    left = QtCore.Qt.MouseButton.LeftButton
    window.files.open_file(demo_night.lights[0])
    window.files.open_file(demo_night.lights[1], new_frame=True)
    window.show_docks("regions")
    regions_panel = window.panels["regions"]
    qtbot.mouseClick(regions_panel.tool_buttons["circle"], left)
    click_image(qtbot, window.canvas, 20.0, 30.0)
    qtbot.keyClick(window.canvas, QtCore.Qt.Key.Key_Escape)  # back to Pointer, as in DS9
    assert not regions_panel.tool_buttons["circle"].isChecked()
    window.show_docks("stars")
    qtbot.mouseClick(window.panels["stars"].detect_button, left)
    qtbot.waitUntil(lambda: window.panels["stars"].job is None, timeout=30000)
    second = window.workspace.frames[1]
    assert len(second.regions) == 1 and second.catalog is not None and len(second.catalog) > 5
    window.menus["tile"].trigger()
    (_, first_canvas, first), (_, second_canvas, state) = window.frames.tiles
    assert state is second
    tiles = window.frames.tile_regions
    assert len(tiles[second_canvas].items) == 1 and tiles[first_canvas].items == []
    assert len(second_canvas.stars_item.data) == len(second.catalog)
    assert len(first_canvas.stars_item.data) == 0
    # Dragged on the second tile: the second frame's region moves.
    item = tiles[second_canvas].items[0].item
    center = second.regions[0].center.x
    item.setPos(item.pos() + QtCore.QPointF(3, 0))
    item.sigRegionChangeFinished.emit(item)
    assert second.regions[0].center.x == pytest.approx(center + 3.0)
    # Click the first tile, open a region file for it: it appears on that tile only.
    click_image(qtbot, first_canvas, 100.0, 100.0)
    assert window.workspace.current is first
    reg = tmp_path / "one.reg"
    reg.write_text("image\ncircle(40,40,4)\n")
    answer = (str(reg), "DS9 regions (*.reg)")
    with patch.object(QtWidgets.QFileDialog, "getOpenFileName", return_value=answer):
        qtbot.mouseClick(button(regions_panel, "Open .reg..."), left)
    assert len(first.regions) == 1 and len(tiles[first_canvas].items) == 1
    assert len(tiles[second_canvas].items) == 1
    # Mask inside it: shown on the first tile, not the second.
    regions_panel.list.setCurrentRow(0)
    qtbot.mouseClick(button(regions_panel, "Mask inside"), left)
    assert first.document.mask is not None and first.document.mask.any()
    assert first_canvas._mask is not None and second_canvas._mask is None
