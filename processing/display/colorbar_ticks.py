"""Colorbar ticks (shared by the window's colorbar and annotated PNGs): round data values,
placed where the stretch puts them, labelled without overlap.

As in DS9, the colorbar shows the colour cells evenly from left to right; a data value
``v`` sits at the fraction ``y(v)`` of the stretch (linear, log, asinh, histogram
equalisation...), so on a log scale the round values crowd towards one end and only the
labels that fit are written.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round-numbered tick values between ``low`` and ``high`` (about ``target`` of them)."""
    span = high - low
    if not np.isfinite(span) or span <= 0:
        return [low]
    raw = span / target
    mag = 10 ** np.floor(np.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = np.ceil(low / step) * step
    return [float(t) for t in np.arange(first, high + step * 1e-9, step)]


def tick_step(ticks: list[float]) -> float:
    return ticks[1] - ticks[0] if len(ticks) > 1 else 1.0


def format_tick(value: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (2.5 -> one decimal)."""
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.3g}"
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > 1e-9 * max(abs(step), 1e-30):
        decimals += 1
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def fraction(values, low: float, high: float, y: np.ndarray | None) -> np.ndarray:
    """Where data values sit along the colorbar (0..1), through the stretch table ``y``
    (linear when there is none)."""
    values = np.asarray(values, dtype=np.float64)
    span = high - low
    if not span > 0:
        return np.zeros_like(values)
    t = np.clip((values - low) / span, 0.0, 1.0)
    if y is None:
        return t
    idx = np.clip(np.round(t * (len(y) - 1)).astype(np.int64), 0, len(y) - 1)
    return np.asarray(y, dtype=np.float64)[idx]


def bar_indices(width: int, y: np.ndarray | None, size: int) -> np.ndarray:
    """For each of ``width`` bar columns, the colour-table entry to draw (the cells evenly
    spaced: the inverse of the stretch)."""
    u = (np.arange(width) + 0.5) / max(width, 1)
    if y is None:
        return np.minimum((u * size).astype(np.int64), size - 1)
    return np.minimum(np.searchsorted(np.asarray(y), u), len(y) - 1)


def layout_ticks(
    low: float,
    high: float,
    y: np.ndarray | None,
    width: float,
    text_width: Callable[[str], float],
    reserved: float = 0.0,
    gap: float = 6.0,
) -> list[tuple[float, float, str]]:
    """Ticks to draw on a bar ``width`` long: ``(value, x, label)``.

    Round values (dense enough for log scales) are placed through the stretch; labels are
    kept left to right only where they do not overlap the previous one, nor the last
    ``reserved`` units of the bar (where the unit is written).
    """
    candidates = nice_ticks(low, high, target=max(6, int(width // 40)))
    step = tick_step(candidates)
    xs = fraction(candidates, low, high, y) * width
    out: list[tuple[float, float, str]] = []
    right_edge = -math.inf
    for value, x in zip(candidates, xs, strict=True):
        label = format_tick(value, step)
        w = text_width(label)
        left = min(max(x - w / 2, 0.0), width - w)
        if left < right_edge + gap or left + w > width - reserved:
            continue
        out.append((value, float(x), label))
        right_edge = left + w
    return out
