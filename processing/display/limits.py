"""Display limits (the data values mapped to the ends of the colour scale), as DS9 computes them.

Every mode works on a sample of large images, so a 16k x 16k image takes milliseconds:
zscale reads DS9's own sample (about 600 pixels from evenly spaced lines); percentiles
read a strided grid of at most :data:`SAMPLE_TARGET` pixels (the whole image up to about
1k x 1k); minmax scans every pixel up to 4k x 4k, as DS9 does, and the grid beyond.
NaN and Inf are ignored everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skyglass.processing.errors import InvalidParameterError

#: Limit modes by name; a number (``"97.5"``) is also a percentage mode.
LIMIT_MODES = ("minmax", "zscale", "zmax", "99.5", "99", "98", "95", "90", "user")
#: How each limit mode reads in menus and the scale panel: (value, label, tip).
LIMIT_CHOICES = (
    ("minmax", "minmax", "The lowest and highest pixel values"),
    ("zscale", "zscale", "IRAF/DS9 zscale: the sky's range, good for faint detail"),
    ("zmax", "zmax", "zscale's low limit and the highest pixel value"),
    ("99.5", "99.5%", "Clip 0.25 % of the pixels at each end"),
    ("99", "99%", "Clip 0.5 % of the pixels at each end"),
    ("98", "98%", "Clip 1 % of the pixels at each end"),
    ("95", "95%", "Clip 2.5 % of the pixels at each end"),
    ("90", "90%", "Clip 5 % of the pixels at each end"),
    ("user", "user", "Limits typed in or dragged on the histogram"),
)
#: Pixels in the grid sample used by minmax, zmax's max, percentiles and histograms.
SAMPLE_TARGET = 1_000_000
#: Up to this many pixels minmax scans the whole image, as DS9 does (a 4096 x 4096 image);
#: beyond it, the grid sample.
MINMAX_SCAN_LIMIT = 4096 * 4096

# DS9's zscale parameters (IRAF's algorithm).
ZSCALE_CONTRAST = 0.25
ZSCALE_SAMPLES = 600
ZSCALE_PER_LINE = 120
ZSCALE_KREJ = 2.5
ZSCALE_MAX_REJECT = 0.5
ZSCALE_MAX_ITERATIONS = 5
ZSCALE_MIN_NPIXELS = 5


@dataclass(frozen=True)
class LimitSpec:
    """A limits request: a mode name, a percentage, or user values.

    Attributes
    ----------
    mode : str
        ``minmax``, ``zscale``, ``zmax``, ``percent`` or ``user``.
    percent : float
        For ``percent``: the central fraction kept, in percent (DS9's 99.5 keeps 99.5 %).
    low, high : float
        For ``user``.
    """

    mode: str
    percent: float = 100.0
    low: float = 0.0
    high: float = 1.0

    @property
    def label(self) -> str:
        if self.mode == "percent":
            return f"{self.percent:g}%"
        if self.mode == "user":
            return f"{self.low:g},{self.high:g}"
        return self.mode


def parse_limits(text: str) -> LimitSpec:
    """Parse a limits request: ``zscale``, ``minmax``, ``zmax``, ``99.5``, ``95%`` or ``LOW,HIGH``.

    Raises
    ------
    InvalidParameterError
        For anything else.
    """
    t = str(text).strip().lower()
    if t in ("minmax", "zscale", "zmax"):
        return LimitSpec(t)
    if "," in t:
        try:
            low, high = (float(v) for v in t.split(","))
        except ValueError:
            raise InvalidParameterError(
                f"limits {text!r}: expected LOW,HIGH as two numbers."
            ) from None
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            raise InvalidParameterError(f"limits {text!r}: need finite LOW < HIGH.")
        return LimitSpec("user", low=low, high=high)
    try:
        percent = float(t.rstrip("%"))
    except ValueError:
        raise InvalidParameterError(
            f"limits {text!r}: use minmax, zscale, zmax, a percentage such as 99.5, or LOW,HIGH."
        ) from None
    if not 0.0 < percent <= 100.0:
        raise InvalidParameterError(f"limits {text!r}: a percentage must be in (0, 100].")
    return LimitSpec("percent", percent=percent)


def grid_sample(data, target: int = SAMPLE_TARGET) -> np.ndarray:
    """Return the finite values of an evenly strided grid of at most about ``target`` pixels.

    Parameters
    ----------
    data : array-like, 2-D
        ndarray or :class:`~processing.scaled.ScaledArray` (only the sampled rows are read).
    target : int
        Upper bound on the number of pixels read.

    Returns
    -------
    numpy.ndarray
        1-D float32 array (possibly empty).
    """
    ny, nx = data.shape[-2:]
    step = max(1, math.ceil(math.sqrt(ny * nx / target)))
    values = np.asarray(data[::step, ::step], dtype=np.float32).ravel()
    finite = np.isfinite(values)
    return values if finite.all() else values[finite]


def _safe(low: float, high: float) -> tuple[float, float]:
    return float(low), float(high)


def minmax_limits(sample: np.ndarray) -> tuple[float, float]:
    """Minimum and maximum of a sample (``(0, 1)`` when it is empty)."""
    if sample.size == 0:
        return 0.0, 1.0
    return _safe(sample.min(), sample.max())


def scan_minmax(data) -> tuple[float, float] | None:
    """Exact minimum and maximum of the finite pixels, in row chunks; None if none.

    For integer data behind a :class:`~processing.scaled.ScaledArray` the scan runs on the
    raw integers (BLANK excluded) and scales only the two results.
    """
    raw = getattr(data, "raw", None)
    integer = raw is not None and np.issubdtype(raw.dtype, np.integer)
    lo, hi = math.inf, -math.inf
    ny = data.shape[0]
    for r0 in range(0, ny, 1024):
        block = np.asarray(raw[r0 : r0 + 1024]) if integer else np.asarray(data[r0 : r0 + 1024])
        if integer:
            if data.blank is not None:
                block = block[block != data.blank]
        if block.size and not integer:
            # fmin/fmax skip NaN in one pass; only an Inf needs the slow filter.
            bmin, bmax = np.fmin.reduce(block, axis=None), np.fmax.reduce(block, axis=None)
            if not (np.isfinite(bmin) and np.isfinite(bmax)):
                block = block[np.isfinite(block)]
            else:
                lo, hi = min(lo, bmin), max(hi, bmax)
                continue
        if block.size:
            lo, hi = min(lo, block.min()), max(hi, block.max())
    if lo > hi:
        return None
    if integer:
        lo, hi = (float(data.scale(np.array([v]))[0]) for v in (lo, hi))
        lo, hi = min(lo, hi), max(lo, hi)  # a negative BSCALE swaps them
    return float(lo), float(hi)


def percentile_limits(sample: np.ndarray, percent: float) -> tuple[float, float]:
    """Limits that keep the central ``percent`` of the pixels, as DS9's 99.5 % etc.

    DS9 clips ``(100 - percent) / 2`` per cent at each end.
    """
    if sample.size == 0:
        return 0.0, 1.0
    if percent >= 100.0:
        return minmax_limits(sample)
    tail = (100.0 - percent) / 2.0
    low, high = np.percentile(sample, [tail, 100.0 - tail])
    return _safe(low, high)


def zscale_sample(
    data, nsamples: int = ZSCALE_SAMPLES, per_line: int = ZSCALE_PER_LINE
) -> np.ndarray:
    """The pixels DS9's zscale looks at: evenly spaced columns of evenly spaced lines.

    A port of DS9's ``zSampleImage``: it reads only the sampled lines and drops non-finite
    values.
    """
    ny, nx = data.shape[-2:]
    opt_npix_per_line = max(1, min(nx, per_line))
    col_step = max(2, (nx + opt_npix_per_line - 1) // opt_npix_per_line)
    npix_per_line = max(1, (nx + col_step - 1) // col_step)
    min_nlines = max(1, nsamples // per_line)
    opt_nlines = max(min_nlines, min(ny, (nsamples + npix_per_line - 1) // npix_per_line))
    line_step = max(2, ny // opt_nlines)
    max_nlines = (ny + line_step - 1) // line_step
    maxpix = npix_per_line * max_nlines
    # DS9's lines are 1-based, from (line_step + 1) / 2 while line < ny, so the last
    # row is never sampled; row index = line - 1.
    first = (line_step + 1) // 2
    rows = np.arange(first, ny, line_step) - 1
    cols = np.arange(npix_per_line) * col_step
    cols = cols[cols < nx]
    out = []
    count = 0
    for r in rows:
        line = np.asarray(data[int(r), cols[0] : cols[-1] + 1 : col_step], dtype=np.float32)
        line = line[np.isfinite(line)]
        out.append(line)
        count += line.size
        if count >= maxpix:
            break
    return np.concatenate(out) if out else np.empty(0, np.float32)


def _zscale_fit_line(
    sample: np.ndarray, krej: float, ngrow: int, maxiter: int
) -> tuple[int, float, float]:
    """IRAF/DS9 ``zFitLine``: iterative k-sigma line fit to the sorted sample.

    Returns ``(ngoodpix, zstart, zslope)``.
    """
    npix = sample.size
    if npix == 1:
        return 1, float(sample[0]), 0.0
    xscale = 2.0 / (npix - 1)
    normx = np.arange(npix, dtype=np.float64) * xscale - 1.0
    z = sample.astype(np.float64)
    good, bad, reject = 0, 1, 2
    badpix = np.zeros(npix, dtype=np.int8)
    sumxsqr = float(np.dot(normx, normx))
    sumxz = float(np.dot(z, normx))
    sumx = 0.0
    sumz = float(z.sum())
    z0 = sumz / npix
    dz = sumxz / sumxsqr
    ngoodpix = npix
    minpix = max(ZSCALE_MIN_NPIXELS, int(npix * ZSCALE_MAX_REJECT))
    for _ in range(maxiter):
        last_ngoodpix = ngoodpix
        flat = z - (normx * dz + z0)
        # Sigma of the pixels still GOOD (pixels only marked for rejection are excluded).
        use = badpix == good
        n = int(use.sum())
        if n > 1:
            s = float(flat[use].sum())
            ss = float(np.dot(flat[use], flat[use]))
            var = ss / (n - 1) - s * s / (n * (n - 1))
            sigma = math.sqrt(var) if var > 0 else 0.0
        else:
            sigma = 0.0
        threshold = sigma * krej
        # Sequential rejection with growing, exactly as zRejectPixels does it.
        ngoodpix = npix
        outside = (flat < -threshold) | (flat > threshold)
        for i in range(npix):
            if badpix[i] == bad:
                ngoodpix -= 1
            elif outside[i]:
                for j in range(max(0, i - ngrow), min(npix, i + ngrow)):
                    if badpix[j] != bad:
                        if j <= i:
                            x = normx[j]
                            sumxsqr -= x * x
                            sumxz -= z[j] * x
                            sumx -= x
                            sumz -= z[j]
                            badpix[j] = bad
                            ngoodpix -= 1
                        else:
                            badpix[j] = reject
        if ngoodpix > 0:
            rowrat = sumx / sumxsqr
            z0 = (sumz - rowrat * sumxz) / (ngoodpix - rowrat * sumx)
            dz = (sumxz - z0 * sumx) / sumxsqr
        if ngoodpix >= last_ngoodpix or ngoodpix < minpix:
            break
    return ngoodpix, z0 - dz, dz * xscale


def zscale_limits(
    data,
    contrast: float = ZSCALE_CONTRAST,
    nsamples: int = ZSCALE_SAMPLES,
    per_line: int = ZSCALE_PER_LINE,
    krej: float = ZSCALE_KREJ,
    max_iterations: int = ZSCALE_MAX_ITERATIONS,
) -> tuple[float, float]:
    """IRAF's zscale with DS9's sampling and parameters.

    Parameters
    ----------
    data : array-like, 2-D
        ndarray or ScaledArray.
    contrast : float
        DS9's zscale contrast (0.25).
    nsamples, per_line : int
        Sample size and pixels per sampled line (600 and 120 in DS9).
    krej : float
        Rejection threshold in sigma.
    max_iterations : int
        Fit iterations.

    Returns
    -------
    (float, float)
        ``(z1, z2)``; ``(0, 1)`` for an image with no finite pixel.
    """
    sample = np.sort(zscale_sample(data, nsamples, per_line))
    npix = sample.size
    if npix == 0:
        return 0.0, 1.0
    zmin, zmax = float(sample[0]), float(sample[-1])
    if zmin == zmax:
        return zmin, zmax
    center = max(1, (npix + 1) // 2)
    if npix % 2 == 1 or center >= npix:
        median = float(sample[center - 1])
    else:
        median = (float(sample[center - 1]) + float(sample[center])) / 2.0
    minpix = max(ZSCALE_MIN_NPIXELS, int(npix * ZSCALE_MAX_REJECT))
    ngrow = max(1, int(round(npix * 0.01)))
    ngood, _zstart, zslope = _zscale_fit_line(sample, krej, ngrow, max_iterations)
    if ngood < minpix:
        return zmin, zmax
    if contrast > 0:
        zslope /= contrast
    z1 = max(zmin, median - (center - 1) * zslope)
    z2 = min(zmax, median + (npix - center) * zslope)
    return _safe(min(z1, z2), z2)


def compute_limits(
    data, spec: LimitSpec | str, sample: np.ndarray | None = None
) -> tuple[float, float]:
    """Compute display limits for a 2-D image.

    Parameters
    ----------
    data : array-like, 2-D
        ndarray or ScaledArray.
    spec : LimitSpec or str
        The mode (see :func:`parse_limits`).
    sample : numpy.ndarray, optional
        A precomputed :func:`grid_sample` of ``data``, reused across modes.

    Returns
    -------
    (float, float)
        ``(low, high)``, finite, ``low <= high``. A constant image gives ``low == high``;
        an image with no finite pixel gives ``(0, 1)``.
    """
    if isinstance(spec, str):
        spec = parse_limits(spec)
    if spec.mode == "user":
        return _safe(spec.low, spec.high)
    if spec.mode == "zscale":
        return zscale_limits(data)
    ny, nx = data.shape[-2:]
    exact = None
    if spec.mode in ("minmax", "zmax") and ny * nx <= MINMAX_SCAN_LIMIT:
        exact = scan_minmax(data) or (0.0, 1.0)
    if spec.mode == "minmax" and exact is not None:
        return exact
    if sample is None:
        sample = grid_sample(data)
    if spec.mode == "minmax":
        return minmax_limits(sample)
    if spec.mode == "zmax":
        z1, _ = zscale_limits(data)
        _, high = exact if exact is not None else minmax_limits(sample)
        return _safe(min(z1, high), high)
    if spec.mode == "percent":
        return percentile_limits(sample, spec.percent)
    raise InvalidParameterError(f"unknown limits mode {spec.mode!r}")
