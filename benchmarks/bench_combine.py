"""Time and memory of combining 20 frames of 4096 x 4096 (uint16 FITS, memory-mapped).

Run: ``python benchmarks/bench_combine.py [--frames 20] [--size 4096] [--ccdproc]``.
Each method runs in a fresh process so its peak memory (VmHWM) is its own.
Targets (2-core machine): median in at most 3.5 s with peak memory at most 1 GB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time, glob
from skyglass.processing.io.reader import open_image
from skyglass.processing.calibration.combine import combine, CombineOptions

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

paths = sorted(glob.glob(sys.argv[1] + "/f*.fits"))
method = sys.argv[2]
t0 = time.perf_counter()
if method == "ccdproc-median":
    import ccdproc
    ccdproc.combine(paths, method="median", unit="adu", mem_limit=16e9)
else:
    frames = [open_image(p).plane_rows() for p in paths]
    combine(frames, options=CombineOptions(method=method))
print(f"{time.perf_counter() - t0:.2f} {hwm():.0f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--ccdproc", action="store_true", help="also time ccdproc.combine")
    parser.add_argument("--methods", nargs="+", default=["median", "sigma-clip", "mean", "minmax"])
    args = parser.parse_args()
    from astropy.io import fits

    with tempfile.TemporaryDirectory() as d:
        rng = np.random.default_rng(0)
        for i in range(args.frames):
            data = (1000 + rng.integers(0, 200, (args.size, args.size))).astype(np.uint16)
            fits.PrimaryHDU(data).writeto(f"{d}/f{i:03d}.fits")
        methods = list(args.methods)
        if args.ccdproc:
            methods.append("ccdproc-median")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        print(f"{args.frames} frames of {args.size} x {args.size} uint16 FITS, read by rows")
        for method in methods:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, d, method], env=env, capture_output=True, text=True
            )
            if out.returncode != 0:
                print(f"{method}: failed: {out.stderr[-400:]}")
                continue
            seconds, peak = out.stdout.split()[-2:]  # ccdproc logs lines before ours
            print(f"  {method:<15} {seconds:>6} s   peak memory {peak:>5} MB")


if __name__ == "__main__":
    main()
