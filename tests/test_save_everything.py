"""Nothing lost when saving: every HDU, plane and card the user did not change is written
back, from the window (File > Save As) and from ``skyglass replay``."""

import json

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from PySide6 import QtCore
from test_edit_gui import apply

from skyglass import dialogs
from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.frame import Frame
from skyglass.processing.io.save import ShapeChangedError, save_edited


@pytest.fixture
def four_hdus(tmp_path):
    """An empty primary with cards, a 3-plane int16 cube with BZERO and a WCS, an ERR
    image and a table: the layout of many pipeline products."""
    primary = fits.PrimaryHDU()
    primary.header["TELESCOP"] = "Skyglass test"
    primary.header["OBSERVER"] = ("A. Student", "who took it")
    rng = np.random.default_rng(3)
    raw = rng.integers(-2000, 2000, size=(3, 20, 30)).astype(np.int16)
    cube = fits.ImageHDU(raw, name="SCI")
    cube.header["BZERO"] = 32768
    cube.header["BSCALE"] = 1
    for key, value in {
        "CTYPE1": "RA---TAN",
        "CTYPE2": "DEC--TAN",
        "CRPIX1": 15.0,
        "CRPIX2": 10.0,
        "CRVAL1": 150.0,
        "CRVAL2": 2.0,
        "CDELT1": -1e-4,
        "CDELT2": 1e-4,
        "BUNIT": "adu",
    }.items():
        cube.header[key] = value
    err = fits.ImageHDU(rng.random((20, 30)).astype(np.float32), name="ERR")
    table = fits.BinTableHDU(Table({"id": [1, 2], "flux": [3.5, 4.5]}), name="CAT")
    path = tmp_path / "product.fits"
    fits.HDUList([primary, cube, err, table]).writeto(path)
    return path


def check_kept(original, saved, edited_plane):
    """Everything but ``edited_plane`` of SCI is what the original holds."""
    with fits.open(original) as a, fits.open(saved) as b:
        assert [h.name for h in b] == ["PRIMARY", "SCI", "ERR", "CAT"]
        assert b[0].header["TELESCOP"] == "Skyglass test"
        assert b[0].header.comments["OBSERVER"] == "who took it"
        assert b["SCI"].data.shape == (3, 20, 30)
        for p in range(3):
            if p != edited_plane:
                np.testing.assert_array_equal(b["SCI"].data[p], a["SCI"].data[p])
        assert b["SCI"].header["CTYPE1"] == "RA---TAN" and b["SCI"].header["BUNIT"] == "adu"
        np.testing.assert_array_equal(b["ERR"].data, a["ERR"].data)
        assert Table.read(b["CAT"]).as_array().tolist() == Table.read(a["CAT"]).as_array().tolist()
        return np.array(b["SCI"].data[edited_plane]), np.array(a["SCI"].data[edited_plane])


def test_window_save_as_keeps_every_hdu_and_plane(qtbot, window, four_hdus, tmp_path, monkeypatch):
    window.files.open_file(str(four_hdus), hdu="SCI")
    window.toolbar.plane_spin.setValue(2)
    assert window.workspace.current.document.image.plane_index == 1
    apply(qtbot, window, "arithmetic", operator="add", value=10.0)
    out = tmp_path / "saved.fits"
    from PySide6 import QtWidgets

    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *a, **k: (str(out), "FITS (*.fits)")),
    )
    window.menus["save_as"].trigger()
    edited, before = check_kept(four_hdus, out, edited_plane=1)
    np.testing.assert_allclose(edited, before + 10.0)
    assert any("arithmetic" in h for h in fits.getheader(out, "SCI")["HISTORY"])
    assert not window.workspace.current.document.dirty
    assert "kept" in window.statusBar().currentMessage()


def test_window_asks_when_an_edit_changes_the_plane_shape(
    qtbot, window, four_hdus, tmp_path, monkeypatch, save_through
):
    window.files.open_file(str(four_hdus), hdu="SCI")
    apply(qtbot, window, "crop", box=[1, 1, 10, 10])
    out = tmp_path / "cropped.fits"
    monkeypatch.setattr(dialogs, "ask_cube_shape", lambda parent, why: "cancel")
    save_through("save_as", out)
    assert not out.exists() and window.workspace.current.document.dirty
    monkeypatch.setattr(dialogs, "ask_cube_shape", lambda parent, why: "all")
    save_through("save_as", out)
    qtbot.waitUntil(lambda: not window.workspace.current.document.dirty, timeout=30000)
    with fits.open(out) as hdul, fits.open(four_hdus) as orig:
        assert hdul["SCI"].data.shape == (3, 10, 10)
        np.testing.assert_allclose(hdul["SCI"].data, orig["SCI"].data[:, :10, :10])
        np.testing.assert_array_equal(hdul["ERR"].data, orig["ERR"].data)


