"""Filters from scipy.ndimage (the seed's section on filters): uniform, minimum, maximum,
percentile and median windows, Sobel/Prewitt/Laplace edges, and a custom kernel typed as a
matrix or read from a FITS file. Edges are reflected; NaN pixels stay NaN and are left out
of the windows around them."""

from __future__ import annotations

import numpy as np

from skyglass.processing.editing.kernels import convolve, kernel_from_file, kernel_from_matrix
from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.units import fill_nan

WINDOWS = ("uniform", "minimum", "maximum", "median", "percentile")
EDGES = ("sobel", "prewitt", "laplace")


def window_filter(
    data: np.ndarray, kind: str = "uniform", size: int = 3, percentile: float = 50.0
) -> np.ndarray:
    """A moving-window filter of ``size`` x ``size`` pixels (scipy.ndimage, reflect mode)."""
    from scipy import ndimage

    size = int(size)
    if size < 1:
        raise InvalidParameterError("the window needs a size of at least 1 pixel.")
    if kind == "uniform":
        # Normalised: a NaN hole does not pull its neighbours down.
        return convolve(data, np.full((size, size), 1.0 / (size * size)))
    bad = ~np.isfinite(data)
    # Fill NaN with a value that cannot win: +inf for minimum, -inf for maximum.
    fill = {"minimum": np.inf, "maximum": -np.inf}.get(kind)
    filled = np.where(bad, fill, data) if fill is not None else fill_nan(data)[0]
    filled = np.asarray(filled, np.float64)
    if kind == "minimum":
        out = ndimage.minimum_filter(filled, size=size, mode="reflect")
    elif kind == "maximum":
        out = ndimage.maximum_filter(filled, size=size, mode="reflect")
    elif kind == "median":
        out = ndimage.median_filter(filled, size=size, mode="reflect")
    elif kind == "percentile":
        if not 0 <= percentile <= 100:
            raise InvalidParameterError("the percentile must be between 0 and 100.")
        out = ndimage.percentile_filter(filled, percentile, size=size, mode="reflect")
    else:
        raise InvalidParameterError(f"unknown filter {kind!r}; choose one of {', '.join(WINDOWS)}.")
    out = out.astype(np.float32)
    out[bad] = np.nan
    return out


def edges(data: np.ndarray, kind: str = "sobel", axis: str = "magnitude") -> np.ndarray:
    """Edge strength: Sobel or Prewitt gradients (along x, y, or the magnitude), or the
    Laplacian. In data units per pixel."""
    from scipy import ndimage

    filled, bad = fill_nan(data)
    filled = filled.astype(np.float64)
    if kind == "laplace":
        out = ndimage.laplace(filled, mode="reflect")
    elif kind in ("sobel", "prewitt"):
        fn = ndimage.sobel if kind == "sobel" else ndimage.prewitt
        # numpy axis 1 is FITS x, axis 0 is FITS y.
        gx, gy = fn(filled, axis=1, mode="reflect"), fn(filled, axis=0, mode="reflect")
        out = {"x": gx, "y": gy}.get(axis)
        if out is None:
            out = np.hypot(gx, gy)
    else:
        raise InvalidParameterError(
            f"unknown edge filter {kind!r}; choose one of {', '.join(EDGES)}."
        )
    out = out.astype(np.float32)
    out[bad] = np.nan
    return out


def custom_kernel(
    data: np.ndarray, matrix=None, kernel_file: str | None = None, normalise: bool = True
) -> np.ndarray:
    """Convolve with a kernel typed as a square matrix (row by row, top row first) or read
    from a FITS file; ``normalise`` divides by its sum (for smoothing kernels)."""
    if kernel_file:
        kernel = kernel_from_file(kernel_file)
        if normalise and abs(kernel.sum()) > 1e-12:
            kernel = kernel / kernel.sum()
    elif matrix is not None:
        kernel = kernel_from_matrix(matrix, normalise)
    else:
        raise InvalidParameterError("type the kernel's numbers or give a FITS kernel file.")
    return convolve(data, kernel, normalise=normalise)


# ---------------------------------------------------------------- operations
OPERATIONS.register(
    Operation(
        "filter",
        "Window filter",
        "Filters",
        window_filter,
        (
            Param("kind", "choice", "uniform", choices=WINDOWS, help="What the window computes"),
            Param("size", "int", 3, 1, 101, help="Window size (pixels)"),
            Param(
                "percentile",
                "float",
                50.0,
                0,
                100,
                help="Which percentile of the window",
                when=("kind", ("percentile",)),
            ),
        ),
        help="Uniform (mean), minimum, maximum, median or percentile of a moving window.",
    )
)

OPERATIONS.register(
    Operation(
        "edges",
        "Edges",
        "Filters",
        edges,
        (
            Param("kind", "choice", "sobel", choices=EDGES, help="Edge operator"),
            Param(
                "axis",
                "choice",
                "magnitude",
                choices=("magnitude", "x", "y"),
                help="Gradient along x, along y, or its magnitude",
                when=("kind", ("sobel", "prewitt")),
            ),
        ),
        help="Sobel or Prewitt gradients, or the Laplacian (data units per pixel).",
    )
)

OPERATIONS.register(
    Operation(
        "kernel",
        "Custom kernel",
        "Filters",
        custom_kernel,
        (
            Param(
                "matrix",
                "matrix",
                (0, 1, 0, 1, 4, 1, 0, 1, 0),
                help="The kernel's numbers, row by row, top row first (9, 25, 49...)",
            ),
            Param("kernel_file", "path", None, help="Or a FITS image of the kernel"),
            Param("normalise", "bool", True, help="Divide by the kernel's sum (smoothing)"),
        ),
        help="Convolve with your own kernel (edges reflected, NaN ignored).",
    )
)
