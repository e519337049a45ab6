"""Nothing lost when saving: every HDU, plane and card the user did not change is written
back, from the window (File > Save As) and from ``skyglass replay``."""

import json

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
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
    qtbot, window, four_hdus, tmp_path, monkeypatch
):
    window.files.open_file(str(four_hdus), hdu="SCI")
    apply(qtbot, window, "crop", box=[1, 1, 10, 10])
    out = tmp_path / "cropped.fits"
    monkeypatch.setattr(dialogs, "ask_cube_shape", lambda parent, why: "cancel")
    assert not window.editing.save_as(str(out))
    assert not out.exists() and window.workspace.current.document.dirty
    monkeypatch.setattr(dialogs, "ask_cube_shape", lambda parent, why: "all")
    window.editing.save_as(str(out))
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
