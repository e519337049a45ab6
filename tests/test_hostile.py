"""Issue 18's probe, kept: odd and damaged files, malformed recipes and region files run
through the installed ``skyglass`` command (and the window), each with a deadline and a
memory measurement; every outcome must be clean.

A clean outcome: exit status 0, or 2 with one ``skyglass: error: ...`` line that is not an
"internal error"; no traceback or Python warning; no run over the deadline or 2 GB.
CI runs a sample of the generated mutations; ``pytest --hostile-full`` runs them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hostile_corpus as corpus
import numpy as np
import pytest
from astropy.io import fits
from conftest import installed_command

DRIVER = Path(__file__).with_name("hostile_driver.py")
DEADLINE = 60.0
MEMORY = 2 * 2**30


def run_driver(jobs: list[list[str]], tmp_path: Path, env: dict | None = None) -> list[dict]:
    """Run ``jobs`` (argv lists) through the installed command's entry point, in one
    subprocess of the installed interpreter."""
    spec = tmp_path / "jobs.json"
    spec.write_text(json.dumps(jobs))
    environ = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    run = subprocess.run(
        [sys.executable, str(DRIVER), str(spec), str(DEADLINE)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=600,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]


def problems(results: list[dict]) -> list[str]:
    """What is not clean about each run."""
    found = []
    for r in results:
        what = " ".join(Path(a).name if "/" in a else a for a in r["argv"][:2])
        err = r["stderr"]
        if r["outcome"] != "done":
            found.append(f"{what}: {r['outcome']}")
        elif r["code"] not in (0, 2):
            found.append(f"{what}: exit status {r['code']}")
        elif "internal error" in err or "Traceback" in err or "Warning:" in err:
            found.append(f"{what}: {err.strip()[:300]}")
        elif r["code"] == 2 and not [ln for ln in err.splitlines() if ln][-1].startswith(
            "skyglass: error: "
        ):
            found.append(f"{what}: the error is not one 'skyglass: error:' line: {err[-300:]}")
        elif r["peak_bytes"] > MEMORY:
            found.append(f"{what}: {r['peak_bytes'] / 2**30:.1f} GB")
    return found


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("odd")
    count = 300 if request.config.getoption("--hostile-full") else 60
    return corpus.fits_corpus(folder) + corpus.mutated_corpus(folder / "mutated", count)


def test_console_script_is_what_the_driver_runs():
    """The driver calls the installed console script's entry point (main, which the
    script's console() runs and then exits with), not an inner function."""
    import inspect

    from skyglass.cli import entry

    script = Path(installed_command()).read_text()
    assert "from skyglass.cli import console" in script
    assert "main(argv)" in inspect.getsource(entry.console)


def test_odd_files_through_info_render_and_stars(odd_files, tmp_path):
    jobs = []
    for _, path in odd_files:
        jobs.append(["info", str(path)])
        jobs.append(["render", str(path), "-o", str(tmp_path / "v.png"), "--overwrite"])
        jobs.append(["stars", str(path), "-o", str(tmp_path / "c.ecsv"), "--overwrite"])
    results = run_driver(jobs, tmp_path)
    assert len(results) == len(jobs)
    assert problems(results) == []
    # Not everything failed: the good and the merely odd files were read.
    assert sum(r["code"] == 0 for r in results) > len(jobs) // 3


def test_the_issue_reproductions_end_in_one_line(odd_files, tmp_path):
    by_name = {name: path for name, path in odd_files}
    cases = {
        "bscale-text": "BSCALE = 'two' is not a number",
        "naxis1-text": "NAXIS1",
        "empty-axis": "",
    }
    for name, expected in cases.items():
        (result,) = run_driver([["info", str(by_name[name])]], tmp_path)
        assert result["code"] == 2 and expected in result["stderr"], result
    # A card the header cannot parse (GAIN = NAN) or a non-number SATURATE: ignored.
    path = tmp_path / "gain-nan.fits"
    fits.PrimaryHDU(corpus._star_field()).writeto(path)
    raw = path.read_bytes().replace(corpus._card("EXTEND", "T"), corpus._card("GAIN", "NAN"), 1)
    path.write_bytes(
        raw.replace(b"END" + b" " * 77, corpus._card("SATURATE", "'x'") + b"END" + b" " * 77, 1)[
            : len(raw)
        ]
    )
    (stars,) = run_driver([["stars", str(path), "-o", str(tmp_path / "s.ecsv")]], tmp_path)
    assert stars["code"] == 0, stars["stderr"]
    # A CONTINUE card without a string: astropy cannot open the file; the message names
    # the card instead of calling the file truncated.
    cont = tmp_path / "continue.fits"
    fits.PrimaryHDU(corpus._star_field()).writeto(cont)
    raw = cont.read_bytes()
    end = b"END" + b" " * 77
    cont.write_bytes(raw.replace(end, b"CONTINUE  12345".ljust(80) + end, 1)[: len(raw)])
    (info,) = run_driver([["info", str(cont)]], tmp_path)
    assert info["code"] == 2 and "card 7 (CONTINUE" in info["stderr"], info["stderr"]


