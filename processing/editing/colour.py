"""Colour images: conversion to grey.

Every other operation edits a colour image plane by plane (see ``registry._run``); this
one takes the three planes together.
"""

from __future__ import annotations

import numpy as np

from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.errors import InvalidParameterError

#: Luminance weights of R, G, B. ``rec709`` is what scikit-image's ``rgb2gray`` uses.
WEIGHTS = {
    "rec709": (0.2125, 0.7154, 0.0721),
    "rec601": (0.299, 0.587, 0.114),
    "mean": (1 / 3, 1 / 3, 1 / 3),
}


def to_grey(data: np.ndarray, weights: str = "rec709") -> np.ndarray:
    """One grey plane from R, G, B planes ``(3, ny, nx)``: the weighted sum (values keep
    their scale; NaN in any plane gives NaN)."""
    if data.ndim != 3 or data.shape[0] != 3:
        raise InvalidParameterError("to grey: the image is not a colour image (R, G, B planes).")
    if weights not in WEIGHTS:
        raise InvalidParameterError(f"to grey: weights must be one of {', '.join(WEIGHTS)}.")
    w = np.asarray(WEIGHTS[weights], np.float32)
    return np.tensordot(w, np.asarray(data, np.float32), axes=1).astype(np.float32)


OPERATIONS.register(
    Operation(
        "to_grey",
        "Colour to grey",
        "Intensity",
        to_grey,
        (
            Param(
                "weights",
                "choice",
                "rec709",
                choices=tuple(WEIGHTS),
                help="Luminance weights: rec709 (as scikit-image's rgb2gray), rec601, or mean",
            ),
        ),
        help="Turn a colour image into one grey plane (luminance).",
        colour="whole",
    )
)
