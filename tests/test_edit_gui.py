"""Editing in the window: apply, preview, cancel, picking, undo/redo, history, recipe,
saving and unsaved-changes questions (offscreen)."""

import numpy as np
from astropy.io import fits

from skyglass import dialogs
from skyglass.cli import main
from skyglass.viewer.image.canvas import PatchedPlane


def wait_job(qtbot, panel, attr="job", timeout=60000):
    qtbot.waitUntil(lambda: getattr(panel, attr) is None, timeout=timeout)


def apply(qtbot, window, name, **values):
    panel = window.panels["edit"]
    panel.select(name)
    for k, v in values.items():
        panel.set_value(k, v)
    panel.apply()
    wait_job(qtbot, panel)


def test_apply_undo_redo_and_history(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    window.menus["edit_panel"].trigger()
    original = window.workspace.current.document.image.data[:, :].copy()
    apply(qtbot, window, "crop", box=[11, 21, 110, 70])
    assert window.canvas.image_shape == (50, 100)
    np.testing.assert_array_equal(
        window.workspace.current.document.image.data[:, :], original[20:70, 10:110]
    )
    apply(qtbot, window, "flip_x")
    assert window.panels["history"].count() == 3 and window.panels["history"].currentRow() == 2
    assert window.windowTitle().startswith("light_V_001.fits *")
    window.editing.undo()
    window.editing.undo()
    np.testing.assert_array_equal(window.workspace.current.document.image.data[:, :], original)
    assert window.canvas.image_shape == (256, 256)
    assert not window.menus["undo"].isEnabled() and window.menus["redo"].isEnabled()
    window.editing.redo()
    assert window.canvas.image_shape == (50, 100)
    window.editing.goto_state(2)
    np.testing.assert_array_equal(
        window.workspace.current.document.image.data[:, :], original[20:70, 10:110][:, ::-1]
    )
    # The readout shows the edited pixels.
    window.readout.show_position(1, 1)
    assert window.readout.last["value"] == original[20, 109]


def test_live_preview_on_the_visible_area(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["edit"]
    panel.select("gamma")
    panel.live.setChecked(True)
    qtbot.waitUntil(lambda: isinstance(window.canvas._planes[0], PatchedPlane), timeout=10000)
    before = window.workspace.current.document.image.data[:, :].copy()
    panel.live.setChecked(False)
    assert not isinstance(window.canvas._planes[0], PatchedPlane)
    np.testing.assert_array_equal(
        window.workspace.current.document.image.data[:, :], before
    )  # nothing applied
    panel.select("rotate")
    panel.live.setChecked(True)
    qtbot.waitUntil(
        lambda: panel.thumbnail.pixmap() is not None and not panel.thumbnail.pixmap().isNull(),
        timeout=10000,
    )
    panel.live.setChecked(False)


def test_cancel_leaves_the_image_untouched(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    before = window.workspace.current.document.image.data[:, :].copy()
    panel = window.panels["edit"]
    panel.select("denoise")
    panel.set_value("method", "nl-means")
    panel.apply()
    panel.cancel()
    wait_job(qtbot, panel)
    assert "cancelled" in panel.status.text()
    np.testing.assert_array_equal(window.workspace.current.document.image.data[:, :], before)
    assert (
        window.workspace.current.document.history is None
        or not window.workspace.current.document.history.steps
    )


def test_pick_points_and_star_on_the_image(qtbot, window, demo_night):
    window.files.open_file(demo_night.lights[0])
    panel = window.panels["edit"]
    panel.select("perspective")
    panel.pick_button.setChecked(True)
    for x, y in ((20, 20), (230, 25), (225, 230), (22, 228)):
        window.canvas.clicked.emit(float(x), float(y))
    assert panel.values()["points"] == [[20, 20], [230, 25], [225, 230], [22, 228]]
    assert not panel.picking
    panel.apply()
    wait_job(qtbot, panel)
    assert (
        "CTYPE1" not in window.workspace.current.document.image.header
    )  # WCS removed, with a note
    panel.select("deconvolve")
    panel.pick_button.setChecked(True)
    window.canvas.clicked.emit(128.0, 128.0)
    assert panel.values()["star"] == [128.0, 128.0] and panel.values()["psf"] == "star"


def test_recipe_from_the_window_replays_bit_exact(qtbot, window, demo_night, tmp_path):
    window.files.open_file(demo_night.lights[0])
    apply(qtbot, window, "rotate", angle=21.0)
    apply(qtbot, window, "equalize")
    apply(qtbot, window, "noise", kind="gaussian", sigma=0.01, seed=5)
    apply(qtbot, window, "denoise", method="tv-chambolle", weight=0.05)
    shown = window.workspace.current.document.image.data[:, :].copy()
    recipe = tmp_path / "r.json"
    window.editing.export_recipe(str(recipe))
    script = tmp_path / "r.py"
    window.editing.export_script(str(script))
    assert "apply_operation(image, 'rotate'" in script.read_text()
    out = tmp_path / "replayed.fits"
    assert main(["replay", str(recipe), demo_night.lights[0], "-o", str(out)]) == 0
    assert np.array_equal(fits.getdata(out), shown, equal_nan=True)


def test_save_as_writes_history_and_protects_the_original(
    qtbot, window, tmp_path, write_fits, monkeypatch
):
    path = write_fits(
        np.arange(100, dtype=np.float32).reshape(10, 10), name="orig.fits", BUNIT="adu"
    )
    window.files.open_file(str(path))
    apply(qtbot, window, "arithmetic", operator="multiply", value=2.0)
    out = tmp_path / "edited.fits"
    assert window.editing.save_as(str(out))
    header = fits.getheader(out)
    assert any("arithmetic" in h for h in header["HISTORY"]) and header["BUNIT"] == "adu"
    np.testing.assert_array_equal(fits.getdata(out), np.arange(100).reshape(10, 10) * 2.0)
    assert not window.workspace.current.document.dirty
    # Saving over the opened file needs a yes.
    apply(qtbot, window, "flip_x")
    monkeypatch.setattr(dialogs, "confirm", lambda parent, title, text: False)
    assert not window.editing.save_as(str(path))
    np.testing.assert_array_equal(fits.getdata(path), np.arange(100).reshape(10, 10))
    monkeypatch.setattr(dialogs, "confirm", lambda parent, title, text: True)
    assert window.editing.save_as(str(path))
    assert fits.getdata(path)[0, 0] == 18.0


def test_unsaved_edits_are_asked_about(qtbot, window, demo_night, write_fits, monkeypatch):
    window.files.open_file(demo_night.lights[0])
    apply(qtbot, window, "flip_y")
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent, name: "cancel")
    other = write_fits(np.zeros((5, 5), np.float32), name="other.fits")
    assert not window.files.open_file(str(other))
    assert (
        window.workspace.current.document.name == "light_V_001.fits"
        and window.workspace.current.document.dirty
    )
    window.close()
    assert window.isVisible()  # closing was cancelled
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent, name: "discard")
    assert window.files.open_file(str(other))


def test_undo_to_a_dropped_snapshot_recomputes_in_the_background(qtbot, window, write_fits):
    """With no room for snapshots, undo replays the edits in a job shown in the status bar;
    the window stays responsive and the result is the undone state."""
    from skyglass.job_indicator import JobIndicator

    path = write_fits(np.arange(400, dtype=np.float32).reshape(20, 20), name="u.fits")
    window.files.open_file(str(path))
    doc = window.workspace.current.document
    doc.editable()  # start the history
    doc.history.budget = 0  # keep only the original
    apply(qtbot, window, "flip_x")
    apply(qtbot, window, "flip_y")
    assert not doc.history.is_kept(1)
    indicator = window.findChild(JobIndicator)
    seen = []
    window.runner.started.connect(lambda job: seen.append(getattr(job, "in_status_bar", False)))
    window.menus["undo"].trigger()
    assert seen == [True] and window.editing.busy
    qtbot.waitUntil(lambda: not window.editing.busy, timeout=10000)
    assert doc.history.index == 1 and not indicator.isVisible()
    expected = np.arange(400, dtype=np.float32).reshape(20, 20)[:, ::-1]
    np.testing.assert_array_equal(doc.image.data[:, :], expected)


def test_the_form_shows_only_the_chosen_methods_parameters(window, write_fits):
    window.files.open_file(str(write_fits(np.ones((8, 8), np.float32), name="d.fits")))
    panel = window.panels["edit"]
    panel.select("denoise")
    form = panel.form
    assert form.is_shown("method") and form.is_shown("sigma") and not form.is_shown("h")
    form.set_value("method", "nl-means")
    assert form.is_shown("h") and form.is_shown("patch_size") and not form.is_shown("sigma")
    panel.select("deconvolve")
    assert panel.form.is_shown("balance") and not panel.form.is_shown("iterations")
    panel.form.set_value("method", "richardson-lucy")
    assert panel.form.is_shown("iterations") and not panel.form.is_shown("balance")
    assert panel.form.is_shown("fwhm") and not panel.form.is_shown("star")


def test_previews_look_like_the_result(qtbot, window, write_fits):
    """A rotation's thumbnail shows the corners in the NaN colour, as the result will; a
    filter previews the whole view when it fits."""
    from skyglass.viewer.image.canvas import PatchedPlane

    rng = np.random.default_rng(1)
    window.files.open_file(str(write_fits(rng.normal(100, 5, (200, 200)).astype(np.float32))))
    window.image.update_display(nan_color=(0, 200, 0))
    panel = window.panels["edit"]
    panel.select("rotate")
    panel.set_value("angle", 45.0)
    panel.live.setChecked(True)
    qtbot.waitUntil(lambda: getattr(panel, "_thumb", None) is not None, timeout=10000)
    qtbot.waitUntil(lambda: panel.preview_job is None, timeout=10000)
    thumb = panel._thumb
    assert tuple(thumb[0, 0]) == (0, 200, 0) and tuple(thumb[-1, -1]) == (0, 200, 0)
    cy, cx = thumb.shape[0] // 2, thumb.shape[1] // 2
    assert thumb[cy, cx, 0] == thumb[cy, cx, 1] == thumb[cy, cx, 2]  # grey inside
    panel.live.setChecked(False)
    panel.select("denoise")
    panel.live.setChecked(True)
    qtbot.waitUntil(lambda: isinstance(window.canvas._planes[0], PatchedPlane), timeout=10000)
    plane = window.canvas._planes[0]
    assert plane.patch.shape == (200, 200)  # the whole visible image, no strips left
    panel.live.setChecked(False)
