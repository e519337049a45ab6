"""Star detection: speed on a 4096 x 4096 demo light, and accuracy against the demo truth.

Run: ``python benchmarks/bench_stars.py [--size 4096] [--daofind]``.
Target (2-core machine): at most 0.6 s for 4096 x 4096; at least 95 % of stars with
SNR > 10 found, centroid rms at most 0.1 px, fewer than 2 % false detections.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings

import numpy as np
from astropy.io import fits
from astropy.table import Table
from scipy.spatial import cKDTree

from skyglass.processing.demo import NightPlan, generate_night
from skyglass.processing.measure.stars import detect_stars


def score(x, y, truth: Table, size: int) -> dict:
    tree = cKDTree(np.column_stack([x, y]))
    dist, _ = tree.query(np.column_stack([truth["x"], truth["y"]]))
    inside = (truth["x"] > 5) & (truth["x"] < size - 5) & (truth["y"] > 5) & (truth["y"] < size - 5)
    sel = (truth["snr"] > 10) & inside
    found = sel & (dist < 1.5)
    bins = {}
    for lo, hi in ((10, 20), (20, 50), (50, 200), (200, np.inf)):
        b = found & (truth["snr"] >= lo) & (truth["snr"] < hi)
        bins[f"{lo}-{hi:g}"] = float(np.sqrt(np.mean(dist[b] ** 2))) if b.any() else float("nan")
    back, _ = cKDTree(np.column_stack([truth["x"], truth["y"]])).query(np.column_stack([x, y]))
    return {
        "completeness": float(found.sum() / sel.sum()),
        "rms": float(np.sqrt(np.mean(dist[found] ** 2))),
        "rms_by_snr": bins,
        "false": float(np.mean(back > 2.0)),
        "n": int(len(x)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--daofind", action="store_true", help="also run photutils DAOStarFinder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        plan = NightPlan(
            n_bias=1, darks=((60.0, 1),), flats=(("V", 10.0, 1),), lights=(("V", 60.0, 1),)
        )
        night = generate_night(d, size=args.size, seed=2, plan=plan)
        path = night.lights[0]
        data = fits.getdata(path).astype(np.float32) - 1000.0  # bias level
        header = fits.getheader(path)
        truth = Table.read(night.truth + "/light_V_001.ecsv")
        detect_stars(data, header)  # warm up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            cat = detect_stars(data, header)
            times.append(time.perf_counter() - t0)
        s = score(np.asarray(cat["x"]), np.asarray(cat["y"]), truth, args.size)
        print(
            f"{args.size} x {args.size} demo light: {statistics.median(times):.2f} s median "
            f"(min {min(times):.2f}), {s['n']} stars"
        )
        print(
            f"  completeness (SNR > 10): {s['completeness']:.1%}; false detections: "
            f"{s['false']:.2%}; centroid rms {s['rms']:.3f} px; by SNR: "
            + ", ".join(f"{k}: {v:.3f}" for k, v in s["rms_by_snr"].items())
        )
        if args.daofind:
            from photutils.background import Background2D, MedianBackground
            from photutils.detection import DAOStarFinder

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                bkg = Background2D(data, 64, filter_size=3, bkg_estimator=MedianBackground())
                dao = DAOStarFinder(
                    fwhm=float(truth.meta["fwhm"]), threshold=2.5 * bkg.background_rms_median
                )
                found = dao(data - bkg.background)
                t = time.perf_counter() - t0
            s = score(
                np.asarray(found["x_centroid"]) + 1,
                np.asarray(found["y_centroid"]) + 1,
                truth,
                args.size,
            )
            print(
                f"  photutils DAOStarFinder (true FWHM given): {t:.2f} s, "
                f"completeness {s['completeness']:.1%}, false {s['false']:.2%}, "
                f"centroid rms {s['rms']:.3f} px"
            )


if __name__ == "__main__":
    main()
