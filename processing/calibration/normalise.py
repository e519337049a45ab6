"""Matching frames before they are combined: each frame's level (median) and spread from
a grid sample, and the per-frame ``frame * factor + offset`` that brings them to a common
level (flats: a common median; lights: Siril's additive and additive-with-scaling
normalisation)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from skyglass.processing.errors import InvalidParameterError, SkyglassError

#: How frames can be matched before combining (``CombineOptions.scale``).
NORMALISATIONS = ("median", "offset", "offset-scale")


def frame_medians(frames: Sequence) -> np.ndarray:
    """Median of each frame, from a grid sample (fast on large frames)."""
    return np.array([frame_level(f, spread=False)[0] for f in frames])


def frame_level(frame, spread: bool = True) -> tuple[float, float]:
    """``(median, spread)`` of a frame from a grid sample of 2 million pixels: the spread
    is 1.4826 x the median absolute deviation (the noise for a sky-dominated frame), NaN
    unless asked for. NaN when the frame has no finite pixel."""
    from skyglass.processing.display.limits import grid_sample

    sample = grid_sample(frame, 2_000_000)
    if sample.size == 0:
        return math.nan, math.nan
    median = float(np.median(sample))
    if not spread:
        return median, math.nan
    return median, float(1.4826 * np.median(np.abs(sample - median)))


def normalisation(
    levels: Sequence[tuple[float, float]], how: str, names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame ``(factors, offsets)``: ``frame * factor + offset`` is what is combined.

    Parameters
    ----------
    levels : sequence of (median, spread)
        Each frame's :func:`frame_level`.
    how : str
        One of :data:`NORMALISATIONS` (see :class:`CombineOptions`).
    names : sequence of str
        For the error naming the frames that cannot be matched.
    """
    med = np.array([m for m, _ in levels], np.float64)
    spread = np.array([s for _, s in levels], np.float64)
    factors, offsets = np.ones(len(med)), np.zeros(len(med))
    if how not in NORMALISATIONS:
        raise InvalidParameterError(f"unknown normalisation {how!r}.")
    if how == "median":
        _refuse(~np.isfinite(med) | (med == 0), names, "cannot scale to a common median: "
                "median is 0 or undefined in {}.")  # fmt: skip
        factors = np.mean(med) / med
    else:
        _refuse(~np.isfinite(med), names, "cannot match sky levels: no finite pixel in {}.")
        if how == "offset-scale":
            _refuse(~np.isfinite(spread) | (spread <= 0), names,
                    "cannot match sky levels and spreads: the spread is 0 in {} "
                    "(a constant frame? use --normalize offset).")  # fmt: skip
            factors = np.median(spread) / spread
        offsets = np.median(med) - med * factors
    return factors.astype(np.float32), offsets.astype(np.float32)


def _refuse(bad: np.ndarray, names: Sequence[str], message: str) -> None:
    """Raise ``message`` naming the frames where ``bad`` is True, if any."""
    if bad.any():
        raise SkyglassError(
            message.format(", ".join(n for n, b in zip(names, bad, strict=True) if b))
        )
