"""Combining frames: mean, median, sum, sigma-clipped mean and min/max rejection.

Frames are read in row chunks, so memory stays bounded whatever their number: each chunk
stacks ``nframes x rows x width`` float32 values, sorts them along the frame axis (NaN
sorts last, so every method is NaN-aware from one sort) and reduces them. Chunks run on
two threads; numpy's sort releases the GIL.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from skyglass.processing.calibration.normalise import (
    NORMALISATIONS,
    frame_level,
    normalisation,
)
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.progress import ProgressCallback, report

METHODS = ("mean", "median", "sum", "sigma-clip", "minmax")
#: Bytes of stacked float32 values per chunk (per thread).
CHUNK_BYTES = 48 * 1024 * 1024


@dataclass(frozen=True)
class CombineOptions:
    """How to combine.

    Attributes
    ----------
    method : str
        ``mean``, ``median``, ``sum``, ``sigma-clip`` (clipped mean) or ``minmax``
        (mean after dropping the ``nlow`` lowest and ``nhigh`` highest values).
    sigma_low, sigma_high : float
        Clipping thresholds in standard deviations.
    iterations : int
        Sigma-clipping iterations (stops early when nothing more is clipped).
    center : str
        ``median`` or ``mean``: the centre values are clipped about.
    nlow, nhigh : int
        For ``minmax``.
    scale : str or None
        How frames are matched before combining (:data:`NORMALISATIONS`): ``"median"``
        scales every frame to the mean of the frames' medians (flats); ``"offset"`` adds
        to each frame what brings its median to the median of the frames' medians (lights
        under a changing sky); ``"offset-scale"`` also scales each frame's spread (1.4826
        x its median absolute deviation) to the frames' median spread (transparency too).
    """

    method: str = "median"
    sigma_low: float = 3.0
    sigma_high: float = 3.0
    iterations: int = 5
    center: str = "median"
    nlow: int = 1
    nhigh: int = 1
    scale: str | None = None

    def validated(self) -> CombineOptions:
        if self.method not in METHODS:
            raise InvalidParameterError(
                f"unknown combine method {self.method!r}; choose one of {', '.join(METHODS)}."
            )
        if self.center not in ("median", "mean"):
            raise InvalidParameterError("sigma-clip centre must be 'median' or 'mean'.")
        if self.sigma_low <= 0 or self.sigma_high <= 0 or self.iterations < 1:
            raise InvalidParameterError("sigma thresholds must be > 0 and iterations >= 1.")
        if self.nlow < 0 or self.nhigh < 0:
            raise InvalidParameterError("nlow and nhigh must be >= 0.")
        if self.scale not in (None, *NORMALISATIONS):
            raise InvalidParameterError(
                f"scale must be None or one of {', '.join(NORMALISATIONS)}, not {self.scale!r}."
            )
        return self


def _names(frames: Sequence, names: Sequence[str] | None) -> list[str]:
    if names is not None:
        return list(names)
    return [getattr(f, "name", None) or f"frame {i + 1}" for i, f in enumerate(frames)]


def check_shapes(frames: Sequence, names: Sequence[str] | None = None) -> tuple[int, int]:
    """The common ``(ny, nx)`` of ``frames``; a clear error naming the odd ones otherwise."""
    if len(frames) == 0:
        raise InvalidParameterError("no frames to combine: the list is empty.")
    names = _names(frames, names)
    shapes = [tuple(f.shape[-2:]) for f in frames]
    for f, name in zip(frames, names, strict=True):
        if len(f.shape) != 2:
            raise InvalidParameterError(f"{name}: expected a 2-D image, got shape {f.shape}.")
    first = shapes[0]
    odd = [f"{n} ({s[1]} x {s[0]})" for n, s in zip(names, shapes, strict=True) if s != first]
    if odd:
        raise SkyglassError(
            f"frames differ in size: {names[0]} is {first[1]} x {first[0]} but "
            + ", ".join(odd)
            + "; combine frames of one size."
        )
    return first


def _reduce(stack: np.ndarray, opts: CombineOptions) -> np.ndarray:
    """Combine a ``(n, rows, nx)`` float32 chunk along axis 0."""
    n = stack.shape[0]
    if opts.method in ("mean", "sum"):
        finite = np.isfinite(stack)
        if finite.all():
            total = stack.sum(axis=0, dtype=np.float64)
            count = np.full(total.shape, n)
        else:
            total = np.where(finite, stack, 0.0).sum(axis=0, dtype=np.float64)
            count = finite.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if opts.method == "mean":
                out = total / count
            else:  # a NaN pixel in some frames: scale the sum to all frames
                out = total * (n / count)
        out[count == 0] = np.nan
        return out.astype(np.float32)

    s = np.sort(stack, axis=0)  # NaN last
    del stack
    count = np.isfinite(s[-1]) * n if bool(np.isfinite(s[-1]).all()) else np.isfinite(s).sum(axis=0)
    if opts.method == "median":
        return _sorted_median(s, count)
    if opts.method == "minmax":
        lo = np.minimum(opts.nlow, count)
        hi = np.maximum(count - opts.nhigh, lo)
        if int(count.min()) == n and n - opts.nhigh > opts.nlow:  # no NaN: one slice
            kept = s[opts.nlow : n - opts.nhigh]
            return (kept.sum(axis=0, dtype=np.float64) / kept.shape[0]).astype(np.float32)
        origin = _pick(s, np.maximum((count - 1) // 2, 0))
        return origin + _block_mean(*_cumsums(s, origin), lo, hi)
    return _sigma_clipped_mean(s, count, opts)


def _sorted_median(s: np.ndarray, count: np.ndarray) -> np.ndarray:
    lo = _pick(s, np.maximum((count - 1) // 2, 0))
    hi = _pick(s, np.maximum(count // 2, 0))
    out = (lo.astype(np.float64) + hi) / 2.0
    out[count == 0] = np.nan
    return out.astype(np.float32)


def _cumsums(s: np.ndarray, origin: np.ndarray, squares: bool = False):
    """Cumulative sums of ``s - origin`` along axis 0, with a leading zero plane; values
    that are not finite count as 0 (they sort last, outside every block summed).

    Measured from each pixel's own middle value, the sums stay small, so float32 keeps
    the precision float64 sums of raw values needed, at half the memory and bandwidth.
    """
    n = s.shape[0]
    csum = _scratch("csum", (n + 1,) + s.shape[1:])
    csum[0] = 0.0
    csum2 = None
    if squares:
        csum2 = _scratch("csum2", csum.shape)
        csum2[0] = 0.0
    step = np.empty(s.shape[1:], np.float32)
    square = np.empty_like(step) if squares else None
    finite = bool(np.isfinite(s[0]).all() and np.isfinite(s[-1]).all())  # sorted: ends
    # Plane by plane: numpy's cumsum along the first axis is 3x slower on these shapes.
    for k in range(n):
        np.subtract(s[k], origin, out=step)
        if not finite:
            np.nan_to_num(step, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        np.add(csum[k], step, out=csum[k + 1])
        if squares:
            np.multiply(step, step, out=square)
            np.add(csum2[k], square, out=csum2[k + 1])
    return (csum, csum2) if squares else (csum,)


def _pick(c: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``c[k[p], p]`` for every pixel p: one flat gather (much cheaper than
    take_along_axis)."""
    plane = k.size
    flat = k.ravel().astype(np.intp) * plane
    flat += _arange(plane)
    return np.take(c.reshape(-1), flat).reshape(k.shape)