def recipe_file(tmp_path, steps, hdu="SCI", plane=1):
    path = tmp_path / "recipe.json"
    path.write_text(
        json.dumps(
            {
                "format": "skyglass-recipe",
                "version": 2,
                "hdu": hdu,
                "plane": plane,
                "steps": steps,
            }
        )
    )
    return path


def test_replay_keeps_every_hdu_and_plane(four_hdus, tmp_path, skyglass_cli):
    recipe = recipe_file(
        tmp_path, [{"op": "arithmetic", "params": {"operator": "multiply", "value": 2.0}}]
    )
    out = tmp_path / "replayed.fits"
    run = skyglass_cli("replay", recipe, four_hdus, "-o", out)
    assert run.returncode == 0, run.stderr
    assert "kept as it was" in run.stdout and "plane 2 of 3 replaced" in run.stdout
    edited, before = check_kept(four_hdus, out, edited_plane=1)
    np.testing.assert_allclose(edited, before * 2.0)


def test_replay_of_a_shape_change_needs_a_choice(four_hdus, tmp_path, skyglass_cli):
    recipe = recipe_file(tmp_path, [{"op": "crop", "params": {"box": [1, 1, 10, 10]}}])
    out = tmp_path / "o.fits"
    run = skyglass_cli("replay", recipe, four_hdus, "-o", out)
    assert run.returncode == 2 and "skyglass: error:" in run.stderr
    assert "--all-planes" in run.stderr and not out.exists()
    run = skyglass_cli("replay", recipe, four_hdus, "-o", out, "--all-planes")
    assert run.returncode == 0, run.stderr
    assert fits.getdata(out, "SCI").shape == (3, 10, 10)
    run = skyglass_cli("replay", recipe, four_hdus, "-o", tmp_path / "p.fits", "--plane-only")
    assert run.returncode == 0, run.stderr
    with fits.open(tmp_path / "p.fits") as hdul:
        assert len(hdul) == 1 and hdul[0].data.shape == (10, 10)


def test_save_edited_refuses_a_missing_hdu_and_an_unreadable_source(four_hdus, tmp_path):
    frame = Frame(np.zeros((20, 30), np.float32), fits.Header())
    with pytest.raises(SkyglassError, match="no HDU 9"):
        save_edited(four_hdus, 9, 0, frame, tmp_path / "x.fits")
    bad = tmp_path / "bad.fits"
    bad.write_bytes(b"not a fits file at all")
    with pytest.raises(SkyglassError):
        save_edited(bad, 0, 0, frame, tmp_path / "y.fits")
    small = Frame(np.zeros((5, 5), np.float32), fits.Header())
    with pytest.raises(ShapeChangedError):
        save_edited(four_hdus, 1, 0, small, tmp_path / "z.fits")
    assert not (tmp_path / "x.fits").exists() and not (tmp_path / "z.fits").exists()


def test_every_fits_write_carries_date_and_checksums(four_hdus, tmp_path, skyglass_cli):
    recipe = recipe_file(tmp_path, [{"op": "flip_x", "params": {}}])
    out = tmp_path / "stamped.fits"
    assert skyglass_cli("replay", recipe, four_hdus, "-o", out).returncode == 0
    with fits.open(out, checksum=True) as hdul:  # astropy warns on a wrong checksum
        assert hdul[0].header["DATE"].startswith("20")
        for hdu in hdul:
            assert "CHECKSUM" in hdu.header and "DATASUM" in hdu.header
            assert hdu._checksum_valid and hdu._datasum_valid


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("f.fits", ("f.fits", None, None)),
        ("f.fits[1]", ("f.fits", 1, None)),
        ("f.fits[SCI]", ("f.fits", "SCI", None)),
        ("f.fits[SCI,3]", ("f.fits", "SCI", 2)),
        ("f.fits[ 2 , 1 ]", ("f.fits", 2, 0)),
    ],
)
def test_file_specs(spec, expected):
    from skyglass.processing.io.filespec import split_file_spec

    assert split_file_spec(spec) == expected


