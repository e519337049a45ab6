"""Formats from the name, honestly: one output table for render, exports and replay."""

import numpy as np
import pytest
from astropy.io import fits
from PySide6 import QtWidgets

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.writers import output_format, raster_samples, suffixes, write_data

MAGIC = {"PNG": b"\x89PNG", "JPEG": b"\xff\xd8\xff", "TIFF": (b"II*\x00", b"MM\x00*")}


def kind_of(path) -> str:
    head = path.read_bytes()[:4]
    for name, magic in MAGIC.items():
        if head.startswith(magic if isinstance(magic, tuple) else (magic,)):
            return name
    if head == b"SIMP":
        return "FITS"
    return "unknown"


@pytest.mark.parametrize("name, kind", [("x.png", "PNG"), ("x.jpg", "JPEG"), ("x.tif", "TIFF")])
def test_render_writes_what_the_name_says(demo_night, tmp_path, skyglass_cli, name, kind):
    out = tmp_path / name
    run = skyglass_cli("render", demo_night.lights[0], "-o", out, "--limits", "zscale", "--stars")
    assert run.returncode == 0, run.stderr
    assert kind_of(out) == kind


def test_render_refuses_an_unknown_suffix_before_any_work(demo_night, tmp_path, skyglass_cli):
    out = tmp_path / "x.gif"
    run = skyglass_cli("render", demo_night.lights[0], "-o", out)
    assert run.returncode == 2 and run.stderr.startswith("skyglass: error:")
    assert ".jpg" in run.stderr and not out.exists()
    run = skyglass_cli("render", demo_night.lights[0], "-o", tmp_path / "q.jpg", "--quality", "0")
    assert run.returncode == 2 and "quality" in run.stderr


def test_jpeg_quality_changes_the_bytes(demo_night, tmp_path, skyglass_cli):
    low, high = tmp_path / "low.jpg", tmp_path / "high.jpg"
    for path, q in ((low, "20"), (high, "98")):
        run = skyglass_cli("render", demo_night.lights[0], "-o", path, "--quality", q)
        assert run.returncode == 0, run.stderr
    assert low.stat().st_size < high.stat().st_size


def test_data_writers_keep_the_values(tmp_path):
    import imageio.v3 as iio

    data = np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5 - 2
    data[0, 0] = np.nan
    write_data(tmp_path / "d.tif", data, 32)
    back = iio.imread(tmp_path / "d.tif")
    assert back.dtype == np.float32
    np.testing.assert_array_equal(np.flipud(back), data)  # top row first, as shown
    counts = np.arange(12, dtype=np.float32).reshape(3, 4) * 1000
    write_data(tmp_path / "c.png", counts, 16)
    np.testing.assert_array_equal(np.flipud(iio.imread(tmp_path / "c.png")), counts)
    scaled = raster_samples(data, 16)
    assert scaled.dtype == np.uint16 and scaled.max() == 65535 and scaled[-1, 0] == 0
    write_data(tmp_path / "d.fits", data)
    np.testing.assert_array_equal(fits.getdata(tmp_path / "d.fits"), data)
    with pytest.raises(SkyglassError, match="16-bit"):
        write_data(tmp_path / "e.png", data, 32)
    with pytest.raises(SkyglassError, match="use one of"):
        write_data(tmp_path / "e.jpg", data)
    assert not (tmp_path / "e.png").exists() and not (tmp_path / "e.jpg").exists()


def test_the_table_says_what_each_format_holds():
    assert (
        output_format("a.JPG").name == "JPEG" and output_format("a.fits.gz", "data").name == "FITS"
    )
    assert ".jpg" in suffixes("view") and ".jpg" not in suffixes("data")
    with pytest.raises(SkyglassError):
        output_format("a.fits", "view")


def save_dialog(monkeypatch, path):
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *a, **k: (str(path), "")),
    )


def test_window_exports_by_name(window, demo_night, tmp_path, monkeypatch):
    from skyglass import dialogs

    window.files.open_file(demo_night.lights[0])
    monkeypatch.setattr(dialogs, "confirm", lambda *a: False)
    for name, kind in (("view.jpg", "JPEG"), ("view.tif", "TIFF")):
        save_dialog(monkeypatch, tmp_path / name)
        window.menus["export_png"].trigger()
        assert kind_of(tmp_path / name) == kind
    save_dialog(monkeypatch, tmp_path / "data.tif")
    window.menus["export_data"].trigger()
    import imageio.v3 as iio

    back = iio.imread(tmp_path / "data.tif")
    shown = window.workspace.current.document.pixels()
    assert back.dtype == np.float32
    np.testing.assert_array_equal(np.flipud(back), shown)
    errors = []
    monkeypatch.setattr(window.editing, "show_error", errors.append)
    save_dialog(monkeypatch, tmp_path / "view.gif")
    window.menus["export_png"].trigger()
    assert errors and "use one of" in errors[-1] and not (tmp_path / "view.gif").exists()
