"""``skyglass stack`` as a user runs it, against Siril on the same files (issue 15).

Run: ``python benchmarks/bench_stack.py [--frames 20] [--size 4096] [--cases ...]``.

Writes ``--frames`` float32 FITS frames of a star field with random dithers (sky, noise,
a few hundred Gaussian stars), then times each case as a whole process with
``/usr/bin/time`` (wall seconds and peak resident memory), alternating Skyglass and
Siril (``siril-cli -s script.ssf``, Debian package ``siril``) when it is installed, and
prints the ratios. Cases: ``median`` (no alignment), ``sigma`` (sigma clipping, no
alignment), ``shift`` (align by shift + median), ``stars`` (align by stars + median),
``offset`` (median of frames matched in sky level, Siril's ``-norm=add``) and
``offset-scale`` (sigma clipping of frames matched in level and spread, ``-norm=addscale``).
``shift-whole`` is ``shift`` with ``--interpolation none`` (whole-pixel shifts, as
Siril's). Siril's equivalents: ``stack light med -nonorm``, ``stack light rej 3 3 -nonorm``,
``register light -norot`` then ``stack light med -nonorm`` (Siril shifts by whole
pixels), ``register light`` then ``stack r_light med -nonorm``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from astropy.io import fits

SKYGLASS = str(Path(sys.executable).with_name("skyglass"))
CASES = {
    "median": (["--method", "median", "--align", "none"], "stack light med -nonorm -out=out"),
    "sigma": (
        ["--method", "sigma-clip", "--align", "none"],
        "stack light rej 3 3 -nonorm -out=out",
    ),
    "shift": (
        ["--method", "median", "--align", "shift"],
        # Siril 1.0: -norot registers shifts only and the stack applies them (integer
        # pixels, no new sequence).
        "register light -norot\nstack light med -nonorm -out=out",
    ),
    # Siril's -norot stack shifts by whole pixels: the same with --interpolation none.
    "shift-whole": (
        ["--method", "median", "--align", "shift", "--interpolation", "none"],
        "register light -norot\nstack light med -nonorm -out=out",
    ),
    "stars": (
        ["--method", "median", "--align", "stars"],
        "register light\nstack r_light med -nonorm -out=out",
    ),
    # Frames matched before combining: Siril's additive (+ scaling) normalisation.
    "offset": (
        ["--method", "median", "--align", "none", "--normalize", "offset"],
        "stack light med -norm=add -out=out",
    ),
    "offset-scale": (
        ["--method", "sigma-clip", "--align", "none", "--normalize", "offset-scale"],
        "stack light rej 3 3 -norm=addscale -out=out",
    ),
}


def write_frames(folder: Path, count: int, size: int, seed: int = 1) -> list[Path]:
    """Siril-style names (light_00001.fit ...) so both programs read the same files."""
    rng = np.random.default_rng(seed)
    n_stars = max(50, size * size // 40000)
    sx, sy = rng.uniform(30, size - 30, n_stars), rng.uniform(30, size - 30, n_stars)
    flux = 10 ** rng.uniform(3, 5, n_stars)
    paths = []
    yy, xx = np.mgrid[-6:7, -6:7]
    for i in range(count):
        dx, dy = rng.uniform(-8, 8, 2) if i else (0.0, 0.0)
        img = rng.normal(1000.0, 10.0, (size, size)).astype(np.float32)
        for x, y, f in zip(sx + dx, sy + dy, flux, strict=True):
            ix, iy = int(x), int(y)
            if 6 <= ix < size - 7 and 6 <= iy < size - 7:
                psf = np.exp(-((xx + ix - x) ** 2 + (yy + iy - y) ** 2) / (2 * 1.7**2))
                img[iy - 6 : iy + 7, ix - 6 : ix + 7] += (f / (2 * np.pi * 1.7**2) * psf).astype(
                    np.float32
                )
        path = folder / f"light_{i + 1:05d}.fit"
        header = fits.Header({"EXPTIME": 60.0, "IMAGETYP": "Light Frame"})
        fits.PrimaryHDU(img, header).writeto(path, overwrite=True)
        paths.append(path)
    return paths


def timed(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one whole process (``ok``: exit statuses that
    are not failures)."""
    log = cwd / "time.txt"
    run = subprocess.run(
        ["/usr/bin/time", "-o", str(log), "-f", "%e %M", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if run.returncode not in ok:
        raise SystemExit(f"{argv[0]} failed: {run.stderr[-2000:]}{run.stdout[-2000:]}")
    seconds, kb = log.read_text().split()[-2:]
    return float(seconds), float(kb) / 1024


def run_skyglass(case: str, folder: Path, paths: list[Path]) -> tuple[float, float]:
    out = folder / "skyglass_out.fits"
    args, _ = CASES[case]
    return timed(
        [SKYGLASS, "stack", *map(str, paths), "-o", str(out), "--overwrite", *args], folder
    )


def run_siril(case: str, folder: Path) -> tuple[float, float]:
    work = folder / "siril"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    for path in sorted(folder.glob("light_*.fit")):
        os.symlink(path, work / path.name)
    _, script = CASES[case]
    ssf = work / "bench.ssf"
    # setext: Siril keeps the last script's extension in its settings (bench_calibrate's
    # .fits would make it look for light_00001.fits here).
    ssf.write_text(f"requires 1.0.0\nsetcpu 2\nsetext fit\n{script}\n")
    return timed(["siril-cli", "-d", str(work), "-s", str(ssf)], work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeat", type=int, default=1, help="runs per program and case")
    parser.add_argument("--folder", help="keep the frames here (default: a temporary folder)")
    args = parser.parse_args()
    siril = shutil.which("siril-cli")
    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench-stack-", dir="/var/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = sorted(folder.glob("light_*.fit"))
    if len(paths) != args.frames:
        for old in paths:
            old.unlink()
        print(f"writing {args.frames} frames of {args.size}^2 float32 into {folder} ...")
        paths = write_frames(folder, args.frames, args.size)
    print(f"{'case':8} {'skyglass s':>10} {'MB':>6} {'siril s':>8} {'MB':>6} {'ratio':>6}")
    for case in args.cases:
        ours, theirs = [], []
        for _ in range(args.repeat):  # alternated, so both see the same machine state
            ours.append(run_skyglass(case, folder, paths))
            if siril:
                theirs.append(run_siril(case, folder))
        t, m = statistics.median(r[0] for r in ours), max(r[1] for r in ours)
        line = f"{case:8} {t:10.1f} {m:6.0f}"
        if theirs:
            ts, ms = statistics.median(r[0] for r in theirs), max(r[1] for r in theirs)
            line += f" {ts:8.1f} {ms:6.0f} {t / ts:6.2f}"
        print(line, flush=True)
    if not args.folder:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