def test_hdu_and_plane_in_the_file_name_everywhere(four_hdus, window, skyglass_cli):
    run = skyglass_cli("info", f"{four_hdus}[ERR]")
    assert run.returncode == 0, run.stderr
    assert "30 x 20" in run.stdout.replace("×", "x")
    from skyglass.processing.io.reader import open_image

    image = open_image(f"{four_hdus}[SCI,3]")
    assert image.hdu_index == 1 and image.plane_index == 2
    image.close()
    assert window.files.open_file(f"{four_hdus}[SCI,2]")
    doc = window.workspace.current.document
    assert doc.image.hdu_index == 1 and doc.image.plane_index == 1
    run = skyglass_cli("info", f"{four_hdus}[NOPE]")
    assert run.returncode == 2 and "NOPE" in run.stderr


def test_header_command_changes_only_the_cards_named(four_hdus, tmp_path, skyglass_cli):
    out = tmp_path / "renamed.fits"
    fits.setval(four_hdus, "FILTER", value="V", ext=1)
    run = skyglass_cli(
        "header",
        f"{four_hdus}[SCI]",
        "--set",
        "OBJECT=M 13",
        "--set",
        "OBSERVER=Ann/comment",
        "--set",
        "AIRMASS=1.25",
        "--set",
        "DITHERED=T",
        "--delete",
        "FILTER",
        "-o",
        out,
    )
    assert run.returncode == 0, run.stderr
    assert "deleted FILTER" in run.stdout
    stamped = ("DATE", "CHECKSUM", "DATASUM")
    with (
        fits.open(four_hdus, do_not_scale_image_data=True) as a,
        fits.open(out, do_not_scale_image_data=True) as b,
    ):
        h = b["SCI"].header
        assert h["OBJECT"] == "M 13" and h["OBSERVER"] == "Ann"
        assert h.comments["OBSERVER"] == "comment"
        assert h["AIRMASS"] == 1.25 and h["DITHERED"] is True and "FILTER" not in h
        before = {k: v for k, v in a["SCI"].header.items() if k not in stamped}
        after = {k: v for k, v in h.items() if k not in stamped}
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed == {"OBJECT", "OBSERVER", "AIRMASS", "DITHERED", "FILTER"}
        assert b["SCI"].data.dtype == a["SCI"].data.dtype == np.dtype(">i2")
        np.testing.assert_array_equal(b["SCI"].data, a["SCI"].data)
        assert h["BZERO"] == 32768 and h["BITPIX"] == 16
        np.testing.assert_array_equal(b["ERR"].data, a["ERR"].data)


def test_header_command_prints_refuses_and_edits_in_place(four_hdus, tmp_path, skyglass_cli):
    run = skyglass_cli("header", four_hdus, "--hdu", "SCI")
    assert run.returncode == 0 and "CTYPE1  = 'RA---TAN'" in run.stdout
    original = four_hdus.read_bytes()
    for args, message in [
        (["--set", "OBJECT=x"], "refusing to write"),
        (["--set", "NAXIS1=5", "--in-place"], "structure"),
        (["--set", "BITPIX=8", "--in-place"], "structure"),
        (["--set", "TOO_LONG_KEY=1", "--in-place"], "not a FITS keyword"),
        (["--delete", "NOSUCH", "--in-place"], "no such keyword"),
        (["--set", "OBJECT=x", "-o", tmp_path / "x.png"], "must be one of"),
    ]:
        run = skyglass_cli("header", four_hdus, *args)
        assert run.returncode == 2 and message in run.stderr, (args, run.stderr)
        assert run.stderr.startswith("skyglass: error:")
    assert four_hdus.read_bytes() == original and not (tmp_path / "x.png").exists()
    run = skyglass_cli("header", four_hdus, "--set", "OBJECT='NGC 1/2'", "--in-place")
    assert run.returncode == 0, run.stderr
    assert fits.getval(four_hdus, "OBJECT") == "NGC 1/2"
    assert (tmp_path / "product.fits.bak").read_bytes() == original
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".skyglass-")] == []


