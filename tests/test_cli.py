"""The headless CLI contract: info, render, demo, and errors."""

import json
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from skyglass.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_info_json_keys_and_values(capsys, demo_night):
    light = demo_night.lights[0]
    code, out, err = run(capsys, "info", light, "--json", "--at", "10,20")
    assert code == 0, err
    info = json.loads(out)
    for key in (
        "hdus",
        "shape",
        "dtype",
        "min",
        "max",
        "mean",
        "median",
        "std",
        "nan_count",
        "limits",
        "at",
        "center",
    ):
        assert key in info
    with fits.open(light) as hdul:
        data = hdul[0].data.astype(np.float64)
        header = hdul[0].header
    assert info["shape"] == [256, 256] and info["dtype"] == "uint16"
    assert info["min"] == data.min() and info["max"] == data.max()
    assert info["mean"] == pytest.approx(data.mean())
    assert info["median"] == np.median(data)
    assert info["std"] == pytest.approx(data.std())
    assert info["nan_count"] == 0
    # --at is a FITS 1-based pixel: (10, 20) is numpy [19, 9].
    assert info["at"]["value"] == data[19, 9]
    ra, dec = WCS(header).all_pix2world([[10, 20]], 1)[0]
    assert info["at"]["ra"] == pytest.approx(ra) and info["at"]["dec"] == pytest.approx(dec)
    cra, cdec = WCS(header).all_pix2world([[128.5, 128.5]], 1)[0]
    assert info["center"]["ra"] == pytest.approx(cra)
    assert info["center"]["dec"] == pytest.approx(cdec)


def test_info_text_and_limits_mode(capsys, write_fits):
    path = write_fits(np.arange(100, dtype=np.float32).reshape(10, 10), BUNIT="electron")
    code, out, _ = run(capsys, "info", path, "--limits", "minmax", "--at", "1,1")
    assert code == 0
    assert "limits (minmax): 0 99" in out
    assert "at (1, 1): 0 electron" in out


def test_info_nan_pixels(capsys, write_fits):
    data = np.ones((4, 4), np.float32)
    data[1, 1] = np.nan
    path = write_fits(data)
    code, out, _ = run(capsys, "info", path, "--json", "--at", "2,2")
    info = json.loads(out)
    assert info["nan_count"] == 1 and info["at"]["value"] is None


def test_render_is_ds9_oriented_png(capsys, tmp_path, write_fits):
    data = np.zeros((10, 20), np.float32)
    data[0, 0] = 100.0
    out = tmp_path / "out.png"
    code, _, err = run(capsys, "render", write_fits(data), "-o", out, "--limits", "minmax")
    assert code == 0, err
    png = iio.imread(out)
    assert png.shape == (10, 20, 3)
    assert tuple(png[-1, 0]) == (255, 255, 255) and png[0, 0].sum() == 0


def test_render_options_and_zoom(capsys, tmp_path, demo_night):
    out = tmp_path / "z.png"
    code, _, err = run(
        capsys,
        "render",
        demo_night.lights[0],
        "-o",
        out,
        "--scale",
        "asinh",
        "--limits",
        "99.5",
        "--cmap",
        "viridis",
        "--invert",
        "--zoom",
        "1/2",
    )
    assert code == 0, err
    assert iio.imread(out).shape == (128, 128, 3)


def test_render_colour_png_as_composite(capsys, tmp_path):
    pixels = np.zeros((4, 4, 3), np.uint8)
    pixels[..., 0] = 200
    pixels[0, 0] = (0, 0, 0)
    src = tmp_path / "c.png"
    iio.imwrite(src, pixels)
    out = tmp_path / "r.png"
    assert run(capsys, "render", src, "-o", out)[0] == 0
    rendered = iio.imread(out)
    assert tuple(rendered[1, 1]) == (255, 0, 0) and tuple(rendered[0, 0]) == (0, 0, 0)
    # Annotated, it is the same composite (one writer), not plane 1 in grey.
    annotated = tmp_path / "a.png"
    assert run(capsys, "render", src, "-o", annotated, "--colorbar")[0] == 0
    assert np.array_equal(iio.imread(annotated), rendered)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info", "/no/such/file.fits"], "no such file"),
        (["info", "{bad}"], "not a FITS file"),
        (["info", "{good}", "--hdu", "5"], "does not exist"),
        (["info", "{good}", "--plane", "3"], "plane 3 does not exist"),
        (["info", "{good}", "--at", "0,0"], "outside the image"),
        (["info", "{good}", "--at", "abc"], "X,Y"),
        (["info", "{good}", "--limits", "wide"], "limits"),
        (["render", "{good}", "-o", "{tmp}/x.png", "--cmap", "nope"], "unknown colormap"),
        (["render", "{good}", "-o", "{tmp}/x.png", "--scale", "nope"], "unknown scale"),
        (["render", "{good}", "-o", "{tmp}/x.gif"], ".jpg"),
        (["info"], "required"),
        (["demo", "{tmp}/n", "--size", "10"], "between 64"),
        (["--follow", "{tmp}/not-there"], "no such folder"),
    ],
)
def test_errors_exit_2_with_one_line(capsys, tmp_path, write_fits, argv, message):
    bad = tmp_path / "bad.fits"
    bad.write_bytes(b"not fits at all" * 100)
    good = write_fits(np.zeros((4, 4), np.float32))
    argv = [a.format(bad=bad, good=good, tmp=tmp_path) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skyglass: error: ")
    assert message in lines[0]
    assert "Traceback" not in err


def test_demo_command_writes_a_night(capsys, tmp_path):
    code, out, err = run(capsys, "demo", tmp_path / "night", "--size", "64", "--seed", "3")
    assert code == 0, err
    assert "29 frames" in out
    assert (tmp_path / "night" / "truth" / "stars.ecsv").exists()


def test_console_entry_points_run():
    for cmd in ([sys.executable, "-m", "skyglass", "info", "--help"],):
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0 and "--limits" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "skyglass", "info", "/nope.fits"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "skyglass: error: /nope.fits: no such file."


def test_window_options_parse():
    from skyglass.cli.window import window_parser

    args = window_parser().parse_intermixed_args(
        ["a.fits", "--follow", "/data/tonight", "b.fits", "--samp"]
    )
    assert args.files == ["a.fits", "b.fits"] and args.follow == "/data/tonight" and args.samp
    args = window_parser().parse_intermixed_args([])
    assert args.files == [] and args.follow is None and not args.samp


def test_a_message_of_several_lines_is_printed_on_one(capsys, monkeypatch):
    """wcslib's messages span several lines, with file and line numbers (issue 18)."""
    from skyglass.cli import entry
    from skyglass.processing.errors import SkyglassError

    def fail(argv):
        raise SkyglassError("ERROR 3 in wcsset():\n  Linear transformation\n  matrix is singular.")

    monkeypatch.setattr(entry, "dispatch", fail)
    assert entry.main(["info", "x.fits"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert (
        err == "skyglass: error: ERROR 3 in wcsset(): Linear transformation matrix is singular.\n"
    )
