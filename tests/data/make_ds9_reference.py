"""Make the small reference images and record SAOImage DS9's limits for them.

Run by hand (needs DS9 and xpa-tools, with DS9 running under a display as ``ds9``):
    python tests/data/make_ds9_reference.py
It rewrites ``ds9_*.fits`` and ``ds9_reference.json``; the tests only read them.
"""

import json
import subprocess
import time
from pathlib import Path

import numpy as np
from astropy.io import fits

HERE = Path(__file__).parent


def images() -> dict[str, fits.PrimaryHDU]:
    rng = np.random.default_rng(42)
    out = {}
    # Float sky with a gradient, stars, hot pixels and a NaN patch; odd size.
    ny, nx = 257, 301
    yy, xx = np.mgrid[0:ny, 0:nx]
    img = 500 + 0.3 * xx + 0.1 * yy + rng.normal(0, 12, (ny, nx))
    for _ in range(40):
        cx, cy, f = rng.uniform(0, nx), rng.uniform(0, ny), rng.uniform(200, 20000)
        img += f * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 1.8**2))
    img[rng.integers(0, ny, 30), rng.integers(0, nx, 30)] = 60000
    img[100:120, 40:70] = np.nan
    out["ds9_float_nan.fits"] = fits.PrimaryHDU(img.astype(np.float32))
    # Scaled 16-bit integers with BLANK.
    raw = rng.normal(0, 3000, (200, 333)).astype(np.int16)
    raw[10:15, 10:300] = -32768
    h = fits.PrimaryHDU(raw)
    h.header["BSCALE"] = 0.5
    h.header["BZERO"] = 100.0
    h.header["BLANK"] = -32768
    out["ds9_scaled_blank.fits"] = h
    # Unsigned 16-bit like a camera, heavy-tailed, narrow and tall.
    cam = (1000 + rng.gamma(2.0, 40.0, (1000, 61))).astype(np.uint16)
    out["ds9_uint16_tall.fits"] = fits.PrimaryHDU(cam)
    # Exponential distribution, wide.
    out["ds9_exp_wide.fits"] = fits.PrimaryHDU(rng.exponential(50.0, (90, 1100)).astype(np.float32))
    # Tiny and odd-sized: DS9's line loop stops before the last row here.
    small = 500 + rng.gamma(1.5, 20.0, (21, 20))
    out["ds9_small_odd.fits"] = fits.PrimaryHDU(small.astype(np.float32))
    return out


def xpa(*args: str) -> str:
    return subprocess.run(
        ["xpaget", "ds9", *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def xpaset(*args: str) -> None:
    subprocess.run(["xpaset", "-p", "ds9", *args], check=True)


def main() -> None:
    reference = {"ds9_version": xpa("version"), "images": {}}
    for name, hdu in images().items():
        path = HERE / name
        hdu.writeto(path, overwrite=True, output_verify="silentfix")
        xpaset("fits", str(path))
        entry = {}
        for mode in ("zscale", "minmax", "99.5", "95", "90"):
            xpaset("scale", "mode", mode)
            time.sleep(0.3)
            low, high = (float(v) for v in xpa("scale", "limits").split())
            entry[mode] = [low, high]
        reference["images"][name] = entry
    (HERE / "ds9_reference.json").write_text(json.dumps(reference, indent=2) + "\n")
    print(json.dumps(reference, indent=2))


if __name__ == "__main__":
    main()
