"""Following a folder: new frames appear when complete, the view is kept, the night log
and its plots grow (offscreen)."""

import shutil

import numpy as np
import pytest

from skyglass.processing.calibration.nightlog import FolderFollower, frame_quality, is_complete


def test_follower_waits_for_a_complete_file(tmp_path, demo_night):
    follower = FolderFollower(str(tmp_path), settle=0.5)
    assert follower.existing() == []
    raw = open(demo_night.lights[0], "rb").read()
    target = tmp_path / "incoming.fits"
    target.write_bytes(raw[: len(raw) // 2])
    assert follower.poll(0.0) == [] and follower.poll(1.0) == []  # stable but incomplete
    assert not is_complete(str(target))
    with open(target, "ab") as fh:
        fh.write(raw[len(raw) // 2 :])
    assert follower.poll(2.0) == []  # the size changed: wait for it to settle
    assert follower.poll(2.2) == []
    assert follower.poll(2.6) == [str(target)]
    assert follower.poll(5.0) == []  # reported once


def test_frame_quality_figures(demo_night):
    q = frame_quality(demo_night.lights[0])
    assert q.error == "" and q.filter == "V" and q.exptime == 60.0
    assert 1100 < q.sky < 1300 and q.noise > 0
    assert q.fwhm == pytest.approx(3.6, abs=1.0) and q.nstars > 5
    bad = frame_quality(demo_night.folder + "/truth/night.json")
    assert bad.error  # never raises


def test_following_a_folder_in_the_window(qtbot, window, demo_night, tmp_path):
    window.follow.settle = 0.0
    assert window.follow.follow(str(tmp_path))
    assert window.docks["nightlog"].isVisible()
    shutil.copy(demo_night.lights[0], tmp_path / "a.fits")
    window.follow.poll()
    window.follow.poll()
    assert len(window.workspace.frames) == 1 and window.workspace.current.document.name == "a.fits"
    window.canvas.zoom_to(2.0)
    window.canvas.center_on(60, 70)
    window.image.update_display(cmap="heat", limits="zscale")
    # A file written slowly, in pieces.
    raw = open(demo_night.lights[1], "rb").read()
    slow = tmp_path / "b.fits"
    for k in range(1, 4):
        slow.write_bytes(raw[: len(raw) * k // 4])
        window.follow.poll()
        window.follow.poll()
        assert len(window.workspace.frames) == 1
    slow.write_bytes(raw)
    window.follow.poll()
    window.follow.poll()
    assert len(window.workspace.frames) == 2 and window.workspace.current.document.name == "b.fits"
    # The view and settings were kept.
    assert window.canvas.zoom() == pytest.approx(2.0)
    cx, cy = window.canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((60, 70))
    assert window.workspace.current.display.cmap == "heat"
    qtbot.waitUntil(
        lambda: window.follow.idle and len(window.panels["nightlog"].rows) == 2, timeout=30000
    )
    assert window.panels["nightlog"].table.rowCount() == 2
    fwhm = window.panels["nightlog"]._fwhm_curve.getData()[1]
    assert np.isfinite(fwhm).all() and len(fwhm) == 2
    # Blink the last two frames.
    window.frames.set_blink(True, 50)
    qtbot.waitUntil(lambda: window.workspace.index == 0, timeout=3000)
    window.frames.set_blink(False)
    window.follow.stop()
    assert not window.follow.active


def test_follow_errors(window, tmp_path):
    assert not window.follow.follow(str(tmp_path / "missing"))
    assert "no such folder" in window.last_error


def test_following_a_folder_with_frames_shows_the_newest(qtbot, window, demo_night, tmp_path):
    for i, path in enumerate(demo_night.lights[:3]):
        shutil.copy(path, tmp_path / f"f{i}.fits")
    assert window.follow.follow(str(tmp_path))
    assert len(window.workspace.frames) == 1 and window.workspace.current.document.name == "f2.fits"
    qtbot.waitUntil(lambda: len(window.panels["nightlog"].rows) == 3, timeout=30000)
    window.follow.stop()


def test_night_log_survives_its_worker_dying(qtbot, window, demo_night, tmp_path):
    """A killed measuring process: a message, and the log goes on in a thread."""
    window.follow.settle = 0.0
    assert window.follow.follow(str(tmp_path))
    shutil.copy(demo_night.lights[0], tmp_path / "a.fits")
    window.follow.poll()
    window.follow.poll()
    qtbot.waitUntil(lambda: len(window.panels["nightlog"].rows) == 1, timeout=30000)
    for process in window.runner._pool._processes.values():
        process.kill()
        process.join()
    shutil.copy(demo_night.lights[1], tmp_path / "b.fits")
    window.follow.poll()
    window.follow.poll()
    qtbot.waitUntil(lambda: window.follow.idle, timeout=30000)
    shutil.copy(demo_night.lights[2], tmp_path / "c.fits")
    window.follow.poll()
    window.follow.poll()
    qtbot.waitUntil(
        lambda: len(window.panels["nightlog"].rows) >= 2 and window.follow.idle, timeout=30000
    )
    assert not window.runner.use_processes
    assert window.panels["nightlog"].rows[-1].name == "c.fits"
    window.follow.stop()


def test_night_log_figures_line_up(qtbot):
    from skyglass.processing.calibration.nightlog import FrameQuality
    from skyglass.viewer.panels.nightlog import NightLogPanel

    panel = NightLogPanel()
    qtbot.addWidget(panel)
    x0, x1 = panel.sky_plot.getViewBox().viewRange()[0]
    assert (x0, x1) == pytest.approx((0.5, 5.5))  # an empty log: frames 1-5, not 0.1..0.9
    long_name = "a_rather_long_camera_file_name_0001.fits"
    panel.add(
        FrameQuality(
            "/n/a.fits",
            long_name,
            "2026-12-04T21:03:04",
            60.0,
            "V",
            "",
            1163.4321,
            12.0712,
            4.1,
            57,
            0,
        )
    )
    panel.add(
        FrameQuality(
            "/n/b.fits", "b.fits", "2026-12-04T21:04:10", 60.0, "V", "", 1170.0, 11.5, 4.0, 60, 2
        )
    )
    cells = [
        [panel.table.item(r, c).text() for c in range(panel.table.columnCount())] for r in range(2)
    ]
    assert cells[0][4:7] == ["1163.4", "12.07", "4.10"] and cells[1][4:7] == [
        "1170.0",
        "11.50",
        "4.00",
    ]
    width = panel.table.fontMetrics().horizontalAdvance(long_name)
    assert panel.table.columnWidth(0) >= width


def test_a_bad_file_is_handed_on_once_and_following_goes_on(tmp_path, demo_night):
    """NAXIS1 = 'ten' raised at every poll; a big non-FITS file named .fits was read
    through at every poll. Both are reported once; opening them says what is wrong."""
    follower = FolderFollower(str(tmp_path), settle=0.0)
    bad = tmp_path / "bad.fits"
    header = "".join(
        card.ljust(80)
        for card in (
            "SIMPLE  =                    T",
            "BITPIX  =                  -32",
            "NAXIS   =                    2",
            "NAXIS1  = 'ten'",
            "NAXIS2  =                   10",
            "END",
        )
    )
    bad.write_bytes(header.ljust(2880).encode() + bytes(2880))
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"x" * 5_000_000)
    follower.poll(0.0)
    assert sorted(follower.poll(1.0)) == [str(bad), str(junk)]
    good = tmp_path / "good.fits"
    good.write_bytes(open(demo_night.lights[0], "rb").read())
    follower.poll(2.0)
    assert follower.poll(3.0) == [str(good)]  # following went on
