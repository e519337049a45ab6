"""Round tick values for colorbars (shared by the window's colorbar and annotated PNGs)."""

from __future__ import annotations

import numpy as np


def nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round-numbered tick values between ``low`` and ``high``."""
    span = high - low
    if not np.isfinite(span) or span <= 0:
        return [low]
    raw = span / target
    mag = 10 ** np.floor(np.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = np.ceil(low / step) * step
    return [float(t) for t in np.arange(first, high + step * 1e-9, step)]