def test_replay_refuses_a_suffix_it_cannot_honour(four_hdus, tmp_path, skyglass_cli):
    recipe = recipe_file(tmp_path, [{"op": "flip_x", "params": {}}])
    run = skyglass_cli("replay", recipe, four_hdus, "-o", tmp_path / "out.png")
    assert run.returncode == 2 and "must be one of" in run.stderr
    assert not (tmp_path / "out.png").exists()


@pytest.fixture
def ccd_file(tmp_path):
    """A file as astropy's CCDData writes it: data, BUNIT, MASK and UNCERT extensions."""
    from astropy.nddata import CCDData, StdDevUncertainty

    rng = np.random.default_rng(5)
    data = rng.normal(100, 5, (24, 32)).astype(np.float32)
    sigma = np.sqrt(data)
    mask = np.zeros(data.shape, bool)
    mask[3, 4] = True
    ccd = CCDData(data, unit="adu", uncertainty=StdDevUncertainty(sigma), mask=mask)
    path = tmp_path / "ccd.fits"
    ccd.write(path)
    return path, data, sigma, mask


def test_ccddata_uncertainty_and_mask_survive_a_window_edit(
    qtbot, window, ccd_file, tmp_path, save_through
):
    from astropy.nddata import CCDData

    path, data, sigma, mask = ccd_file
    window.files.open_file(str(path))
    apply(qtbot, window, "flip_x")
    apply(qtbot, window, "arithmetic", operator="multiply", value=3.0)
    out = tmp_path / "edited.fits"
    save_through("save_as", out)
    back = CCDData.read(out)
    np.testing.assert_allclose(back.data, data[:, ::-1] * 3.0, rtol=1e-6)
    np.testing.assert_allclose(back.uncertainty.array, sigma[:, ::-1] * 3.0, rtol=1e-6)
    np.testing.assert_array_equal(back.mask, mask[:, ::-1])


def test_uncertainty_resampled_or_dropped_with_a_reason(ccd_file, tmp_path, skyglass_cli):
    from astropy.nddata import CCDData

    path, data, sigma, mask = ccd_file
    recipe = recipe_file(
        tmp_path,
        [{"op": "rotate", "params": {"angle": 90.0, "interpolation": "bilinear"}}],
        hdu=None,
        plane=0,
    )
    out = tmp_path / "rotated.fits"
    run = skyglass_cli("replay", recipe, path, "-o", out)
    assert run.returncode == 0, run.stderr
    back = CCDData.read(out)
    assert back.uncertainty is not None and back.mask is not None
    finite = np.isfinite(back.uncertainty.array)
    # A quarter turn by the general rotation: the variance is moved, not smeared.
    np.testing.assert_allclose(
        np.nanmedian(back.uncertainty.array[finite]), np.median(sigma), rtol=0.05
    )
    assert back.mask.sum() >= 1
    recipe = recipe_file(tmp_path, [{"op": "filter", "params": {}}], hdu=None, plane=0)
    out = tmp_path / "filtered.fits"
    run = skyglass_cli("replay", recipe, path, "-o", out)
    assert run.returncode == 0, run.stderr
    assert "UNCERT: dropped" in run.stdout
    with fits.open(out) as hdul:
        assert "UNCERT" not in [h.name for h in hdul]
        assert any("uncertainty dropped" in h for h in hdul[0].header["HISTORY"])


