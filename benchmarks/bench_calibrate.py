"""``skyglass calibrate --auto`` on a demo night as a user runs it, against Siril's
equivalent script on the same files (issue 15, item 7).

Run: ``python benchmarks/bench_calibrate.py [--size 2048] [--repeat 3]``.

The demo night (5 biases, darks of 10 s and 120 s, 5 flats in V and R, 8 lights) is
written once (``skyglass demo``). Skyglass: ``calibrate --auto NIGHT -o OUT`` (master bias,
darks per exposure with hot pixels, flats per filter, every light calibrated). Siril
(``siril-cli``, Debian package ``siril``): the same steps as its own Mono_Preprocessing
script, per filter - stack the biases (rejection), preprocess and stack the flats
(multiplicative normalisation), stack the 120 s darks, preprocess the lights with the
master dark (``-opt``: scaled to the light's exposure) and flat. Whole processes are
timed with ``/usr/bin/time``, alternated, medians printed with the ratio.
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

from astropy.io import fits

sys.path.insert(0, str(Path(__file__).parent))
from bench_stack import timed  # noqa: E402 - one way of timing a whole process

SKYGLASS = str(Path(sys.executable).with_name("skyglass"))


def siril_tree(night: Path, work: Path) -> str:
    """Symlinked folders in Siril's naming and the script that calibrates them."""
    if work.exists():
        shutil.rmtree(work)
    groups: dict[str, list[Path]] = {}
    for path in sorted(night.glob("*.fits")):
        h = fits.getheader(path)
        kind = str(h.get("IMAGETYP", "")).split()[0].lower()
        if kind == "dark" and float(h["EXPTIME"]) != 120.0:
            continue
        band = str(h.get("FILTER", "")).strip()
        key = {"bias": "biases", "dark": "darks"}.get(kind, f"{kind}s_{band}")
        groups.setdefault(key, []).append(path)
    for key, paths in groups.items():
        (work / key).mkdir(parents=True)
        # Siril's sequence names: bias_00001.fit, dark_..., flatV_..., lightV_...
        kind, _, band = key.partition("_")
        prefix = {"biases": "bias", "darks": "dark"}.get(kind, kind[:-1]) + band
        for i, path in enumerate(paths, 1):
            os.symlink(path, work / key / f"{prefix}_{i:05d}.fits")
    lines = ["requires 1.0.0", "setcpu 2", "setext fits"]
    lines += [
        "cd biases",
        "convert bias -out=../process",
        "cd ../process",
        "stack bias rej 3 3 -nonorm",
        "cd ..",
        "cd darks",
        "convert dark -out=../process",
        "cd ../process",
        "stack dark rej 3 3 -nonorm",
        "cd ..",
    ]
    bands = sorted(k.split("_", 1)[1] for k in groups if k.startswith("flats_"))
    for band in bands:
        lines += [
            f"cd flats_{band}",
            f"convert flat{band} -out=../process",
            "cd ../process",
            f"preprocess flat{band} -bias=bias_stacked",
            f"stack pp_flat{band} rej 3 3 -norm=mul",
            "cd ..",
        ]
        if f"lights_{band}" in groups:
            lines += [
                f"cd lights_{band}",
                f"convert light{band} -out=../process",
                "cd ../process",
                f"preprocess light{band} -bias=bias_stacked -dark=dark_stacked "
                f"-flat=pp_flat{band}_stacked -opt",
                "cd ..",
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-cal-", dir="/var/tmp"))
    night = base / "night"
    subprocess.run(
        [SKYGLASS, "demo", str(night), "--size", str(args.size)], check=True, capture_output=True
    )
    siril = shutil.which("siril-cli")
    ours, theirs = [], []
    for _ in range(args.repeat):
        out = base / "out"
        shutil.rmtree(out, ignore_errors=True)
        ours.append(
            timed([SKYGLASS, "calibrate", "--auto", str(night), "-o", str(out)], base, (0, 1))
        )
        if siril:
            work = base / "siril"
            script = siril_tree(night, work)
            (work / "cal.ssf").write_text(script)
            theirs.append(timed(["siril-cli", "-d", str(work), "-s", str(work / "cal.ssf")], work))
    t = statistics.median(r[0] for r in ours)
    print(
        f"skyglass calibrate --auto ({args.size}^2 demo night): {t:.2f} s, "
        f"{max(r[1] for r in ours):.0f} MB"
    )
    if theirs:
        ts = statistics.median(r[0] for r in theirs)
        print(
            f"siril-cli equivalent script: {ts:.2f} s, {max(r[1] for r in theirs):.0f} MB; "
            f"ratio {t / ts:.2f}"
        )
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
