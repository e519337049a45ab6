"""Per-plane caches for display: the sample, limits per mode, colour tables per settings.

A viewer asks :meth:`PlaneDisplay.rendering` on every settings change; only what the
change affects is recomputed (a colormap change never touches the data, limits are
computed once per plane and mode).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from skyglass.processing.display.limits import compute_limits, grid_sample
from skyglass.processing.display.render import DisplaySettings, PlaneRendering, build_lut
from skyglass.processing.display.stretch import LUT_SIZE, histequ_table, stretch_table


class PlaneDisplay:
    """Display caches for one 2-D plane.

    Parameters
    ----------
    data : array-like, 2-D
        ndarray or ScaledArray; never modified.
    """

    def __init__(self, data) -> None:
        self.data = data
        self._sample: np.ndarray | None = None
        self._limits: dict[str, tuple[float, float]] = {}
        self._luts: dict[tuple, np.ndarray] = {}

    @property
    def sample(self) -> np.ndarray:
        """A grid sample of the finite pixels (computed once)."""
        if self._sample is None:
            self._sample = grid_sample(self.data)
        return self._sample

    def limits(self, settings: DisplaySettings) -> tuple[float, float]:
        """Limits for the settings' mode, cached per mode."""
        spec = settings.limit_spec
        key = spec.label
        if key not in self._limits:
            sample = None if spec.mode in ("zscale", "user") else self.sample
            self._limits[key] = compute_limits(self.data, spec, sample)
        return self._limits[key]

    def rendering(self, settings: DisplaySettings) -> PlaneRendering:
        """Limits and packed colour table for ``settings``."""
        low, high = self.limits(settings)
        if settings.scale == "histequ":
            key = (replace(settings, limits=""), low, high)
        else:
            key = (replace(settings, limits=""),)
        tables = self._luts.get(key)
        if tables is None:
            hist = histequ_table(self.sample, low, high) if settings.scale == "histequ" else None
            y = stretch_table(settings.scale, settings.exponent, LUT_SIZE, hist)
            tables = (build_lut(settings, y=y), y)
            if len(self._luts) > 32:  # dragging contrast makes many; keep a few
                self._luts.clear()
            self._luts[key] = tables
        return PlaneRendering(low, high, *tables)