def test_header_window_edits_are_undoable_and_keep_integer_data(
    qtbot, window, four_hdus, tmp_path, save_through
):
    window.files.open_file(str(four_hdus), hdu="SCI")
    window.menus["header"].trigger()
    dialog = window.files.header_dialog
    assert dialog.hdu.currentIndex() == 1 and dialog.editor.isEnabled()
    dialog.keyword.setText("object")
    dialog.value.setText("M 13")
    dialog.comment.setText("the target")
    dialog.buttons["set"].click()
    assert "OBJECT  = 'M 13" in dialog.text.toPlainText()
    assert window.workspace.current.document.dirty
    dialog.keyword.setText("NAXIS1")
    dialog.value.setText("5")
    assert not dialog.apply_edit("set") and "structure" in dialog.status.text()
    dialog.keyword.setText("BUNIT")
    dialog.buttons["delete"].click()
    dialog.value.setText("checked by eye")
    dialog.buttons["history"].click()
    dialog.keyword.setText("EXPTIME")
    dialog.value.setText("30")
    qtbot.keyClick(dialog.value, QtCore.Qt.Key.Key_Return)
    header = window.workspace.current.document.image.header
    assert "EXPTIME" in header, dialog.status.text()
    assert header["EXPTIME"] == 30 and isinstance(header["EXPTIME"], int)
    assert "BUNIT" not in header and "checked by eye" in str(header["HISTORY"])
    window.editing.undo()  # the EXPTIME card
    assert "EXPTIME" not in window.workspace.current.document.image.header
    assert "EXPTIME" not in dialog.text.toPlainText()
    dialog.hdu.setCurrentIndex(2)
    assert not dialog.editor.isEnabled()  # only the image shown is edited
    out = tmp_path / "header-only.fits"
    save_through("save_as", out)
    with (
        fits.open(four_hdus, do_not_scale_image_data=True) as a,
        fits.open(out, do_not_scale_image_data=True) as b,
    ):
        assert b["SCI"].header["OBJECT"] == "M 13" and "BUNIT" not in b["SCI"].header
        assert b["SCI"].header.comments["OBJECT"] == "the target"
        assert b["SCI"].data.dtype == a["SCI"].data.dtype and b["SCI"].header["BZERO"] == 32768
        np.testing.assert_array_equal(b["SCI"].data, a["SCI"].data)
    # A header edit replays from a recipe like any other step.
    recipe = tmp_path / "r.json"
    save_through("export_recipe", recipe)
    assert '"header"' in recipe.read_text()


def test_kept_hdus_keep_their_scaling(tmp_path, skyglass_cli):
    """An unsigned 16-bit camera image (BZERO 32768) in another HDU is written back with
    the same stored numbers."""
    camera = np.arange(0, 60000, 100, dtype=np.uint16).reshape(20, 30)
    edited = np.ones((10, 10), np.float32)
    path = tmp_path / "two.fits"
    fits.HDUList([fits.PrimaryHDU(edited), fits.ImageHDU(camera, name="RAW")]).writeto(path)
    recipe = recipe_file(tmp_path, [{"op": "flip_x", "params": {}}], hdu=0, plane=0)
    out = tmp_path / "o.fits"
    assert skyglass_cli("replay", recipe, path, "-o", out).returncode == 0
    back = fits.getdata(out, "RAW")
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, camera)


def test_a_header_only_replay_keeps_scaled_integers(tmp_path, skyglass_cli):
    raw = np.arange(-50, 50, dtype=np.int16).reshape(10, 10)
    hdu = fits.PrimaryHDU(raw)
    hdu.header.update(BZERO=10.0, BSCALE=0.5, BLANK=-50)
    path = tmp_path / "scaled.fits"
    hdu.writeto(path)
    card = {"action": "set", "keyword": "OBJECT", "value": "NGC 1", "comment": None}
    recipe = recipe_file(tmp_path, [{"op": "header", "params": {"cards": [card]}}], hdu=0, plane=0)
    out = tmp_path / "o.fits"
    run = skyglass_cli("replay", recipe, path, "-o", out)
    assert run.returncode == 0, run.stderr
    assert "data kept as they were" in run.stdout
    with fits.open(out, do_not_scale_image_data=True) as hdul:
        h = hdul[0].header
        assert (h["BITPIX"], h["BZERO"], h["BSCALE"], h["BLANK"]) == (16, 10.0, 0.5, -50)
        np.testing.assert_array_equal(hdul[0].data, raw)
        assert h["OBJECT"] == "NGC 1"


