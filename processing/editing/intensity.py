"""Intensity edits: histogram equalisation, CLAHE, gamma, sigmoid, log, clipping and
percentile rescaling. Results stay in the data's units (the original finite range) and
NaN stays NaN (see :mod:`processing.units`)."""

from __future__ import annotations

import numpy as np

from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.units import finite_range, in_unit_range


def equalize(data: np.ndarray, bins: int = 256) -> np.ndarray:
    """Histogram equalisation over the finite pixels."""
    from skimage import exposure

    mask = np.isfinite(data)
    return in_unit_range(data, lambda u: exposure.equalize_hist(u, nbins=int(bins), mask=mask))


def clahe(
    data: np.ndarray, kernel_size: int = 64, clip_limit: float = 0.01, bins: int = 256
) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation (scikit-image)."""
    from skimage import exposure

    if kernel_size < 2 or not 0 < clip_limit <= 1:
        raise InvalidParameterError("CLAHE needs kernel size >= 2 and 0 < clip limit <= 1.")
    return in_unit_range(
        data,
        lambda u: exposure.equalize_adapthist(
            np.clip(u, 0, 1), kernel_size=int(kernel_size), clip_limit=clip_limit, nbins=int(bins)
        ),
    )


def gamma(data: np.ndarray, gamma: float = 0.5, gain: float = 1.0) -> np.ndarray:
    """``gain * x ** gamma`` on the range scaled to [0, 1]."""
    from skimage import exposure

    if gamma <= 0:
        raise InvalidParameterError("gamma must be positive.")
    return in_unit_range(data, lambda u: exposure.adjust_gamma(np.clip(u, 0, 1), gamma, gain))


def sigmoid(
    data: np.ndarray, cutoff: float = 0.5, gain: float = 10.0, inverse: bool = False
) -> np.ndarray:
    """Sigmoid contrast ``1 / (1 + exp(gain (cutoff - x)))``."""
    from skimage import exposure

    return in_unit_range(
        data, lambda u: exposure.adjust_sigmoid(np.clip(u, 0, 1), cutoff, gain, inverse)
    )


def log(data: np.ndarray, gain: float = 1.0, inverse: bool = False) -> np.ndarray:
    """Logarithmic correction ``gain * log2(1 + x)``."""
    from skimage import exposure

    return in_unit_range(data, lambda u: exposure.adjust_log(np.clip(u, 0, 1), gain, inverse))


def clip(data: np.ndarray, low: float, high: float) -> np.ndarray:
    """Clip to ``[low, high]`` in data units (NaN stays NaN)."""
    if high < low:
        raise InvalidParameterError("clip: high must be at least low.")
    return np.clip(data, low, high).astype(np.float32)


def rescale_percentiles(data: np.ndarray, low: float = 2.0, high: float = 98.0) -> np.ndarray:
    """Stretch the values between two percentiles over the full original range."""
    from skimage import exposure

    if not 0 <= low < high <= 100:
        raise InvalidParameterError("percentiles must satisfy 0 <= low < high <= 100.")
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return data.astype(np.float32, copy=True)
    p_lo, p_hi = np.percentile(finite, [low, high])
    lo, hi = finite_range(data)
    if p_hi <= p_lo:
        return data.astype(np.float32, copy=True)
    out = exposure.rescale_intensity(
        data.astype(np.float64), in_range=(p_lo, p_hi), out_range=(lo, hi)
    )
    return np.where(np.isfinite(data), out, np.nan).astype(np.float32)


# ---------------------------------------------------------------- operations
# The Edit panel, recipes, replay and HISTORY use these declarations.


OPERATIONS.register(
    Operation(
        "equalize",
        "Histogram equalisation",
        "Intensity",
        equalize,
        (Param("bins", "int", 256, 2, 65536, help="Histogram bins"),),
        help="Spread the values so every level is equally used.",
    )
)

OPERATIONS.register(
    Operation(
        "clahe",
        "Adaptive equalisation (CLAHE)",
        "Intensity",
        clahe,
        (
            Param("kernel_size", "int", 64, 2, 4096, help="Tile size in pixels"),
            Param("clip_limit", "float", 0.01, 0.0001, 1.0, help="Contrast limit"),
            Param("bins", "int", 256, 2, 65536, help="Histogram bins"),
        ),
        help="Contrast-limited adaptive histogram equalisation.",
    )
)

OPERATIONS.register(
    Operation(
        "gamma",
        "Gamma",
        "Intensity",
        gamma,
        (
            Param(
                "gamma", "float", 0.5, 0.01, 10, help="Exponent: below 1 brightens, above 1 darkens"
            ),
            Param("gain", "float", 1.0, 0.01, 10, help="Multiplier after the gamma curve"),
        ),
        help="gain * x^gamma on the range scaled to [0, 1].",
    )
)

OPERATIONS.register(
    Operation(
        "sigmoid",
        "Sigmoid",
        "Intensity",
        sigmoid,
        (
            Param(
                "cutoff", "float", 0.5, 0, 1, help="Centre of the S curve (fraction of the range)"
            ),
            Param("gain", "float", 10.0, 0.1, 100, help="Steepness of the S curve"),
            Param("inverse", "bool", False, help="Apply the inverse curve"),
        ),
        help="S-shaped contrast curve.",
    )
)

OPERATIONS.register(
    Operation(
        "log",
        "Logarithmic",
        "Intensity",
        log,
        (
            Param("gain", "float", 1.0, 0.01, 10, help="Multiplier of the log curve"),
            Param("inverse", "bool", False, help="Apply the inverse curve"),
        ),
        help="gain * log2(1 + x) on the range scaled to [0, 1].",
    )
)

OPERATIONS.register(
    Operation(
        "clip",
        "Clip",
        "Intensity",
        clip,
        (
            Param("low", "float", 0.0, help="Values below become this (data units)"),
            Param("high", "float", 1000.0, help="Values above become this (data units)"),
        ),
        help="Clip the values to a range (data units).",
    )
)

OPERATIONS.register(
    Operation(
        "rescale_percentiles",
        "Rescale between percentiles",
        "Intensity",
        rescale_percentiles,
        (
            Param("low", "float", 2.0, 0, 100, help="Lower percentile (becomes the minimum)"),
            Param("high", "float", 98.0, 0, 100, help="Upper percentile (becomes the maximum)"),
        ),
        help="Stretch the values between two percentiles over the full range.",
    )
)