def test_huge_naxis_is_refused_at_once(tmp_path, skyglass_cli):
    path = tmp_path / "naxis.fits"
    path.write_bytes(corpus.raw_fits([("SIMPLE", "T"), ("BITPIX", "8"), ("NAXIS", "99999999")]))
    run = skyglass_cli("info", path, timeout=30)
    assert run.returncode == 2
    assert run.stderr == (
        "skyglass: error: naxis.fits: NAXIS = 99999999 (FITS allows 0 to 999); "
        "this is not a valid FITS header.\n"
    )


def test_a_decompression_bomb_is_refused_and_a_binned_view_offered(tmp_path, skyglass_cli):
    """A 300 kB .fits.gz announcing 72 MB of float64 over a 50 MB budget: refused from its
    header, before decompressing; the binned view it names opens in bounded memory."""
    _, bomb = corpus.bomb_file(tmp_path, side=3000)
    assert bomb.stat().st_size < 400_000
    env = {"SKYGLASS_MEMORY_BUDGET": "50M"}
    run = skyglass_cli("info", bomb, env=env)
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "3000 x 3000 float64 (72.0 MB once decompressed)" in run.stderr
    assert "'bomb-3000.fits.gz[bin=2]'" in run.stderr
    binned = skyglass_cli("info", f"{bomb}[bin=2]", env=env)
    assert binned.returncode == 0, binned.stderr
    assert "1500 x 1500" in binned.stdout


def test_binned_view_is_the_block_mean_with_the_wcs_following(tmp_path, skyglass_cli):
    from astropy.wcs import WCS

    data = np.random.default_rng(3).normal(100, 5, (60, 90)).astype(">f4")
    header = corpus._wcs_header()
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(data, header).writeto(path)
    gz = tmp_path / "img.fits.gz"
    import gzip

    gz.write_bytes(gzip.compress(path.read_bytes()))
    out = tmp_path / "binned.fits"
    run = skyglass_cli("replay", _empty_recipe(tmp_path), f"{gz}[bin=3]", "-o", out)
    assert run.returncode == 0, run.stderr
    binned = fits.getdata(out)
    expected = data.astype(np.float32).reshape(20, 3, 30, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(binned, expected, rtol=1e-6)
    # The sky position of a binned pixel's centre is that of the block's centre.
    old, new = WCS(header), WCS(fits.getheader(out))
    np.testing.assert_allclose(
        new.pixel_to_world_values(4, 7), old.pixel_to_world_values(4 * 3 + 1, 7 * 3 + 1)
    )


def _empty_recipe(folder: Path) -> Path:
    path = folder / "none.json"
    path.write_text(json.dumps({"format": "skyglass-recipe", "version": 2, "steps": []}))
    return path


def test_malformed_recipes_and_region_files(tmp_path):
    image = tmp_path / "img.fits"
    fits.PrimaryHDU(corpus._star_field()).writeto(image)
    jobs = [
        ["replay", str(path), str(image), "-o", str(tmp_path / "o.fits"), "--overwrite"]
        for _, path in corpus.recipes(tmp_path)
    ]
    jobs += [
        ["render", str(image), "-o", str(tmp_path / f"r{i}.png"), "--regions", str(path)]
        for i, (_, path) in enumerate(corpus.region_files(tmp_path))
    ]
    results = run_driver(jobs, tmp_path)
    assert problems(results) == []
    seconds = {Path(r["argv"][1]).name: r["seconds"] for r in results}
    # 2,000 steps replay in linear time (66 s before: HISTORY was copied at every step).
    many = next(r for r in results if r["argv"][1].endswith("recipe-many-steps.json"))
    assert many["code"] == 0, many["stderr"]
    huge = [r for r in results if "region-huge-radius" in r["argv"][-1]]
    assert huge[0]["code"] == 0 and "left out" in huge[0]["stderr"]
    assert seconds  # every run reported


def test_long_recipe_history_is_complete_and_in_order(tmp_path, skyglass_cli):
    image = tmp_path / "img.fits"
    fits.PrimaryHDU(corpus._star_field()).writeto(image)
    steps = [{"op": "gamma", "params": {"gamma": 1.0 + i / 1000}} for i in range(300)]
    recipe = tmp_path / "r.json"
    recipe.write_text(json.dumps({"format": "skyglass-recipe", "version": 2, "steps": steps}))
    out = tmp_path / "o.fits"
    run = skyglass_cli("replay", recipe, image, "-o", out)
    assert run.returncode == 0, run.stderr
    history = [str(h) for h in fits.getheader(out)["HISTORY"]]
    gammas = [h for h in history if "gamma" in h.lower()]
    assert len(gammas) == 300
    assert "1.001" in gammas[1] and "1.299" in gammas[-1]


# ------------------------------------------------------------------- the window
def test_odd_files_in_the_window_never_half_replace(window, odd_files, monkeypatch, qtbot):
    """File > Open of every odd file: it opens and draws, or one message and the previous
    image stays shown, unchanged."""
    from PySide6 import QtWidgets

    good = next(path for name, path in odd_files if name == "good")
    chosen: list[str] = []
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getOpenFileNames", lambda *a, **k: ([chosen[-1]], "")
    )
    monkeypatch.setattr(
        QtWidgets.QMessageBox,
        "question",
        lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Cancel,
    )
    for name, path in odd_files[:80]:
        chosen.append(str(good))
        window.menus["open"].trigger()
        before = window.workspace.current.document
        window.last_error = ""
        chosen.append(str(path))
        window.menus["open"].trigger()
        qtbot.wait(1)
        now = window.workspace.current.document
        if now is before:
            assert window.last_error, f"{name}: not opened and nothing said"
        else:
            assert now.name == path.name, name
            window.canvas.zoom_in()  # drawing at another zoom works too
            window.canvas.zoom_out()
            window.canvas.zoom_out()


