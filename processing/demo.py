"""A synthetic but realistic observing night: raw CCD frames with truth files.

One CCD, one night: biases, darks at two exposure times, twilight flats in V and R,
and dithered light frames of a star field, stored as unsigned 16-bit integers with
BZERO = 32768 as cameras write them. Beside them, ``truth/`` holds what generated them
(star list, true flats, dark-current map, per-frame star positions) so that calibration,
alignment and star detection can be checked against known answers.

The generator is deterministic for a given size and seed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.fileio import atomic_write_fits
from skyglass.processing.progress import Cancelled


@dataclass(frozen=True)
class Camera:
    """The detector: gain and noise figures written to every header."""

    gain: float = 1.5  # e-/ADU
    read_noise: float = 7.0  # e-
    bias_level: float = 1000.0  # ADU
    dark_rate: float = 0.08  # e-/s/pixel at CCD-TEMP
    hot_fraction: float = 4e-4
    ccd_temp: float = -10.0
    saturation: int = 65535
    pixel_scale: float = 0.8  # arcsec/pixel


@dataclass(frozen=True)
class NightPlan:
    """How many frames of each kind, and their exposure times (s)."""

    n_bias: int = 5
    darks: tuple[tuple[float, int], ...] = ((10.0, 3), (120.0, 3))
    flats: tuple[tuple[str, float, int], ...] = (("V", 10.0, 5), ("R", 10.0, 5))
    lights: tuple[tuple[str, float, int], ...] = (("V", 60.0, 5), ("R", 120.0, 3))
    target: str = "NGC 2420 field"
    ra: float = 114.60  # field centre, degrees
    dec: float = 21.58
    date: str = "2026-03-14"


# Photometric zero points: magnitude giving 1 e-/s, per filter; sky in e-/s/pixel.
_ZERO_POINT = {"V": 23.0, "R": 23.2}
_SKY_RATE = {"V": 4.0, "R": 6.5}
_FLAT_LEVEL = {"V": 26000.0, "R": 22000.0}  # ADU at the start of the sequence


@dataclass
class DemoNight:
    """What :func:`generate_night` wrote: paths by frame kind, and the truth folder."""

    folder: str
    biases: list[str] = field(default_factory=list)
    darks: list[str] = field(default_factory=list)
    flats: list[str] = field(default_factory=list)
    lights: list[str] = field(default_factory=list)
    truth: str = ""

    @property
    def all_frames(self) -> list[str]:
        return self.biases + self.darks + self.flats + self.lights


def _moffat_alpha(fwhm: float, beta: float) -> float:
    return fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))


def _add_star(img: np.ndarray, x: float, y: float, flux: float, fwhm: float, beta: float) -> None:
    """Add a Moffat star of total ``flux`` centred at 0-based ``(x, y)`` = (col, row)."""
    alpha = _moffat_alpha(fwhm, beta)
    # Stamp radius where the profile falls below 0.02 e-/pixel.
    norm = (beta - 1.0) / (math.pi * alpha * alpha)
    ratio = max(norm * flux / 0.02, 1.0)
    radius = int(min(120, max(6, alpha * math.sqrt(ratio ** (1.0 / beta) - 1.0))))
    ny, nx = img.shape
    x0, x1 = max(0, int(x) - radius), min(nx, int(x) + radius + 1)
    y0, y1 = max(0, int(y) - radius), min(ny, int(y) + radius + 1)
    if x0 >= x1 or y0 >= y1:
        return
    dx = np.arange(x0, x1, dtype=np.float32) - np.float32(x)
    dy = np.arange(y0, y1, dtype=np.float32) - np.float32(y)
    r2 = dy[:, None] ** 2 + dx[None, :] ** 2
    img[y0:y1, x0:x1] += (flux * norm) * (1.0 + r2 / (alpha * alpha)) ** (-beta)


def _true_flat(
    size: int,
    band: str,
    rng: np.random.Generator,
    pixel_response: np.ndarray,
    dust_window: list[tuple[float, float, float]],
    bad_col: int,
) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2.0
    r = np.hypot(xx - c - 0.03 * size, yy - c + 0.02 * size) / (size / 2.0)
    strength = {"V": 0.22, "R": 0.18}.get(band, 0.2)
    flat = (1.0 - strength * r**2 + 0.04 * r**4) * pixel_response
    # Dust donuts: out-of-focus shadows of dust on the filter (per band) and window.
    dust = list(dust_window)
    for _ in range(3):
        dust.append(
            (
                rng.uniform(0.1, 0.9) * size,
                rng.uniform(0.1, 0.9) * size,
                rng.uniform(0.012, 0.025) * size,
            )
        )
    for cx, cy, rad in dust:
        d = np.hypot(xx - cx, yy - cy)
        ring = np.exp(-0.5 * ((d - rad) / (0.18 * rad)) ** 2)
        flat *= 1.0 - 0.05 * ring
    flat[:, bad_col] *= 0.35  # a column with poor charge transfer
    return (flat / np.median(flat)).astype(np.float32)


def _cosmic_rays(shape: tuple[int, int], exptime: float, rng: np.random.Generator) -> np.ndarray:
    """Sharp tracks of deposited charge (e-), about 1.5 per megapixel per minute."""
    ny, nx = shape
    img = np.zeros(shape, np.float32)
    n = rng.poisson(1.5 * ny * nx / 1e6 * exptime / 60.0)
    for _ in range(n):
        length = rng.integers(1, 9)
        angle = rng.uniform(0, math.pi)
        x, y = rng.uniform(0, nx), rng.uniform(0, ny)
        charge = rng.uniform(800, 6000)
        for k in range(length):
            col = int(x + k * math.cos(angle))
            row = int(y + k * math.sin(angle))
            if 0 <= row < ny and 0 <= col < nx:
                img[row, col] += charge * rng.uniform(0.6, 1.0)
    return img


def _base_header(
    cam: Camera,
    plan: NightPlan,
    imagetyp: str,
    exptime: float,
    when: datetime,
    band: str | None = None,
) -> fits.Header:
    h = fits.Header()
    h["IMAGETYP"] = (imagetyp, "type of image")
    h["EXPTIME"] = (exptime, "[s] exposure time")
    h["EXPOSURE"] = (exptime, "[s] exposure time")
    h["DATE-OBS"] = (when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3], "UTC start of exposure")
    if band is not None:
        h["FILTER"] = (band, "filter name")
    h["TELESCOP"] = ("Skyglass 0.4m demo telescope", "telescope")
    h["INSTRUME"] = ("Skyglass demo CCD", "camera")
    h["CCD-TEMP"] = (cam.ccd_temp, "[C] CCD temperature")
    h["GAIN"] = (cam.gain, "[e-/ADU] detector gain")
    h["RDNOISE"] = (cam.read_noise, "[e-] read noise")
    h["SATURATE"] = (cam.saturation, "[adu] saturation level")
    h["XBINNING"] = 1
    h["YBINNING"] = 1
    h["BUNIT"] = ("adu", "pixel units")
    h["OBSERVER"] = "Skyglass demo"
    h["ORIGIN"] = "skyglass demo (synthetic data)"
    return h


def _to_adu(
    electrons: np.ndarray, bias: np.ndarray, cam: Camera, rng: np.random.Generator
) -> np.ndarray:
    """Read out: shot noise already applied; add read noise, gain, bias; digitise."""
    adu = electrons + rng.normal(0.0, cam.read_noise, electrons.shape).astype(np.float32)
    adu /= np.float32(cam.gain)
    adu += bias
    return np.clip(np.round(adu), 0, cam.saturation).astype(np.uint16)


def _poisson(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(np.maximum(mean, 0.0)).astype(np.float32)


def _write(path: str, data: np.ndarray, header: fits.Header) -> None:
    hdu = fits.PrimaryHDU(data=data, header=header)
    atomic_write_fits(fits.HDUList([hdu]), path, overwrite=True)


def generate_night(
    folder: str | os.PathLike,
    size: int = 2048,
    seed: int = 1,
    plan: NightPlan | None = None,
    camera: Camera | None = None,
    progress: Callable[[float, str], bool | None] | None = None,
) -> DemoNight:
    """Write a synthetic observing night into ``folder``.

    Parameters
    ----------
    folder : str or path-like
        Created if needed; existing demo files are replaced.
    size : int
        Frame width and height in pixels (64 to 16384).
    seed : int
        Random seed; the same seed gives the same night, bit for bit.
    plan : NightPlan, optional
        Frame counts and exposure times.
    camera : Camera, optional
        Detector properties.
    progress : callable, optional
        Called as ``progress(fraction, message)``; returning True cancels
        (:class:`InterruptedError` is raised).

    Returns
    -------
    DemoNight
        The paths written.
    """
    size = int(size)
    if not 64 <= size <= 16384:
        raise InvalidParameterError(f"demo size must be between 64 and 16384, got {size}.")
    plan = plan or NightPlan()
    cam = camera or Camera()
    folder = os.fspath(folder)
    truth_dir = os.path.join(folder, "truth")
    os.makedirs(truth_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    night = DemoNight(folder=folder, truth=truth_dir)
    n_total = (
        plan.n_bias
        + sum(n for _, n in plan.darks)
        + sum(n for *_, n in plan.flats)
        + sum(n for *_, n in plan.lights)
    )
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress is not None and progress(done / n_total, message):
            raise Cancelled("demo generation cancelled")

    shape = (size, size)
    # Fixed detector patterns.
    cols = np.arange(size, dtype=np.float32)
    bias_pattern = (cam.bias_level + 1.5 * np.sin(cols / 37.0) + 3.0 * cols / size)[None, :]
    bias_pattern = np.broadcast_to(bias_pattern, shape).astype(np.float32)
    dark_map = np.full(shape, cam.dark_rate, np.float32)
    n_hot = int(cam.hot_fraction * size * size)
    hot_rows = rng.integers(0, size, n_hot)
    hot_cols = rng.integers(0, size, n_hot)
    dark_map[hot_rows, hot_cols] += rng.lognormal(math.log(8.0), 1.0, n_hot).astype(np.float32)
    bad_col = int(size * 0.37)
    pixel_response = (1.0 + rng.normal(0, 0.008, shape)).astype(np.float32)
    window_dust = [
        (
            rng.uniform(0.15, 0.85) * size,
            rng.uniform(0.15, 0.85) * size,
            rng.uniform(0.01, 0.02) * size,
        )
        for _ in range(2)
    ]
    bands = sorted({b for b, *_ in plan.flats} | {b for b, *_ in plan.lights})
    flats = {b: _true_flat(size, b, rng, pixel_response, window_dust, bad_col) for b in bands}

    start = datetime.fromisoformat(plan.date + "T18:20:00")

    # Biases.
    for i in range(plan.n_bias):
        e = rng.normal(0, cam.read_noise, shape).astype(np.float32)
        data = np.clip(np.round(e / cam.gain + bias_pattern), 0, cam.saturation).astype(np.uint16)
        h = _base_header(cam, plan, "Bias Frame", 0.0, start + timedelta(seconds=20 * i))
        path = os.path.join(folder, f"bias_{i + 1:03d}.fits")
        _write(path, data, h)
        night.biases.append(path)
        step(os.path.basename(path))

    # Twilight flats (the sky fades during the sequence).
    t = start + timedelta(minutes=15)
    for band, exptime, n in plan.flats:
        for i in range(n):
            level = _FLAT_LEVEL.get(band, 24000.0) * (0.93**i) * cam.gain
            e = _poisson(level * flats[band] + dark_map * exptime, rng)
            data = _to_adu(e, bias_pattern, cam, rng)
            h = _base_header(cam, plan, "Flat Field", exptime, t, band)
            path = os.path.join(folder, f"flat_{band}_{i + 1:03d}.fits")
            _write(path, data, h)
            night.flats.append(path)
            t += timedelta(seconds=exptime + 25)
            step(os.path.basename(path))

    # The star field, fixed on the sky.
    base = WCS(naxis=2)
    base.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    base.wcs.crval = [plan.ra, plan.dec]
    base.wcs.crpix = [(size + 1) / 2.0, (size + 1) / 2.0]
    scale = cam.pixel_scale / 3600.0
    base.wcs.cd = [[-scale, 0.0], [0.0, scale]]
    base.wcs.cunit = ["deg", "deg"]
    margin = 40
    area = ((size + 2 * margin) / 2048.0) ** 2
    n_stars = int(1400 * area)
    # Luminosity function rising towards faint stars (dN/dm ~ 10^(0.3 m)).
    u = rng.uniform(0, 1, n_stars)
    m_lo, m_hi, k = 9.5, 20.5, 0.3 * math.log(10)
    mag_v = m_lo + np.log(1 + u * (math.exp(k * (m_hi - m_lo)) - 1)) / k
    color = rng.normal(0.5, 0.25, n_stars)
    mags = {"V": mag_v, "R": mag_v - color}
    px = rng.uniform(-margin, size + margin, n_stars)
    py = rng.uniform(-margin, size + margin, n_stars)
    ra, dec = base.all_pix2world(px, py, 0)
    stars = Table()
    stars["id"] = np.arange(1, n_stars + 1)
    stars["ra"] = ra
    stars["dec"] = dec
    stars["ra"].unit = stars["dec"].unit = "deg"
    for b in bands:
        stars[f"mag_{b}"] = mags.get(b, mag_v)
        stars[f"rate_{b}"] = 10 ** (-0.4 * (stars[f"mag_{b}"] - _ZERO_POINT.get(b, 23.0)))
        stars[f"rate_{b}"].unit = "electron / s"
    stars.meta["comments"] = [
        "Skyglass demo night: every star, fixed on the sky.",
        "rate_X: electrons per second above the atmosphere in filter X.",
    ]
    stars.write(os.path.join(truth_dir, "stars.ecsv"), overwrite=True)

    # Lights.
    t = start + timedelta(hours=1, minutes=30)
    frames_meta = []
    light_index = 0
    for band, exptime, n in plan.lights:
        for i in range(n):
            light_index += 1
            dx, dy = rng.uniform(-12, 12, 2)
            fwhm = 3.4 + 0.5 * math.sin(light_index * 0.9) + rng.uniform(-0.1, 0.1)
            beta = 3.0
            transparency = 0.75 if light_index == 3 else rng.uniform(0.95, 1.0)
            sky_rate = _SKY_RATE.get(band, 5.0) * (1.3 if light_index == 3 else 1.0)
            w = base.deepcopy()
            w.wcs.crpix = [base.wcs.crpix[0] + dx, base.wcs.crpix[1] + dy]
            x0, y0 = w.all_world2pix(stars["ra"], stars["dec"], 0)
            flux = np.asarray(stars[f"rate_{band}"]) * exptime * transparency
            img = np.zeros(shape, np.float32)
            inside = (x0 > -30) & (x0 < size + 30) & (y0 > -30) & (y0 < size + 30)
            for xs, ys, fs in zip(x0[inside], y0[inside], flux[inside], strict=True):
                _add_star(img, float(xs), float(ys), float(fs), fwhm, beta)
            img += np.float32(sky_rate * exptime)
            img *= flats[band]
            img += dark_map * np.float32(exptime)
            e = _poisson(img, rng) + _cosmic_rays(shape, exptime, rng)
            data = _to_adu(e, bias_pattern, cam, rng)
            h = _base_header(cam, plan, "Light Frame", exptime, t, band)
            h["OBJECT"] = (plan.target, "target")
            h["AIRMASS"] = (round(1.05 + 0.03 * light_index, 3), "airmass")
            h.update(w.to_header())
            h["EQUINOX"] = 2000.0
            name = f"light_{band}_{i + 1:03d}"
            path = os.path.join(folder, name + ".fits")
            _write(path, data, h)
            night.lights.append(path)
            # Truth for this frame: where each star landed (FITS 1-based) and its signal.
            on = inside & (x0 >= -0.5) & (x0 < size - 0.5) & (y0 >= -0.5) & (y0 < size - 0.5)
            ft = Table()
            ft["id"] = stars["id"][on]
            ft["x"] = x0[on] + 1.0
            ft["y"] = y0[on] + 1.0
            ft["ra"] = stars["ra"][on]
            ft["dec"] = stars["dec"][on]
            ft["flux_e"] = flux[on]
            ft["flux_adu"] = flux[on] / cam.gain
            alpha = _moffat_alpha(fwhm, beta)
            peak = flux[on] * (beta - 1) / (math.pi * alpha**2)
            ft["peak_adu"] = peak / cam.gain
            # Signal-to-noise in an aperture of radius 1.5 FWHM (the usual CCD equation).
            npix = math.pi * (1.5 * fwhm) ** 2
            enclosed = 1 - (1 + (1.5 * fwhm) ** 2 / alpha**2) ** (1 - beta)
            sig = flux[on] * enclosed
            noise = np.sqrt(
                sig + npix * (sky_rate * exptime + cam.dark_rate * exptime + cam.read_noise**2)
            )
            ft["snr"] = sig / noise
            ft.meta["fwhm"] = fwhm
            ft.meta["dx"], ft.meta["dy"] = float(dx), float(dy)
            ft.write(os.path.join(truth_dir, name + ".ecsv"), overwrite=True)
            frames_meta.append(
                {
                    "file": os.path.basename(path),
                    "filter": band,
                    "exptime": exptime,
                    "fwhm": round(fwhm, 4),
                    "beta": beta,
                    "dither": [float(dx), float(dy)],
                    "transparency": round(float(transparency), 4),
                    "sky_e_per_s": sky_rate,
                    "date_obs": h["DATE-OBS"],
                }
            )
            t += timedelta(seconds=exptime + 90)
            step(os.path.basename(path))

    # Darks at the end of the night.
    t += timedelta(minutes=10)
    for exptime, n in plan.darks:
        for i in range(n):
            e = _poisson(dark_map * exptime, rng) + _cosmic_rays(shape, exptime, rng)
            data = _to_adu(e, bias_pattern, cam, rng)
            h = _base_header(cam, plan, "Dark Frame", exptime, t)
            path = os.path.join(folder, f"dark_{int(exptime):03d}s_{i + 1:03d}.fits")
            _write(path, data, h)
            night.darks.append(path)
            t += timedelta(seconds=exptime + 5)
            step(os.path.basename(path))

    # Truth images and a summary.
    for b, flat in flats.items():
        hh = fits.Header()
        hh["FILTER"] = b
        hh["COMMENT"] = "True flat field (response normalised to median 1)."
        _write(os.path.join(truth_dir, f"flat_{b}.fits"), flat, hh)
    hd = fits.Header()
    hd["BUNIT"] = "electron / s"
    hd["COMMENT"] = "True dark current per pixel, hot pixels included."
    _write(os.path.join(truth_dir, "dark_current.fits"), dark_map, hd)
    summary = {
        "size": size,
        "seed": seed,
        "gain": cam.gain,
        "read_noise": cam.read_noise,
        "bias_level": cam.bias_level,
        "dark_rate": cam.dark_rate,
        "bad_column_x": bad_col + 1,
        "pixel_scale_arcsec": cam.pixel_scale,
        "field_center": [plan.ra, plan.dec],
        "n_hot_pixels": n_hot,
        "lights": frames_meta,
        "frames": {
            "bias": [os.path.basename(p) for p in night.biases],
            "dark": [os.path.basename(p) for p in night.darks],
            "flat": [os.path.basename(p) for p in night.flats],
            "light": [os.path.basename(p) for p in night.lights],
        },
    }
    with open(os.path.join(truth_dir, "night.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    return night