def test_calibrate_uncertainty_matches_ccdproc(demo_night, tmp_path, skyglass_cli):
    import astropy.units as u
    import ccdproc
    from astropy.nddata import CCDData

    light = demo_night.lights[0]  # a V light; the header has GAIN and RDNOISE
    flats = [f for f in demo_night.flats if fits.getval(f, "FILTER") == "V"]
    out = tmp_path / "cal"
    run = skyglass_cli(
        "calibrate",
        "--bias",
        *demo_night.biases,
        "--dark",
        *demo_night.darks,
        "--flat",
        *flats,
        "--uncertainty",
        "-o",
        out,
        light,
    )
    assert run.returncode == 0, run.stderr
    calibrated = sorted(out.glob("light_V_001*.fits"))[0]
    ours = CCDData.read(calibrated, unit="adu")
    assert ours.uncertainty is not None
    # ccdproc on the same raw light with our masters: deviation of the bias-subtracted
    # frame, then the dark and the flat (masters carry no uncertainty of their own).
    header = fits.getheader(light)
    gain, readnoise = header["GAIN"] * u.electron / u.adu, header["RDNOISE"] * u.electron
    bias = CCDData.read(next(out.glob("master_bias*.fits")), unit="adu")
    texp = header["EXPTIME"]
    history = " ".join(fits.getheader(calibrated)["HISTORY"])
    dark_path = next(p for p in out.glob("master_dark*.fits") if p.name in history)
    assert texp == 60.0 and dark_path.name == "master_dark_120s.fits"
    dark = CCDData.read(dark_path, unit="adu")
    flat = CCDData.read(next(out.glob("master_flat*V*.fits")), unit="adu")
    raw = CCDData.read(light, unit="adu")
    step = ccdproc.subtract_bias(raw, bias)
    step = ccdproc.create_deviation(step, gain=gain, readnoise=readnoise, disregard_nan=False)
    step = ccdproc.subtract_dark(step, dark, exposure_time="EXPTIME", exposure_unit=u.s, scale=True)
    step = ccdproc.flat_correct(step, flat, norm_value=1)
    np.testing.assert_allclose(ours.data, step.data, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours.uncertainty.array, step.uncertainty.array, rtol=1e-4)
    run = skyglass_cli(
        "calibrate",
        "--bias",
        *demo_night.biases,
        "--uncertainty",
        "--gain",
        "-1",
        "-o",
        tmp_path / "bad",
        light,
    )
    assert run.returncode == 2 and "gain" in run.stderr


def test_every_plane_from_the_start_in_the_window_and_replay(
    qtbot, window, four_hdus, tmp_path, save_through
):
    from skyglass.cli import main

    window.files.open_file(str(four_hdus), hdu="SCI")
    window.menus["edit_panel"].trigger()
    panel = window.panels["edit"]
    assert panel.every_plane.isEnabled()
    panel.every_plane.click()
    assert window.workspace.current.document.all_planes
    apply(qtbot, window, "crop", box=[2, 3, 11, 12])
    assert not panel.every_plane.isEnabled() or panel.every_plane.isChecked()
    panel.every_plane.click()  # refused once edits exist
    assert window.workspace.current.document.all_planes and "undo" in panel.status.text()
    window.toolbar.plane_spin.setValue(3)  # the view moves through the edited cube
    assert window.workspace.current.document.image.plane_index == 2
    out = tmp_path / "cropped-cube.fits"
    save_through("save_as", out)
    with fits.open(out) as hdul, fits.open(four_hdus) as orig:
        assert hdul["SCI"].data.shape == (3, 10, 10)
        np.testing.assert_allclose(hdul["SCI"].data, orig["SCI"].data[:, 2:12, 1:11])
        np.testing.assert_array_equal(hdul["ERR"].data, orig["ERR"].data)
    recipe = tmp_path / "cube.json"
    save_through("export_recipe", recipe)
    assert '"plane": "all"' in recipe.read_text()
    replayed = tmp_path / "replayed.fits"
    assert main(["replay", str(recipe), str(four_hdus), "-o", str(replayed)]) == 0
    np.testing.assert_array_equal(fits.getdata(replayed, "SCI"), fits.getdata(out, "SCI"))


def test_a_nearly_constant_plane_opens(window, write_fits):
    """Found on a cropped cube: a plane of 100 +- 1e-5 broke the Scale panel's histogram."""
    data = (100 + np.random.default_rng(0).random((20, 20)) * 1e-5).astype(np.float32)
    assert window.files.open_file(str(write_fits(data, name="flat.fits")))
    assert window.scale_panel.histogram is not None


def test_a_crop_shows_the_whole_cropped_image(qtbot, window, demo_night):
    """The view of the uncropped image was restored over the crop (the image sat small in
    a corner): the shape change was checked after the new image replaced the old."""
    window.files.open_file(demo_night.lights[0])
    apply(qtbot, window, "crop", box=[11, 21, 110, 70])
    r0, r1, c0, c1 = window.canvas.visible_box()
    assert (r0, r1, c0, c1) == (0, 50, 0, 100)
    rect = window.canvas.vb.viewRect()
    assert abs(rect.center().x() - 50) < 1 and abs(rect.center().y() - 25) < 1


