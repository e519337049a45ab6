"""What an edit does to a frame's mask and uncertainty.

The mask follows geometric edits as a nearest-neighbour transform (pixels outside the
input become masked). The uncertainty (a standard deviation per pixel, CCDData's
``StdDevUncertainty``) is propagated where the operation allows it exactly or nearly:

- arithmetic with a constant: ``sigma * |c|`` for multiply/divide, unchanged for add and
  subtract;
- flips, quarter turns and crops: moved with the pixels (exact);
- resampling (rotate, rescale, warps): the variance resampled with the same transform,
  then its square root;
- anything else (filters, denoising, stretches, arithmetic with another image): dropped,
  with a HISTORY line saying why.
"""

from __future__ import annotations

import numpy as np

#: Geometric operations that move pixels without interpolation.
EXACT_GEOMETRY = ("flip_x", "flip_y", "rotate90", "crop")


def _resampling_values(op, values: dict) -> dict:
    """The same geometric step, nearest-neighbour and without smoothing."""
    names = {p.name for p in op.params}
    values = dict(values)
    if "interpolation" in names:
        values["interpolation"] = "nearest"
    if "anti_aliasing" in names:
        values["anti_aliasing"] = False
    return values


def _call(op, data: np.ndarray, values: dict) -> np.ndarray:
    result = op.func(np.asarray(data, np.float32), **values)
    return np.asarray(result[0] if op.geometry else result, np.float32)


def follow_mask(op, values: dict, mask: np.ndarray | None) -> np.ndarray | None:
    """The mask after the step (None stays None; pixel operations keep it)."""
    if mask is None or not op.geometry:
        return mask
    moved = _call(op, mask.astype(np.float32), _resampling_values(op, values))
    return ~(moved < 0.5)  # NaN (outside the input) counts as masked


def follow_uncertainty(
    op, values: dict, sigma: np.ndarray | None
) -> tuple[np.ndarray | None, str | None]:
    """The uncertainty after the step, and a note when it had to be dropped."""
    if sigma is None:
        return None, None
    name = op.name
    if name == "arithmetic" and values.get("other") is None:
        c = abs(float(values.get("value", 0.0)))
        if values.get("operator") == "multiply":
            return (sigma * np.float32(c)).astype(np.float32), None
        if values.get("operator") == "divide":
            return (sigma / np.float32(c) if c else np.full_like(sigma, np.nan)), None
        return sigma, None
    if name in EXACT_GEOMETRY:
        return _call(op, sigma, values), None
    if op.geometry:
        variance = _call(op, np.square(sigma, dtype=np.float32), values)
        return np.sqrt(np.clip(variance, 0, None)).astype(np.float32), None
    return None, f"uncertainty dropped: {op.label} has no known error propagation"
