"""Time the display math: every limit mode on 4k, 8k and 16k images, and one
stretch-plus-colormap pass over a 1920 x 1080 view.

Run: ``python benchmarks/bench_display.py [--sizes 4096 8192 16384] [--repeat 7]``.
Prints the median time of each; targets (2-core machine): every limit mode under 50 ms
at 16k x 16k, one stretch pass under 10 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from skyglass.processing.display.limits import compute_limits, parse_limits
from skyglass.processing.display.render import DisplaySettings, LutApplier, build_lut

MODES = ("minmax", "zscale", "zmax", "99.5", "99", "98", "95", "90", "100,2000")


def sky(size: int, rng: np.random.Generator) -> np.ndarray:
    """A sky-like float32 image: background, noise, some bright pixels, a few NaN."""
    img = np.empty((size, size), np.float32)
    for r0 in range(0, size, 1024):  # in chunks to keep the generator's memory small
        block = rng.standard_normal((min(1024, size - r0), size), dtype=np.float32)
        block *= 15.0
        block += 1000.0
        img[r0 : r0 + 1024] = block
    n = size * size // 5000
    img[rng.integers(0, size, n), rng.integers(0, size, n)] = 30000.0
    img[rng.integers(0, size, 100), rng.integers(0, size, 100)] = np.nan
    return img


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 8192, 16384])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    print("limit modes (median ms; the sample is taken afresh every time)")
    print(f"{'size':>7} " + " ".join(f"{m:>9}" for m in MODES))
    for size in args.sizes:
        image = sky(size, rng)
        row = []
        for mode in MODES:
            spec = parse_limits(mode)
            row.append(timed(lambda s=spec, im=image: compute_limits(im, s), args.repeat))
        print(f"{size:>7} " + " ".join(f"{t:9.1f}" for t in row))
        del image

    view = sky(2048, rng)[:1080, :1920].copy()
    lut = build_lut(DisplaySettings(scale="log", cmap="viridis"))
    apply = LutApplier()
    apply(view, 900.0, 1200.0, lut)  # allocate the reusable buffers once, as the viewer does
    t = timed(lambda: apply(view, 900.0, 1200.0, lut), args.repeat * 5)
    print(f"\nstretch + colormap pass over 1920 x 1080: {t:.1f} ms (median)")
    t_lut = timed(lambda: build_lut(DisplaySettings(scale="asinh", cmap="heat")), args.repeat)
    print(f"rebuild the 16384-entry colour table after a settings change: {t_lut:.2f} ms")


if __name__ == "__main__":
    main()
