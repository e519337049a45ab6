"""CCD calibration: master bias, dark and flat frames, and calibrating light frames.

Frames are streamed by rows (see :mod:`processing.combine`); bias and dark corrections
are applied lazily per row block, so building a master from many large frames keeps
memory bounded. Every result carries a header with HISTORY cards saying what was done.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from skyglass.processing import __version__
from skyglass.processing.calibration.combine import CombineOptions, combine
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.io.cards import header_number
from skyglass.processing.io.frame import Frame, exposure_time
from skyglass.processing.io.reader import open_image
from skyglass.processing.progress import ProgressCallback, report, scaled

SOFTWARE = f"Skyglass {__version__}"


def read_frame(path: str | os.PathLike) -> Frame:
    """Read a FITS image (the first image HDU) into a Frame."""
    image = open_image(path)
    mask = None
    if image._hdul is not None and "MASK" in [h.name for h in image.hdus]:
        mask = np.asarray(image._hdul["MASK"].data).astype(bool)
    sources = [image.name]
    return Frame(image.data[:, :], image.header.copy(), mask, image.name, sources)


def as_frame(item) -> Frame:
    """A Frame from a Frame, a path or a 2-D array."""
    if isinstance(item, Frame):
        return item
    if isinstance(item, (str, os.PathLike)):
        return read_frame(item)
    return Frame(np.asarray(item, dtype=np.float32), fits.Header(), name="array")


class _Corrected:
    """Rows of a raw frame minus bias and scaled dark, computed on access."""

    def __init__(
        self, rows, bias: np.ndarray | None, dark: np.ndarray | None, dark_scale: float, name: str
    ) -> None:
        self.rows, self.bias, self.dark, self.dark_scale = rows, bias, dark, dark_scale
        self.shape = tuple(rows.shape)
        self.ndim = 2
        self.name = name

    def __getitem__(self, key):
        out = np.array(self.rows[key], dtype=np.float32)
        if self.bias is not None:
            out -= self.bias[key]
        if self.dark is not None and self.dark_scale:
            out -= np.float32(self.dark_scale) * self.dark[key]
        return out


def _open_all(paths: Sequence, what: str):
    if len(paths) == 0:
        raise InvalidParameterError(f"no {what} frames given: the list is empty.")
    images = [open_image(p) for p in paths]
    return images, [im.name for im in images]


def _check_master(master: Frame | None, shape: tuple, what: str, name: str) -> None:
    if master is not None and master.data.shape != shape:
        ny, nx = master.data.shape
        raise SkyglassError(
            f"{what} {master.name} is {nx} x {ny} but {name} is {shape[1]} x {shape[0]}; "
            "masters and frames must have the same size."
        )


def _header_for(
    first: fits.Header, kind: str, names: list[str], opts: CombineOptions
) -> fits.Header:
    h = first.copy()
    h["IMAGETYP"] = (f"Master {kind}", "combined by Skyglass")
    h["NCOMBINE"] = (len(names), "number of frames combined")
    h["COMBMETH"] = (opts.method, "combine method")
    for key in ("BZERO", "BSCALE", "BLANK"):
        h.remove(key, ignore_missing=True)
    return h


def _describe(opts: CombineOptions) -> str:
    if opts.method == "sigma-clip":
        return (
            f"sigma-clipped mean (low {opts.sigma_low:g}, high {opts.sigma_high:g}, "
            f"{opts.iterations} iterations, about the {opts.center})"
        )
    if opts.method == "minmax":
        return f"mean after dropping {opts.nlow} lowest and {opts.nhigh} highest"
    return opts.method


def master_bias(
    paths: Sequence, options: CombineOptions | None = None, progress: ProgressCallback | None = None
) -> Frame:
    """Combine bias frames (median by default) into a master bias."""
    opts = (options or CombineOptions("median")).validated()
    images, names = _open_all(paths, "bias")
    data = combine([im.plane_rows() for im in images], options=opts, names=names, progress=progress)
    frame = Frame(
        data, _header_for(images[0].header, "Bias", names, opts), name="master bias", sources=names
    )
    frame.header["EXPTIME"] = 0.0
    frame.history(
        f"{SOFTWARE}: master bias, {_describe(opts)} of {len(names)} frames: " + ", ".join(names)
    )
    return frame


def master_dark(
    paths: Sequence,
    bias: Frame | None = None,
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Frame:
    """Combine dark frames of one exposure time, each minus the master bias.

    The result is the dark signal in ADU for EXPTIME seconds (bias removed); scale it by
    ``t_light / t_dark`` for lights of another exposure time.
    """
    opts = (options or CombineOptions("median")).validated()
    images, names = _open_all(paths, "dark")
    times = {}
    for im in images:
        times.setdefault(exposure_time(im.header, im.name), []).append(im.name)
    if len(times) > 1:
        groups = "; ".join(f"{t:g} s: {', '.join(n)}" for t, n in sorted(times.items()))
        raise SkyglassError(
            f"darks of different exposure times ({groups}); build one master "
            "dark per exposure time."
        )
    for im in images:
        _check_master(bias, im.shape, "master bias", im.name)
    bias_data = bias.data if bias is not None else None
    frames = [_Corrected(im.plane_rows(), bias_data, None, 0.0, im.name) for im in images]
    data = combine(frames, options=opts, names=names, progress=progress)
    frame = Frame(
        data, _header_for(images[0].header, "Dark", names, opts), name="master dark", sources=names
    )
    frame.history(
        f"{SOFTWARE}: master dark, {_describe(opts)} of {len(names)} frames: " + ", ".join(names)
    )
    frame.history(
        f"{SOFTWARE}: each dark minus "
        + (f"master bias ({bias.name})" if bias is not None else "no bias (none given)")
    )
    frame.mask = hot_pixels(frame)
    frame.header["NHOTPIX"] = (int(frame.mask.sum()), "hot pixels in MASK")
    return frame


def hot_pixels(dark: Frame, sigma: float = 8.0) -> np.ndarray:
    """Hot pixels of a master dark: far above the typical dark level (robust sigma)."""
    d = dark.data
    finite = d[np.isfinite(d)]
    if finite.size == 0:
        return np.zeros(d.shape, bool)
    med = float(np.median(finite))
    mad = float(np.median(np.abs(finite - med))) * 1.4826
    noise = max(mad, 1e-6)
    with np.errstate(invalid="ignore"):
        return d > med + sigma * noise


def master_flat(
    paths: Sequence,
    bias: Frame | None = None,
    dark: Frame | None = None,
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Frame:
    """Combine flats of one filter: each bias- and dark-corrected and divided by its median;
    the result is normalised to unit median."""
    opts = (options or CombineOptions("median")).validated()
    images, names = _open_all(paths, "flat")
    filters = {}
    for im in images:
        filters.setdefault(str(im.header.get("FILTER", "")).strip(), []).append(im.name)
    if len(filters) > 1:
        groups = "; ".join(f"{f or 'no FILTER'}: {', '.join(n)}" for f, n in filters.items())
        raise SkyglassError(
            f"flats of different filters ({groups}); build one master flat per filter."
        )
    report(progress, 0.0, "normalising flats")
    frames = []
    for im in images:
        _check_master(bias, im.shape, "master bias", im.name)
        _check_master(dark, im.shape, "master dark", im.name)
        scale = 0.0
        if dark is not None:
            scale = exposure_time(im.header, im.name) / dark.exptime
        corrected = _Corrected(
            im.plane_rows(),
            bias.data if bias is not None else None,
            dark.data if dark is not None else None,
            scale,
            im.name,
        )
        from skyglass.processing.calibration.normalise import frame_medians

        level = float(frame_medians([corrected])[0])
        if not np.isfinite(level) or level <= 0:
            raise SkyglassError(
                f"{im.name}: the flat's level is {level:g} after bias and dark "
                "correction; is it really a flat field?"
            )
        frames.append(_Normalised(corrected, level))
    data = combine(frames, options=opts, names=names, progress=scaled(progress, 0.05, 1.0))
    median = float(np.nanmedian(data))
    data /= np.float32(median)
    frame = Frame(
        data, _header_for(images[0].header, "Flat", names, opts), name="master flat", sources=names
    )
    frame.header["BUNIT"] = ("", "normalised response")
    frame.history(
        f"{SOFTWARE}: master flat ({next(iter(filters)) or 'no filter'}), "
        f"{_describe(opts)} of {len(names)} frames: " + ", ".join(names)
    )
    corrections = []
    if bias is not None:
        corrections.append(f"minus master bias ({bias.name})")
    if dark is not None:
        corrections.append(f"minus master dark ({dark.name}) scaled by exposure time")
    frame.history(
        f"{SOFTWARE}: each flat "
        + (", ".join(corrections) or "uncorrected")
        + ", divided by its median; result normalised to median 1"
    )
    return frame


class _Normalised:
    def __init__(self, base, level: float) -> None:
        self.base, self.level = base, np.float32(level)
        self.shape, self.ndim, self.name = base.shape, 2, base.name

    def __getitem__(self, key):
        return self.base[key] / self.level


@dataclass(frozen=True)
class CalibrationOptions:
    """How to calibrate a light frame.

    Attributes
    ----------
    nonlinearity : tuple of float or None
        ``(c0, c1, c2, c3)``: ``x -> c0 + c1 x + c2 x^2 + c3 x^3`` after bias subtraction.
    cosmic : str or None
        ``"lacosmic"`` (astroscrappy), ``"median"`` (a simple median-filter test) or None.
    cosmic_sigma : float
        Detection threshold for either method.
    bad_pixels : str
        ``"keep"``, ``"interpolate"`` (median of good neighbours) or ``"nan"``.
    flat_floor : float
        Flat values below this are bad pixels (a dead or weak column).
    uncertainty : bool
        Also compute the CCD-equation uncertainty, as ccdproc's ``create_deviation`` does
        on the bias-subtracted frame: ``sqrt(gain * counts + readnoise^2) / gain`` (ADU;
        negative counts give NaN), carried through the dark subtraction and the flat.
    gain : float or None
        Electrons per ADU (default: the header's GAIN or EGAIN).
    readnoise : float or None
        Read noise in electrons (default: the header's RDNOISE, READNOIS or RON).
    """

    nonlinearity: tuple[float, float, float, float] | None = None
    cosmic: str | None = None
    cosmic_sigma: float = 4.5
    bad_pixels: str = "keep"
    flat_floor: float = 0.5
    uncertainty: bool = False
    gain: float | None = None
    readnoise: float | None = None

    def validated(self) -> CalibrationOptions:
        if self.cosmic not in (None, "lacosmic", "median"):
            raise InvalidParameterError("cosmic must be None, 'lacosmic' or 'median'.")
        if self.bad_pixels not in ("keep", "interpolate", "nan"):
            raise InvalidParameterError("bad_pixels must be 'keep', 'interpolate' or 'nan'.")
        if self.nonlinearity is not None and len(self.nonlinearity) != 4:
            raise InvalidParameterError("nonlinearity needs four coefficients c0, c1, c2, c3.")
        if self.gain is not None and not self.gain > 0:
            raise InvalidParameterError("gain must be a positive number of electrons per ADU.")
        if self.readnoise is not None and not self.readnoise >= 0:
            raise InvalidParameterError("read noise must be zero or more electrons.")
        return self


def _header_number(header: fits.Header, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = header_number(header, key)
        if value is not None:
            return value
    return None


def ccd_deviation(
    counts: np.ndarray, header: fits.Header, opts: CalibrationOptions, name: str
) -> tuple[np.ndarray, float, float]:
    """The CCD-equation standard deviation of bias-subtracted ``counts`` (ADU), as
    ccdproc's ``create_deviation``; returns it with the gain and read noise used."""
    gain = opts.gain if opts.gain is not None else _header_number(header, ("GAIN", "EGAIN"))
    readnoise = (
        opts.readnoise
        if opts.readnoise is not None
        else _header_number(header, ("RDNOISE", "READNOIS", "RON"))
    )
    if gain is None or readnoise is None:
        missing = " and ".join(
            w
            for w, v in (("the gain (--gain)", gain), ("the read noise (--readnoise)", readnoise))
            if v is None
        )
        raise SkyglassError(
            f"{name}: the uncertainty needs {missing}; the header has no GAIN/RDNOISE card."
        )
    electrons = gain * counts.astype(np.float64)
    electrons[electrons < 0] = np.nan  # as ccdproc does unless told to disregard them
    sigma = np.sqrt(electrons + readnoise**2) / gain
    return sigma.astype(np.float32), float(gain), float(readnoise)


def calibrate(
    light,
    bias: Frame | None = None,
    dark: Frame | None = None,
    flat: Frame | None = None,
    options: CalibrationOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Frame:
    """Calibrate a light frame: ``(raw - bias - dark * t_light / t_dark) / flat``.

    Parameters
    ----------
    light : Frame, path or array
        The raw frame (never modified).
    bias, dark, flat : Frame, optional
        Masters (dark already bias-subtracted, flat normalised).
    options : CalibrationOptions, optional
        Nonlinearity, cosmic rays, bad pixels.
    progress : callable, optional
        Progress and cancel.

    Returns
    -------
    Frame
        float32 data in the raw frame's units, the raw header plus HISTORY, and the mask of
        bad pixels found (hot, weak, cosmic rays).
    """
    opts = (options or CalibrationOptions()).validated()
    raw = as_frame(light)
    name = raw.name
    for master, what in ((bias, "master bias"), (dark, "master dark"), (flat, "master flat")):
        _check_master(master, raw.data.shape, what, name)
    if flat is not None:
        lf = str(raw.header.get("FILTER", "")).strip()
        ff = str(flat.header.get("FILTER", "")).strip()
        if lf and ff and lf != ff:
            raise SkyglassError(
                f"{name} was taken in filter {lf} but the master flat "
                f"({flat.name}) is for filter {ff}; use a flat of filter {lf}."
            )
    report(progress, 0.0, f"calibrating {name}")
    header = raw.header.copy()
    for key in ("BZERO", "BSCALE", "BLANK"):
        header.remove(key, ignore_missing=True)
    out = Frame(raw.data.astype(np.float32, copy=True), header, name=name, sources=[name])
    data = out.data
    bad = np.zeros(data.shape, bool)
    if bias is not None:
        data -= bias.data
        out.history(
            f"{SOFTWARE}: minus {bias.name} "
            f"({', '.join(bias.sources[:3])}{'...' if len(bias.sources) > 3 else ''})"
        )
    sigma = None
    if opts.uncertainty:
        sigma, gain, readnoise = ccd_deviation(data, raw.header, opts, name)
        out.history(
            f"{SOFTWARE}: uncertainty sqrt(gain*counts + rn^2)/gain, gain {gain:g} e-/ADU, "
            f"read noise {readnoise:g} e-"
        )
    if opts.nonlinearity is not None:
        c0, c1, c2, c3 = (float(c) for c in opts.nonlinearity)
        if sigma is not None:  # first-order propagation through the polynomial
            sigma = (sigma * np.abs(c1 + data * (2 * c2 + 3 * c3 * data))).astype(np.float32)
        data[:] = c0 + data * (c1 + data * (c2 + data * c3))
        out.history(f"{SOFTWARE}: nonlinearity x -> {c0:g} + {c1:g} x + {c2:g} x^2 + {c3:g} x^3")
    if dark is not None:
        ratio = exposure_time(raw.header, name) / dark.exptime
        data -= np.float32(ratio) * dark.data
        out.history(
            f"{SOFTWARE}: minus {dark.name} x {ratio:g} "
            f"(EXPTIME {exposure_time(raw.header, name):g} s / {dark.exptime:g} s)"
        )
        if dark.mask is not None:
            bad |= dark.mask
    report(progress, 0.3, f"calibrating {name}")
    if flat is not None:
        # Weak pixels (a column at 35 % response) are still flat-fielded; they are also
        # listed as bad pixels. A flat of zero or NaN cannot be divided by: NaN.
        usable = np.isfinite(flat.data) & (flat.data > 0)
        bad |= ~usable | (flat.data < opts.flat_floor)
        with np.errstate(invalid="ignore", divide="ignore"):
            divisor = np.where(usable, flat.data, np.nan).astype(np.float32)
            data /= divisor
            if sigma is not None:
                sigma = sigma / divisor
        out.history(f"{SOFTWARE}: divided by {flat.name} (filter {flat.header.get('FILTER', '?')})")
    report(progress, 0.5, f"calibrating {name}")
    if opts.cosmic is not None:
        crmask = _cosmic_rays(data, raw.header, opts)
        bad |= crmask
        how = "L.A.Cosmic, astroscrappy" if opts.cosmic == "lacosmic" else "median filter"
        out.history(
            f"{SOFTWARE}: cosmic rays ({how}, sigma {opts.cosmic_sigma:g}): "
            f"{int(crmask.sum())} pixels"
        )
    report(progress, 0.8, f"calibrating {name}")
    if opts.bad_pixels == "nan":
        data[bad] = np.nan
        out.history(f"{SOFTWARE}: {int(bad.sum())} bad pixels set to NaN")
    elif opts.bad_pixels == "interpolate":
        fill_bad_pixels(data, bad)
        out.history(f"{SOFTWARE}: {int(bad.sum())} bad pixels interpolated from neighbours")
    elif opts.cosmic is not None:  # cosmic rays are always replaced when they are cleaned
        fill_bad_pixels(data, bad & _cosmic_only(bad, dark, flat, opts))
    out.mask = bad
    out.uncertainty = sigma
    out.header["CALSTAT"] = (
        "".join(c for c, m in (("B", bias), ("D", dark), ("F", flat)) if m),
        "calibrations applied",
    )
    report(progress, 1.0, f"calibrated {name}")
    return out


def _cosmic_only(bad, dark, flat, opts) -> np.ndarray:
    other = np.zeros(bad.shape, bool)
    if dark is not None and dark.mask is not None:
        other |= dark.mask
    if flat is not None:
        other |= ~np.isfinite(flat.data) | (flat.data < opts.flat_floor)
    return ~other


def _cosmic_rays(data: np.ndarray, header: fits.Header, opts: CalibrationOptions) -> np.ndarray:
    """Boolean mask of cosmic-ray pixels."""
    finite = np.isfinite(data)
    work = np.where(finite, data, np.nanmedian(data)).astype(np.float32)
    if opts.cosmic == "lacosmic":
        import astroscrappy

        from skyglass.processing.measure.stars import estimate_fwhm

        gain = header_number(header, "GAIN") or 1.0
        rdnoise = header_number(header, "RDNOISE") or 5.0
        # A PSF model at the image's own FWHM (fsmode="convolve") keeps L.A.Cosmic off the
        # cores of bright stars; the default median fine structure flagged them.
        fwhm = estimate_fwhm(work)
        size = int(2 * round(1.25 * fwhm) + 1)
        mask, _ = astroscrappy.detect_cosmics(
            work,
            sigclip=opts.cosmic_sigma,
            gain=gain,
            readnoise=rdnoise,
            satlevel=np.inf,
            fsmode="convolve",
            psfmodel="gauss",
            psffwhm=fwhm,
            psfsize=max(5, size),
        )
        return np.asarray(mask, bool) & finite
    from scipy import ndimage

    med = ndimage.median_filter(work, size=5)
    resid = work - med
    mad = float(np.median(np.abs(resid))) * 1.4826 or 1.0
    # Sharp: far above the local median, and much sharper than a star (neighbours low).
    peak = resid > opts.cosmic_sigma * mad
    sharp = work - ndimage.maximum_filter(np.where(peak, -np.inf, work), size=3) > (
        opts.cosmic_sigma * mad
    )
    return peak & sharp & finite


def fill_bad_pixels(data: np.ndarray, bad: np.ndarray) -> None:
    """Replace ``bad`` pixels (in place) by the median of the good pixels around them.

    Windows grow (3, 5, 9, 17 pixels) until they hold a good pixel; medians are computed
    only at the bad pixels, so a few thousand bad pixels cost milliseconds.
    """
    rows, cols = np.nonzero(bad)
    if rows.size == 0:
        return
    ny, nx = data.shape
    work = np.where(bad | ~np.isfinite(data), np.nan, data)
    for half in (1, 2, 4, 8):
        dy, dx = np.mgrid[-half : half + 1, -half : half + 1]
        rr = np.clip(rows[:, None] + dy.ravel(), 0, ny - 1)
        cc = np.clip(cols[:, None] + dx.ravel(), 0, nx - 1)
        vals = work[rr, cc]
        has = np.isfinite(vals).any(axis=1)
        med = np.full(rows.size, np.nan, np.float32)
        if has.any():
            med[has] = np.nanmedian(vals[has], axis=1)
        data[rows[has], cols[has]] = med[has]
        rows, cols = rows[~has], cols[~has]
        if rows.size == 0:
            return
    data[rows, cols] = np.nan
