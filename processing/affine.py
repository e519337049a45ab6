"""Affine resampling with NaN where there is no data: one implementation for the editing
operations (rotate, scale, affine) and the stack's rotated frames."""

from __future__ import annotations

import numpy as np

from skyglass.processing.units import fill_nan


def warp_affine(
    data: np.ndarray,
    matrix: np.ndarray,
    output_shape: tuple[int, int] | None = None,
    order: int = 1,
) -> np.ndarray:
    """Resample ``data`` by the affine map ``matrix`` (input x, y -> output x, y).

    Pixels that come from outside the image or from NaN become NaN.
    """
    from scipy import ndimage

    output_shape = tuple(output_shape or data.shape)
    inverse = np.linalg.inv(np.asarray(matrix, float))
    # ndimage works in (row, col): swap x and y of the output -> input map.
    m = np.array([[inverse[1, 1], inverse[1, 0]], [inverse[0, 1], inverse[0, 0]]])
    offset = np.array([inverse[1, 2], inverse[0, 2]])
    filled, bad = fill_nan(data, 0.0)
    out = ndimage.affine_transform(
        filled,
        m,
        offset,
        output_shape=output_shape,
        order=order,
        mode="constant",
        cval=np.nan,
        prefilter=order > 1,
    )
    # Where the kernel reached outside the image or a NaN pixel, the value is not data.
    valid = (~bad).astype(np.float32)
    weight = ndimage.affine_transform(
        valid, m, offset, output_shape=output_shape, order=min(order, 1), mode="constant", cval=0.0
    )
    out[weight < 0.999] = np.nan
    return out.astype(np.float32)
