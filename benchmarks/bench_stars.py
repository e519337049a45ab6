"""Stars as a user meets them (issue 14): speed of the ``skyglass stars`` command against
SExtractor, and accuracy on the demo night, a synthetic crowded field and M13.

Run: ``python benchmarks/bench_stars.py [--size 4096] [--repeat 3] [--skip-speed]
[--skip-accuracy]``.

- Speed: ``detect_stars`` alone (background, detection, measurement) on a SIZE^2 demo
  light, median of REPEAT; then the whole ``skyglass stars FILE -o cat.ecsv`` process and
  ``source-extractor FILE`` (Debian package ``source-extractor``, same threshold, a
  Gaussian filter, windowed positions and FWHM) on the same file, alternated, medians.
- Demo light (2048^2, truth known): recall at SNR > 20 and > 10, false detections, the
  image FWHM and the median per-star FWHM by SNR bin against the truth.
- Crowded field (tests/crowded_field.py: 4000 stars, half in a core, elliptical Moffat
  PSF, bumpy background): recall at SNR > 20, false detections, image FWHM.
- M13 (astropy's ``m13_gzip.fits``, real): the share of photutils' deblended SNR > 20
  sources found (photutils ``detect_sources`` + ``deblend_sources`` + ``SourceCatalog``,
  windowed centroids), and the FWHM of isolated bright stars against photutils'
  profile-fitted ``fit_fwhm`` and its moment-based ``SourceCatalog.fwhm``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from bench_stack import timed  # noqa: E402 - one way of timing a process

SKYGLASS = str(Path(sys.executable).with_name("skyglass"))


def matched(ax, ay, bx, by, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """For each (ax, ay): whether a (bx, by) lies within ``radius``, and which."""
    if len(bx) == 0:
        return np.zeros(len(ax), bool), np.zeros(len(ax), int)
    d, i = cKDTree(np.column_stack([bx, by])).query(np.column_stack([ax, ay]))
    return d < radius, i


def demo_light(folder: Path, size: int) -> tuple[Path, Table]:
    from skyglass.processing.demo import NightPlan, generate_night

    plan = NightPlan(
        n_bias=1, darks=((60.0, 1),), flats=(("V", 10.0, 1),), lights=(("V", 60.0, 1),)
    )
    night = generate_night(str(folder), size=size, seed=2, plan=plan)
    return Path(night.lights[0]), Table.read(night.truth + "/light_V_001.ecsv")


def speed(path: Path, repeat: int, work: Path) -> None:
    from skyglass.processing.measure.stars import detect_stars

    data = fits.getdata(path).astype(np.float32)
    header = fits.getheader(path)
    detect_stars(data, header)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        cat = detect_stars(data, header)
        times.append(time.perf_counter() - t0)
    print(f"  detect_stars (background + detection + measurement): "
          f"{statistics.median(times):.2f} s, {len(cat)} stars")  # fmt: skip
    runs: dict[str, list[float]] = {"skyglass": [], "source-extractor": []}
    sex = shutil.which("source-extractor")
    if sex:
        (work / "se.param").write_text("XWIN_IMAGE\nYWIN_IMAGE\nFLUX_AUTO\nFWHM_IMAGE\nFLAGS\n")
        (work / "se.sex").write_text(
            "CATALOG_NAME se.cat\nCATALOG_TYPE ASCII_HEAD\nPARAMETERS_NAME se.param\n"
            "DETECT_THRESH 2.5\nANALYSIS_THRESH 2.5\nFILTER Y\nFILTER_NAME gauss.conv\n"
            "DEBLEND_NTHRESH 32\nDEBLEND_MINCONT 0.001\nBACK_SIZE 64\nCHECKIMAGE_TYPE NONE\n"
            "VERBOSE_TYPE QUIET\n"
        )
        (work / "gauss.conv").write_text(
            "CONV NORM\n0.260856 0.483680 0.260856\n0.483680 0.896839 0.483680\n"
            "0.260856 0.483680 0.260856\n"
        )
    for _ in range(repeat):
        out = work / "cat.ecsv"
        out.unlink(missing_ok=True)
        runs["skyglass"].append(timed([SKYGLASS, "stars", str(path), "-o", str(out)], work)[0])
        if sex:
            runs["source-extractor"].append(timed([sex, str(path), "-c", "se.sex"], work)[0])
    line = (
        f"  whole process on the file: skyglass stars {statistics.median(runs['skyglass']):.2f} s"
    )
    if sex:
        se = statistics.median(runs["source-extractor"])
        line += (
            f", source-extractor {se:.2f} s (ratio {statistics.median(runs['skyglass']) / se:.2f})"
        )
    print(line)


def demo_accuracy(work: Path) -> None:
    from skyglass.processing.measure.stars import detect_stars

    path, truth = demo_light(work / "demo2048", 2048)
    data = fits.getdata(path).astype(np.float32) - 1000.0
    cat = detect_stars(data, fits.getheader(path))
    ok, idx = matched(truth["x"], truth["y"], cat["x"], cat["y"], 1.5)  # both 1-based
    inside = (truth["x"] > 5) & (truth["x"] < 2043) & (truth["y"] > 5) & (truth["y"] < 2043)
    back, _ = matched(cat["x"], cat["y"], truth["x"], truth["y"], 2.0)
    true_fwhm = float(truth.meta["fwhm"])
    bins = []
    for lo, hi in ((10, 20), (20, 50), (50, 200), (200, np.inf)):
        sel = ok & inside & (truth["snr"] >= lo) & (truth["snr"] < hi)
        bias = np.nanmedian(np.asarray(cat["fwhm"])[idx[sel]]) / true_fwhm - 1
        bins.append(f"SNR {lo}-{hi:g}: {bias:+.1%}")
    print(
        f"  demo light 2048^2: recall SNR > 20 {ok[inside & (truth['snr'] > 20)].mean():.1%}, "
        f"SNR > 10 {ok[inside & (truth['snr'] > 10)].mean():.1%}, false {1 - back.mean():.2%}; "
        f"image FWHM {cat.meta['fwhm'] / true_fwhm - 1:+.1%}; per-star FWHM median "
        + ", ".join(bins)
    )


def crowded_accuracy() -> None:
    from crowded_field import crowded_field

    from skyglass.processing.measure.stars import detect_stars

    data, truth, header = crowded_field()
    cat = detect_stars(data, header)
    ok, _ = matched(truth["x"] + 1, truth["y"] + 1, cat["x"], cat["y"], 1.5)
    back, _ = matched(cat["x"], cat["y"], truth["x"] + 1, truth["y"] + 1, 2.0)
    ny, nx = data.shape
    inside = (truth["x"] > 5) & (truth["x"] < nx - 6) & (truth["y"] > 5) & (truth["y"] < ny - 6)
    print(
        f"  crowded field: recall SNR > 20 {ok[inside & (truth['snr'] > 20)].mean():.1%}, "
        f"false {1 - back.mean():.2%}, image FWHM {cat.meta['fwhm']:.2f} px "
        f"(truth {truth.meta['fwhm']:.2f})"
    )


def m13_file() -> Path | None:
    import astropy

    path = Path(astropy.__file__).parent / "io/fits/hdu/compressed/tests/data/m13_gzip.fits"
    return path if path.exists() else None


def m13_accuracy() -> None:
    from photutils.psf import fit_fwhm
    from photutils_reference import column, photutils_catalogue, split_by_us

    from skyglass.processing.measure.stars import detect_stars

    path = m13_file()
    if path is None:
        print("  m13: astropy's m13_gzip.fits not found")
        return
    with fits.open(path) as hdul:
        hdu = next(h for h in hdul if h.data is not None and h.data.ndim == 2)
        data, header = hdu.data.astype(np.float32), hdu.header
    ref, sub, segmap = photutils_catalogue(data)
    rx, ry = (
        column(ref, "x_centroid_win", "xcentroid_win"),
        column(ref, "y_centroid_win", "ycentroid_win"),
    )
    snr = ref.segment_flux / column(ref, "segment_flux_err", "segment_fluxerr")
    bright = snr > 20
    cat = detect_stars(data, header)
    ok, _ = matched(rx[bright] + 1, ry[bright] + 1,
                    cat["x"], cat["y"], 2.0)  # fmt: skip
    missed = np.zeros(len(rx), bool)
    missed[np.flatnonzero(bright)[~ok]] = True
    split = split_by_us(ref, segmap, missed, cat)[bright]
    iso = (~cat["blended"]) & (cat["snr"] > 50) & (~cat["saturated"]) & (~cat["edge"])
    xy = np.column_stack([cat["x"][iso] - 1, cat["y"][iso] - 1])
    theirs = fit_fwhm(sub, xypos=xy, fit_shape=7)
    ours = np.asarray(cat["fwhm"][iso])
    ratio = ours / theirs
    overall = np.nanmedian(ours) / np.median(theirs)
    near, k = matched(
        cat["x"][iso] - 1,
        cat["y"][iso] - 1,
        rx,
        ry,
        2,
    )
    moments = np.asarray(ref.fwhm.value)[k[near]]
    print(
        f"  m13: {ok.mean():.1%} of photutils' {bright.sum()} deblended SNR > 20 sources within "
        f"2 px, {(ok | split).mean():.1%} counting the {split.sum()} blends photutils kept whole "
        "that we split into their stars; "
        f"isolated bright stars ({iso.sum()}): FWHM median {np.nanmedian(ours):.2f} px vs "
        f"photutils fit_fwhm {np.median(theirs):.2f} px (ratio {overall:.3f}, "
        f"{np.mean(np.abs(ratio - 1) < 0.35):.0%} within 35 %); photutils' moment FWHM of the "
        f"same stars {np.median(moments):.2f} px (wings and neighbours inflate it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        if not args.skip_speed:
            path, _ = demo_light(work / "speed", args.size)
            print(f"{args.size} x {args.size} demo light:")
            speed(path, args.repeat, work)
            m13 = m13_file()
            if m13 is not None:
                plain = work / "m13.fits"
                with fits.open(m13) as hdul:
                    hdu = next(h for h in hdul if h.data is not None and h.data.ndim == 2)
                    fits.PrimaryHDU(hdu.data, hdu.header).writeto(plain)
                print("M13, 300 x 300:")
                speed(plain, args.repeat, work)
        if not args.skip_accuracy:
            print("accuracy:")
            demo_accuracy(work)
            crowded_accuracy()
            m13_accuracy()


if __name__ == "__main__":
    main()
