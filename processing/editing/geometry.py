"""Geometric edits: flips, quarter turns, rotation, crop, resize and rescale (the matrix
warps, swirl and lens distortion are in :mod:`.warping`). Each returns the new image and
the 3 x 3 matrix mapping input pixel positions to output positions (0-based x, y), so the
WCS can follow (see :mod:`processing.wcs_update`).

Angles are counter-clockwise as displayed (FITS orientation, y up).
"""

from __future__ import annotations

import math

import numpy as np

from skyglass.processing.affine import warp_affine
from skyglass.processing.editing.operation import OPERATIONS, Operation, Param, interpolation_param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.units import fill_nan

ORDERS = {"nearest": 0, "bilinear": 1, "cubic": 3}


def spline_order(interpolation: str) -> int:
    """The spline order of an interpolation name (nearest 0, bilinear 1, cubic 3)."""
    if interpolation not in ORDERS:
        raise InvalidParameterError(
            f"interpolation must be one of {', '.join(ORDERS)}, not {interpolation!r}."
        )
    return ORDERS[interpolation]


def translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _bounding(linear: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Translation putting the transformed image at (0, 0), and the output shape."""
    ny, nx = shape
    corners = np.array([[-0.5, -0.5], [nx - 0.5, -0.5], [-0.5, ny - 0.5], [nx - 0.5, ny - 0.5]])
    moved = corners @ linear.T
    lo, hi = moved.min(axis=0), moved.max(axis=0)
    out_nx = int(math.ceil(hi[0] - lo[0] - 1e-6))
    out_ny = int(math.ceil(hi[1] - lo[1] - 1e-6))
    shift = -lo - 0.5
    m = np.eye(3)
    m[:2, :2] = linear
    m[:2, 2] = shift
    return m, (out_ny, out_nx)


def flip(data: np.ndarray, axis: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right (``x``) or top-bottom (``y``)."""
    ny, nx = data.shape
    if axis == "x":
        return np.ascontiguousarray(data[:, ::-1]), np.array(
            [[-1.0, 0, nx - 1], [0, 1.0, 0], [0, 0, 1.0]]
        )
    if axis == "y":
        return np.ascontiguousarray(data[::-1]), np.array(
            [[1.0, 0, 0], [0, -1.0, ny - 1], [0, 0, 1.0]]
        )
    raise InvalidParameterError("flip axis must be 'x' (left-right) or 'y' (top-bottom).")


def rotate90(data: np.ndarray, turns: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by ``turns`` x 90 degrees counter-clockwise (as displayed), exactly."""
    q = int(turns) % 4
    if q == 0:
        return data.copy(), np.eye(3)
    c, s = [(1, 0), (0, 1), (-1, 0), (0, -1)][q]
    matrix, _ = _bounding(np.array([[c, -s], [s, c]], float), data.shape)
    # With y up, counter-clockwise on screen is clockwise on the array as printed.
    return np.ascontiguousarray(np.rot90(data, k=-q)), np.round(matrix)


def rotate(
    data: np.ndarray,
    angle: float,
    center: tuple[float, float] | None = None,
    interpolation: str = "bilinear",
    expand: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (FITS x, y; default
    the image centre); ``expand`` enlarges the image to keep every pixel."""
    order = spline_order(interpolation)
    ny, nx = data.shape
    if float(angle) % 90 == 0 and center is None:
        return rotate90(data, int(round(float(angle) / 90)))
    t = math.radians(float(angle))
    linear = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    if expand:
        matrix, shape = _bounding(linear, data.shape)
    else:
        cx, cy = (
            ((nx - 1) / 2.0, (ny - 1) / 2.0)
            if center is None
            else (float(center[0]) - 1.0, float(center[1]) - 1.0)
        )
        c = np.array([cx, cy])
        matrix = np.eye(3)
        matrix[:2, :2] = linear
        matrix[:2, 2] = c - linear @ c
        shape = data.shape
    return warp_affine(data, matrix, shape, order), matrix


def crop(data: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep FITS pixels ``x0..x1`` and ``y0..y1`` (1-based, inclusive)."""
    ny, nx = data.shape
    x0, x1 = sorted((int(x0), int(x1)))
    y0, y1 = sorted((int(y0), int(y1)))
    x0, y0 = max(1, x0), max(1, y0)
    x1, y1 = min(nx, x1), min(ny, y1)
    if x1 < x0 or y1 < y0:
        raise InvalidParameterError(f"the crop box is outside the image (1..{nx} x 1..{ny}).")
    return data[y0 - 1 : y1, x0 - 1 : x1].copy(), translation(-(x0 - 1), -(y0 - 1))


#: The largest result a geometric edit may make (pixels): 16384 x 8192, 512 MB as float32
#: (scikit-image works in float64 on top). Beyond it a recipe value is surely a mistake.
MAX_OUTPUT_PIXELS = 2**27


def check_output_size(width: int, height: int) -> None:
    """InvalidParameterError, before any work, for a result too large to hold."""
    if width * height > MAX_OUTPUT_PIXELS:
        raise InvalidParameterError(
            f"the result would be {width} x {height} pixels ({width * height / 1e6:.0f} "
            f"million); the limit is {MAX_OUTPUT_PIXELS / 1e6:.0f} million."
        )


def resize(
    data: np.ndarray,
    width: int,
    height: int,
    interpolation: str = "bilinear",
    anti_aliasing: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Resize to ``width x height`` pixels; anti-aliasing when shrinking (scikit-image)."""
    from skimage.transform import resize as sk_resize

    ny, nx = data.shape
    width, height = int(width), int(height)
    if width < 1 or height < 1:
        raise InvalidParameterError("the new size must be at least 1 x 1 pixels.")
    check_output_size(width, height)
    filled, bad = fill_nan(data)
    out = sk_resize(
        filled,
        (height, width),
        order=spline_order(interpolation),
        anti_aliasing=anti_aliasing and (width < nx or height < ny),
        preserve_range=True,
        mode="edge",
    ).astype(np.float32)
    if bad.any():
        nan = (
            sk_resize(
                bad.astype(np.float32),
                (height, width),
                order=0,
                anti_aliasing=False,
                preserve_range=True,
            )
            > 0
        )
        out[nan] = np.nan
    sx, sy = width / nx, height / ny
    matrix = np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
    return out, matrix


def rescale(
    data: np.ndarray, factor: float, interpolation: str = "bilinear", anti_aliasing: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Scale both axes by ``factor``."""
    if not factor > 0:
        raise InvalidParameterError("the scale factor must be positive.")
    ny, nx = data.shape
    return resize(
        data, max(1, round(nx * factor)), max(1, round(ny * factor)), interpolation, anti_aliasing
    )


#: How a warp's matrix is read. scikit-image's ``warp(image, tform)``: each output pixel
#: (x, y) takes its value from the input at ``tform(x, y)``; or the forward map.
# ---------------------------------------------------------------- operations
# The Edit panel, recipes, replay and HISTORY use these declarations.


def _flip_x(data):
    return flip(data, "x")


def _flip_y(data):
    return flip(data, "y")


def _rotate90(data, turns):
    return rotate90(data, {"90": 1, "180": 2, "270": 3}[turns])


def _crop(data, box):
    return crop(data, *box)


OPERATIONS.register(
    Operation(
        "flip_x",
        "Flip left-right",
        "Geometry",
        _flip_x,
        geometry=True,
        help="Mirror the image left to right (the WCS follows exactly).",
    )
)

OPERATIONS.register(
    Operation(
        "flip_y",
        "Flip top-bottom",
        "Geometry",
        _flip_y,
        geometry=True,
        help="Mirror the image top to bottom (the WCS follows exactly).",
    )
)

OPERATIONS.register(
    Operation(
        "rotate90",
        "Rotate by quarter turns",
        "Geometry",
        _rotate90,
        (
            Param(
                "turns",
                "choice",
                "90",
                choices=("90", "180", "270"),
                help="Counter-clockwise, in degrees",
            ),
        ),
        geometry=True,
        help="Rotate by 90, 180 or 270 degrees without interpolation.",
    )
)

OPERATIONS.register(
    Operation(
        "rotate",
        "Rotate",
        "Geometry",
        rotate,
        (
            Param("angle", "float", 30.0, -360, 360, help="Degrees, counter-clockwise"),
            Param("center", "point", None, help="Centre (FITS x, y); empty: image centre"),
            interpolation_param(),
            Param("expand", "bool", False, help="Enlarge the image so no pixel is cut off"),
        ),
        geometry=True,
        help="Rotate by any angle; the WCS gets the rotated CD matrix.",
    )
)

OPERATIONS.register(
    Operation(
        "crop",
        "Crop",
        "Geometry",
        _crop,
        (Param("box", "box", (1, 1, 100, 100), help="x0, y0, x1, y1 (FITS, inclusive)"),),
        geometry=True,
        help="Keep a rectangle of the image.",
    )
)

OPERATIONS.register(
    Operation(
        "rescale",
        "Rescale",
        "Geometry",
        rescale,
        (
            Param("factor", "float", 0.5, 0.01, 16, help="Scale factor for both axes"),
            interpolation_param(),
            Param("anti_aliasing", "bool", True, help="Smooth before shrinking"),
        ),
        geometry=True,
        help="Scale the image; anti-aliasing when shrinking.",
    )
)

OPERATIONS.register(
    Operation(
        "resize",
        "Resize",
        "Geometry",
        resize,
        (
            Param("width", "int", 512, 1, 65536, help="New width in pixels"),
            Param("height", "int", 512, 1, 65536, help="New height in pixels"),
            interpolation_param(),
            Param("anti_aliasing", "bool", True, help="Smooth before shrinking"),
        ),
        geometry=True,
        help="Resample to a given size in pixels.",
    )
)