def test_save_as_writes_what_the_name_says(qtbot, window, demo_night, tmp_path, save_through):
    window.files.open_file(demo_night.lights[0])
    apply(qtbot, window, "flip_y")
    shown = window.workspace.current.document.image.data[:, :].copy()
    errors = []
    window.editing.show_error = errors.append
    save_through("save_as", tmp_path / "edited.png")
    assert errors and "Export" in errors[0] and not (tmp_path / "edited.png").exists()
    for name in ("edited.fz", "edited.fits.gz"):
        save_through("save_as", tmp_path / name)
        head = (tmp_path / name).read_bytes()[:6]
        with fits.open(tmp_path / name) as hdul:
            image = next(h for h in hdul if h.data is not None)
            np.testing.assert_array_equal(image.data, shown)
            compressed = any(isinstance(h, fits.CompImageHDU) for h in hdul)
        assert compressed if name.endswith(".fz") else head[:2] == b"\x1f\x8b"  # gzip


def odd_header_file(path):
    """A file astropy reads but will not write: a TAB in a string, a keyword with a space."""
    fits.PrimaryHDU(np.arange(16, dtype=np.float32).reshape(4, 4)).writeto(path)
    raw = bytearray(path.read_bytes())
    end = raw.find(b"END" + b" " * 77)
    for k, card in enumerate([b"OBJECT  = 'M\t13'", b"BAD KEY = 5", b"END"]):
        raw[end + 80 * k : end + 80 * (k + 1)] = card.ljust(80)
    path.write_bytes(bytes(raw))
    return path


def test_edits_of_a_file_with_odd_cards_can_be_saved(
    qtbot, window, tmp_path, skyglass_cli, save_through
):
    source = odd_header_file(tmp_path / "odd.fits")
    window.files.open_file(str(source))
    apply(qtbot, window, "flip_x")
    out = tmp_path / "saved.fits"
    save_through("save_as", out)
    header = fits.getheader(out)
    assert header["OBJECT"] == "M 13" and "BAD KEY" not in header
    history = " ".join(header["HISTORY"])
    assert "non-printable" in history and "dropped" in history
    np.testing.assert_array_equal(fits.getdata(out), np.arange(16).reshape(4, 4)[:, ::-1])
    recipe = recipe_file(tmp_path, [{"op": "flip_y", "params": {}}], hdu=0, plane=0)
    run = skyglass_cli("replay", recipe, source, "-o", tmp_path / "r.fits")
    assert run.returncode == 0, run.stderr
    assert "dropped" in run.stderr  # the user is told what was fixed


def test_edits_of_a_file_deleted_meanwhile_are_still_saved(qtbot, window, tmp_path, save_through):
    path = tmp_path / "gone.fits"
    fits.PrimaryHDU(np.arange(12, dtype=np.float32).reshape(3, 4)).writeto(path)
    window.files.open_file(str(path))
    apply(qtbot, window, "flip_x")
    path.unlink()
    out = tmp_path / "kept.fits"
    save_through("save_as", out)
    np.testing.assert_array_equal(fits.getdata(out), np.arange(12).reshape(3, 4)[:, ::-1])
    assert "gone" in window.statusBar().currentMessage()
    assert not window.workspace.current.document.dirty


def test_an_edited_compressed_hdu_stays_compressed(tmp_path, skyglass_cli):
    """A tile-compressed image (RICE, int16) edited and saved is compressed again -
    losslessly, the edited float values exactly - instead of written out uncompressed."""
    rng = np.random.default_rng(3)
    camera = rng.integers(0, 3000, (64, 80)).astype(np.int16)
    path = tmp_path / "camera.fits"
    fits.HDUList(
        [fits.PrimaryHDU(), fits.CompImageHDU(camera, name="SCI", compression_type="RICE_1")]
    ).writeto(path)
    steps = [
        {"op": "flip_x", "params": {}},
        {"op": "arithmetic", "params": {"operator": "multiply", "value": 0.37}},
    ]
    recipe = recipe_file(tmp_path, steps, hdu=1, plane=0)
    out = tmp_path / "edited.fits"
    run = skyglass_cli("replay", recipe, path, "-o", out)
    assert run.returncode == 0, run.stderr
    assert "tile-compressed again" in run.stdout
    with fits.open(out) as hdul:
        assert isinstance(hdul[1], fits.CompImageHDU) and hdul[1].name == "SCI"
        expected = camera[:, ::-1].astype(np.float32) * np.float32(0.37)
        np.testing.assert_array_equal(hdul[1].data, expected)
