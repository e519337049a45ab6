"""FITS 1-based pixel coordinates <-> numpy 0-based indices, in one place.

FITS pixel (x, y) = (1, 1) is the centre of the first stored pixel, x runs along
columns (NAXIS1) and y along rows (NAXIS2). numpy indexes ``[row, col]`` from 0.
"""

from __future__ import annotations

import numpy as np


def fits_to_index(x: float, y: float) -> tuple[int, int]:
    """Return the numpy ``(row, col)`` of the pixel containing FITS position ``(x, y)``."""
    return int(np.floor(y - 0.5)), int(np.floor(x - 0.5))


def index_to_fits(row: float, col: float) -> tuple[float, float]:
    """Return the FITS ``(x, y)`` of the centre of numpy pixel ``(row, col)``."""
    return float(col) + 1.0, float(row) + 1.0


def fits_to_array_coords(x: float, y: float) -> tuple[float, float]:
    """Return continuous 0-based ``(col, row)`` positions, as astropy's pixel API uses."""
    return float(x) - 1.0, float(y) - 1.0


def parse_xy(text: str) -> tuple[float, float]:
    """Parse ``"X,Y"`` into two floats.

    Raises
    ------
    ValueError
        If the text is not two comma-separated numbers.
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise ValueError(f"expected X,Y (two numbers separated by a comma), got {text!r}")
    return float(parts[0]), float(parts[1])