_ARANGES: dict[int, np.ndarray] = {}


def _arange(size: int) -> np.ndarray:
    """``np.arange(size)``, made once per chunk size (every gather needs it)."""
    out = _ARANGES.get(size)
    if out is None:
        if len(_ARANGES) > 8:
            _ARANGES.clear()
        out = _ARANGES[size] = np.arange(size, dtype=np.intp)
    return out


_SCRATCH = threading.local()


def _scratch(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float32 buffer kept per thread and reused chunk after chunk: fresh 100 MB arrays
    cost more in page faults than the sums written into them."""
    buffers = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = {}
    out = buffers.get(name)
    if out is None or out.shape != shape:
        out = buffers[name] = np.empty(shape, np.float32)
    return out


def _walk_low(s: np.ndarray, cut: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per pixel, ``lo`` moved up past the sorted values below ``cut`` (never past hi)."""
    new = lo.copy()
    k, top = int(lo.min()), int(lo.max())
    while k < s.shape[0]:
        move = (new == k) & (new < hi) & (s[k] < cut)
        if move.any():
            new[move] += 1
        elif k >= top:
            break
        k += 1
    return new


def _walk_high(s: np.ndarray, cut: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per pixel, ``hi`` moved down past the sorted values above ``cut`` (never below lo)."""
    new = hi.copy()
    k, bottom = int(hi.max()) - 1, int(hi.min()) - 1
    while k >= 0:
        move = (new - 1 == k) & (new > lo) & (s[k] > cut)
        if move.any():
            new[move] -= 1
        elif k <= bottom:
            break
        k -= 1
    return new


def _block(c: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return _pick(c, hi) - _pick(c, lo)


def _block_mean(csum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean of ``s[lo:hi]`` along axis 0 per pixel."""
    n = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = _block(csum, lo, hi) / n
    out[n <= 0] = np.nan
    return out.astype(np.float32)


def _sigma_clipped_mean(s: np.ndarray, count: np.ndarray, opts: CombineOptions) -> np.ndarray:
    """Iterative clipping about the median (or mean) by the standard deviation of the
    values kept, as astropy's sigma_clip; then the mean of what is kept.

    The stack is sorted, so the kept values are always one block ``s[lo:hi]`` per pixel:
    sums come from cumulative sums and each iteration only moves ``lo`` and ``hi``.
    """
    origin = _pick(s, np.maximum((count - 1) // 2, 0)).astype(np.float64)
    csum, csum2 = _cumsums(s, origin.astype(np.float32), squares=True)
    lo = np.zeros(count.shape, np.intp)
    hi = count.astype(np.intp)
    for _ in range(opts.iterations):
        n = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            offset = _block(csum, lo, hi).astype(np.float64) / n
            var = np.maximum(_block(csum2, lo, hi) / n - offset * offset, 0.0)
            mean = origin + offset
        std = np.sqrt(var)
        if opts.center == "median":
            a = _pick(s, lo + np.maximum((n - 1) // 2, 0))
            b = _pick(s, lo + np.maximum(n // 2, 0))
            center = (a.astype(np.float64) + b) / 2.0
        else:
            center = mean
        low_cut = (center - opts.sigma_low * std).astype(np.float32)
        high_cut = (center + opts.sigma_high * std).astype(np.float32)
        # Values outside the cuts are at the ends of the sorted block: walk in from each
        # end while a plane still has some (usually one or two planes, not all n).
        new_lo = _walk_low(s, low_cut, lo, hi)
        new_hi = _walk_high(s, high_cut, new_lo, hi)
        new_hi = np.maximum(new_hi, new_lo)
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            break
        lo, hi = new_lo, new_hi
    return (origin + _block_mean(csum, lo, hi)).astype(np.float32)


def combine(
    frames: Sequence,
    method: str = "median",
    options: CombineOptions | None = None,
    names: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    threads: int | None = None,
    normalise: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Combine 2-D frames pixel by pixel.

    Parameters
    ----------
    frames : sequence of 2-D array-likes
        ndarrays or memory-mapped :class:`~processing.scaled.ScaledArray` planes; read
        in row chunks, never modified.
    method : str
        Shorthand for ``options.method`` when ``options`` is not given.
    options : CombineOptions, optional
        Full options.
    names : sequence of str, optional
        Names for error messages (file names).
    progress : callable, optional
        ``progress(fraction, message)``; returning True cancels (raises Cancelled).
    threads : int, optional
        Worker threads (default: up to 2, the machine's cores).
    normalise : (factors, offsets), optional
        Per-frame :func:`normalisation` already known (a stack measures its frames as it
        reads them); by default ``options.scale`` measures the frames here.

    Returns
    -------
    numpy.ndarray
        float32 image; NaN where no frame had a finite value.
    """
    opts = (options or CombineOptions(method=method)).validated()
    ny, nx = check_shapes(frames, names)
    n = len(frames)
    factors = offsets = None
    if normalise is None and opts.scale is not None:
        normalise = normalisation(
            [frame_level(f, spread=opts.scale == "offset-scale") for f in frames],
            opts.scale,
            _names(frames, names),
        )
    if normalise is not None:
        factors, offsets = (np.asarray(v, np.float32) for v in normalise)
    # Sigma clipping and min/max keep two float32 cumulative sums (3x the chunk): smaller
    # chunks.
    budget = CHUNK_BYTES // (2 if opts.method in ("sigma-clip", "minmax") else 1)
    rows = max(1, min(ny, budget // max(1, n * nx * 4)))
    starts = list(range(0, ny, rows))
    out = np.empty((ny, nx), np.float32)
    workers = threads or min(2, os.cpu_count() or 1)

    def work(r0: int) -> int:
        r1 = min(ny, r0 + rows)
        stack = np.empty((n, r1 - r0, nx), np.float32)
        for i, f in enumerate(frames):
            stack[i] = np.asarray(f[r0:r1], dtype=np.float32)
            if factors is not None:
                stack[i] *= factors[i]
                stack[i] += offsets[i]
        out[r0:r1] = _reduce(stack, opts)
        return r1 - r0

    report(progress, 0.0, f"combining {n} frames ({opts.method})")
    done = 0
    if workers <= 1 or len(starts) == 1:
        try:
            for r0 in starts:
                done += work(r0)
                report(progress, done / ny, f"combining {n} frames ({opts.method})")
        finally:
            _SCRATCH.__dict__.clear()  # this thread lives on (the window's): free them
        return out
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = []
        it = iter(starts)
        # Keep at most two chunks per worker in flight so memory stays bounded.
        for r0 in it:
            pending.append(pool.submit(work, r0))
            if len(pending) >= 2 * workers:
                done += pending.pop(0).result()
                try:
                    report(progress, done / ny, f"combining {n} frames ({opts.method})")
                except BaseException:
                    for p in pending:
                        p.cancel()
                    raise
        for p in pending:
            done += p.result()
            report(progress, done / ny, f"combining {n} frames ({opts.method})")
    return out


def chunk_rows_for(n: int, nx: int) -> int:
    """Rows per chunk for ``n`` frames of width ``nx`` (for callers that chunk too)."""
    return max(1, math.floor(CHUNK_BYTES / max(1, n * nx * 4)))