def test_the_window_offers_a_binned_view_of_a_bomb(window, tmp_path, monkeypatch):
    from PySide6 import QtWidgets

    _, bomb = corpus.bomb_file(tmp_path, side=3000)
    monkeypatch.setenv("SKYGLASS_MEMORY_BUDGET", "50M")
    asked = []

    def answer(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QtWidgets.QMessageBox.StandardButton.Open

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", answer)
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bomb)], "")
    )
    window.menus["open"].trigger()
    assert "binned 2 x 2" in asked[0]
    assert window.workspace.current.document.image.shape == (1500, 1500)
    # Save As offers a new name for the view (never the file) and writes it alone.
    offered, out = [], tmp_path / "view.fits"

    def save_dialog(parent, caption, suggested, *args, **kwargs):
        offered.append(suggested)
        return str(out), ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", save_dialog)
    window.menus["save_as"].trigger()
    assert os.path.basename(offered[0]) == "bomb-3000_bin2_edited.fits"
    with fits.open(out) as hdul:
        assert len(hdul) == 1 and hdul[0].data.shape == (1500, 1500)
        assert "binned 2 x 2" in str(hdul[0].header["HISTORY"])


def test_every_fits_file_in_the_fields_test_data(tmp_path):
    """The real (and deliberately odd) FITS files astropy, ccdproc, photutils and
    astroscrappy ship for their own tests, through info, render and stars."""
    import importlib.util

    files = []
    for package in ("astropy", "ccdproc", "photutils", "astroscrappy"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            root = Path(next(iter(spec.submodule_search_locations)))
            files += [p for p in root.rglob("*.fits*") if p.stat().st_size < 20e6]
    assert len(files) > 50  # the test extra installs them
    jobs = []
    for path in files:
        jobs.append(["info", str(path)])
        jobs.append(["render", str(path), "-o", str(tmp_path / "v.png"), "--overwrite"])
        jobs.append(["stars", str(path), "-o", str(tmp_path / "c.ecsv"), "--overwrite"])
    results = run_driver(jobs, tmp_path)
    assert problems(results) == []
    # Many are tables or header-only files (refused in one line); the images are read.
    assert sum(r["code"] == 0 for r in results) > len(jobs) // 4


def test_a_tiled_tiff_announcing_a_huge_image_is_refused_unread(tmp_path, skyglass_cli):
    import tifffile

    def tiles():
        for _ in range(8 * 8):
            yield np.zeros((1024, 1024), np.uint8)

    path = tmp_path / "bomb.tif"
    tifffile.imwrite(
        path, tiles(), shape=(8192, 8192), dtype="uint8", tile=(1024, 1024), compression="zlib"
    )
    assert path.stat().st_size < 200_000
    run = skyglass_cli("info", path, env={"SKYGLASS_MEMORY_BUDGET": "100M"})
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "8192 x 8192 uint8" in run.stderr and "memory budget" in run.stderr
