"""Warps: affine and projective matrices (read as scikit-image's ``warp(image, tform)``
reads them, or input-to-output), perspective from four corners, swirl and lens distortion.
Each returns the new image and the 3 x 3 matrix mapping input pixel positions to output
positions (0-based x, y), or None for a nonlinear warp, so the WCS can follow.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from skyglass.processing.affine import warp_affine
from skyglass.processing.editing.geometry import check_output_size, spline_order
from skyglass.processing.editing.operation import OPERATIONS, Operation, Param, interpolation_param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.units import fill_nan

MAPS = ("output-to-input", "input-to-output")
#: The size of a warp's output.
OUTPUTS = ("same", "fit", "size")


def _forward(matrix: np.ndarray, how: str) -> np.ndarray:
    """The input -> output matrix for a matrix read ``how`` (one of :data:`MAPS`)."""
    m = np.asarray(matrix, float)
    if abs(np.linalg.det(m)) < 1e-12:
        raise InvalidParameterError("the transform is singular (a scale of 0?).")
    if how == "output-to-input":
        return np.linalg.inv(m)
    if how == "input-to-output":
        return m
    raise InvalidParameterError(f"map must be one of {', '.join(MAPS)}.")


def _project(forward: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = forward[2, 0] * x + forward[2, 1] * y + forward[2, 2]
    return (
        (forward[0, 0] * x + forward[0, 1] * y + forward[0, 2]) / w,
        (forward[1, 0] * x + forward[1, 1] * y + forward[1, 2]) / w,
    )


def output_geometry(
    forward: np.ndarray,
    shape: tuple[int, int],
    output: str = "same",
    width: int = 0,
    height: int = 0,
) -> tuple[np.ndarray, tuple[int, int]]:
    """The forward matrix and output shape for an output-size choice: ``same`` as the
    input, ``fit`` the whole transformed image (shifted to start at the first pixel), or
    ``size`` (``width`` x ``height``)."""
    if output == "same":
        return forward, tuple(shape)
    if output == "size":
        if width < 1 or height < 1:
            raise InvalidParameterError("type the output's width and height (pixels).")
        check_output_size(int(width), int(height))
        return forward, (int(height), int(width))
    if output != "fit":
        raise InvalidParameterError(f"output must be one of {', '.join(OUTPUTS)}.")
    ny, nx = shape
    cx = np.array([-0.5, nx - 0.5, nx - 0.5, -0.5])
    cy = np.array([-0.5, -0.5, ny - 0.5, ny - 0.5])
    px, py = _project(forward, cx, cy)
    if not (np.isfinite(px).all() and np.isfinite(py).all()):
        raise InvalidParameterError("the transformed image does not fit in a finite area.")
    w = int(math.ceil(px.max() - px.min() - 1e-9))
    h = int(math.ceil(py.max() - py.min() - 1e-9))
    check_output_size(w, h)
    shift = np.array([[1.0, 0, -0.5 - px.min()], [0, 1.0, -0.5 - py.min()], [0, 0, 1.0]])
    return shift @ forward, (max(h, 1), max(w, 1))


def affine(
    data: np.ndarray,
    scale_x: float = 1.0,
    scale_y: float = 1.0,
    rotation: float = 0.0,
    shear: float = 0.0,
    tx: float = 0.0,
    ty: float = 0.0,
    interpolation: str = "bilinear",
    map: str = "output-to-input",  # noqa: A002 - the recipe's parameter name
    output: str = "same",
    width: int = 0,
    height: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Affine warp from scikit-image's parameters (rotation and shear in degrees).

    By default the transform means what ``warp(image, AffineTransform(...))`` means in
    scikit-image: each output pixel is taken from the input at ``tform(x, y)`` (so
    ``tx=50`` moves the picture 50 pixels left). ``map="input-to-output"`` reads it the
    other way. ``output``: the same size, ``fit`` the whole result, or ``size``.
    """
    from skimage.transform import AffineTransform

    tform = AffineTransform(
        scale=(scale_x, scale_y),
        rotation=math.radians(rotation),
        shear=math.radians(shear),
        translation=(tx, ty),
    )
    forward, shape = output_geometry(_forward(tform.params, map), data.shape, output, width, height)
    return warp_affine(data, forward, shape, spline_order(interpolation)), forward


def projective(
    data: np.ndarray,
    matrix,
    output_shape: tuple[int, int] | None = None,
    interpolation: str = "bilinear",
    map: str = "input-to-output",  # noqa: A002 - the recipe's parameter name
    output: str = "same",
    width: int = 0,
    height: int = 0,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Warp by a 3 x 3 homography read as ``map`` (see :func:`affine`). Affine matrices keep
    the WCS; truly projective ones return None (the WCS cannot follow)."""
    from skimage.transform import ProjectiveTransform, warp

    m = _forward(np.asarray(matrix, float).reshape(3, 3), map)
    m = m / m[2, 2]
    if output_shape is None:
        m, output_shape = output_geometry(m, data.shape, output, width, height)
    if np.allclose(m[2, :2], 0):
        return warp_affine(data, m, output_shape, spline_order(interpolation)), m
    filled, bad = fill_nan(data)
    tform = ProjectiveTransform(m)
    shape = tuple(output_shape)
    out = warp(
        filled,
        tform.inverse,
        output_shape=shape,
        order=spline_order(interpolation),
        mode="constant",
        cval=np.nan,
        preserve_range=True,
    ).astype(np.float32)
    mask = partial(warp, inverse_map=tform.inverse, output_shape=shape, order=0, cval=1.0)
    return _nan_follows(out, bad, mask), None


def _nan_follows(out: np.ndarray, bad: np.ndarray, warp_mask) -> np.ndarray:
    """``out`` with NaN wherever the input's NaN pixels (``bad``) land; ``warp_mask`` moves
    the mask as the image was moved (nearest neighbour)."""
    if bad.any():
        out[warp_mask(bad.astype(np.float32), preserve_range=True) > 0] = np.nan
    return out


def perspective(
    data: np.ndarray, points, interpolation: str = "bilinear", width: int = 0, height: int = 0
) -> tuple[np.ndarray, np.ndarray | None]:
    """Map a quadrilateral (four FITS points, in order around it) onto a rectangle of
    ``width`` x ``height`` pixels (0: the mean length of opposite sides)."""
    from skimage.transform import ProjectiveTransform

    pts = np.asarray(points, float).reshape(4, 2) - 1.0
    w = int(width) or int(
        round((np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[3])) / 2)
    )
    h = int(height) or int(
        round((np.linalg.norm(pts[3] - pts[0]) + np.linalg.norm(pts[2] - pts[1])) / 2)
    )
    if w < 2 or h < 2:
        raise InvalidParameterError("the four points are too close together.")
    check_output_size(w, h)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], float)
    try:
        tform = ProjectiveTransform.from_estimate(pts, dst)
    except AttributeError:  # scikit-image < 0.26
        tform = ProjectiveTransform()
        if not tform.estimate(pts, dst):
            tform = None
    if tform is None or not np.isfinite(tform.params).all():
        raise InvalidParameterError("no perspective transform fits these four points.")
    out, _ = projective(data, tform.params, (h, w), interpolation, map="input-to-output")
    return out, None


def swirl(
    data: np.ndarray,
    strength: float = 5.0,
    radius: float = 100.0,
    center: tuple[float, float] | None = None,
) -> tuple[np.ndarray, None]:
    """scikit-image's swirl about ``center`` (FITS x, y; default the image centre)."""
    from skimage.transform import swirl as sk_swirl

    filled, bad = fill_nan(data)
    c = None if center is None else (float(center[0]) - 1.0, float(center[1]) - 1.0)
    out = sk_swirl(
        filled, center=c, strength=strength, radius=radius, preserve_range=True, mode="edge"
    ).astype(np.float32)
    mask = partial(sk_swirl, center=c, strength=strength, radius=radius, order=0)
    return _nan_follows(out, bad, mask), None


def lens_distortion(
    data: np.ndarray,
    k1: float = 0.0,
    k2: float = 0.0,
    k3: float = 0.0,
    p1: float = 0.0,
    p2: float = 0.0,
    center: tuple[float, float] | None = None,
    interpolation: str = "bilinear",
) -> tuple[np.ndarray, None]:
    """Correct lens distortion with the Brown-Conrady model.

    Radii are normalised by half the image's larger side (r = 1 there). For each pixel of
    the corrected image, the distorted position it came from is
    ``x_d = x (1 + k1 r^2 + k2 r^4 + k3 r^6) + 2 p1 x y + p2 (r^2 + 2 x^2)`` (and likewise
    for y); positive k1 corrects barrel distortion's opposite, negative k1 pulls the corners
    in. Pixels that come from outside the image are NaN. The mapping is not affine, so the
    WCS is removed (with a HISTORY note).
    """
    from scipy import ndimage

    ny, nx = data.shape
    cx, cy = ((nx - 1) / 2, (ny - 1) / 2) if center is None else (center[0] - 1, center[1] - 1)
    scale = max(nx, ny) / 2.0
    yy, xx = np.mgrid[0:ny, 0:nx].astype(np.float64)
    x = (xx - cx) / scale
    y = (yy - cy) / scale
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    xs = (x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)) * scale + cx
    ys = (y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y) * scale + cy
    filled, bad = fill_nan(data)
    out = ndimage.map_coordinates(
        filled.astype(np.float64), [ys, xs], order=spline_order(interpolation), mode="nearest"
    ).astype(np.float32)
    outside = (xs < -0.5) | (xs > nx - 0.5) | (ys < -0.5) | (ys > ny - 0.5)
    if bad.any():
        outside |= ndimage.map_coordinates(bad.astype(np.float32), [ys, xs], order=0) > 0
    out[outside] = np.nan
    return out, None


def lensfun_coefficients(camera: str, lens: str, focal_length: float) -> dict:
    """k1, k2, k3 for a camera and lens from the lensfun database (the seed's way), with
    the optional ``lensfunpy`` package. Raises InvalidParameterError when it is missing."""
    try:
        import lensfunpy
    except ImportError:
        raise InvalidParameterError(
            "looking up a lens needs the optional lensfunpy package (pip install lensfunpy); "
            "or type k1, k2, k3 from your lens's calibration."
        ) from None
    db = lensfunpy.Database()
    cams = db.find_cameras(*camera.split(" ", 1)) if " " in camera else db.find_cameras(camera)
    if not cams:
        raise InvalidParameterError(f"lensfun knows no camera {camera!r}.")
    lenses = db.find_lenses(cams[0], None, lens)
    if not lenses:
        raise InvalidParameterError(f"lensfun knows no lens {lens!r} for {camera}.")
    calib = [c for c in lenses[0].calib_distortion if c.model == lensfunpy.DistortionModel.PTLENS]
    if not calib:
        raise InvalidParameterError(f"lensfun has no distortion calibration for {lens!r}.")
    best = min(calib, key=lambda c: abs(c.focal - focal_length))
    a, b, c = best.terms[:3]
    # PTLens r_d = a r^4 + b r^3 + c r^2 + (1 - a - b - c) r: approximated by Brown terms.
    return {"k1": float(c), "k2": float(a), "k3": 0.0}


# ---------------------------------------------------------------- operations
# The Edit panel, recipes, replay and HISTORY use these declarations.


def _warp_params(default_map: str) -> tuple:
    """How the matrix is read, and the size of the output (shared by affine and projective)."""
    return (
        Param(
            "map",
            "choice",
            default_map,
            choices=MAPS,
            help="output-to-input: as scikit-image's warp(image, tform); input-to-output: "
            "the matrix moves the picture",
        ),
        Param(
            "output",
            "choice",
            "same",
            choices=OUTPUTS,
            help="Output size: the input's, the whole result (fit), or typed",
        ),
        Param(
            "width", "int", 0, 0, 40000, help="Output width (pixels)", when=("output", ("size",))
        ),
        Param(
            "height", "int", 0, 0, 40000, help="Output height (pixels)", when=("output", ("size",))
        ),
    )


def _affine(data, **kw):
    return affine(data, **kw)


def _projective(data, matrix, interpolation, map, output, width, height):  # noqa: A002
    return projective(
        data, np.asarray(matrix).reshape(3, 3), None, interpolation, map, output, width, height
    )


OPERATIONS.register(
    Operation(
        "affine",
        "Affine warp",
        "Geometry",
        _affine,
        (
            Param("scale_x", "float", 1.0, 0.01, 100, help="Scale along x"),
            Param("scale_y", "float", 1.0, 0.01, 100, help="Scale along y"),
            Param("rotation", "float", 0.0, -360, 360, help="Degrees"),
            Param("shear", "float", 0.0, -89, 89, help="Degrees"),
            Param("tx", "float", 0.0, help="Shift in x (pixels)"),
            Param("ty", "float", 0.0, help="Shift in y (pixels)"),
            interpolation_param(),
            *_warp_params("output-to-input"),
        ),
        geometry=True,
        help="scikit-image's AffineTransform, meaning what warp(image, tform) means: each "
        "output pixel comes from the input at tform(x, y) (tx = 50 moves the picture left). "
        "The WCS follows.",
    )
)

OPERATIONS.register(
    Operation(
        "projective",
        "Projective warp",
        "Geometry",
        _projective,
        (
            Param(
                "matrix",
                "matrix",
                [1, 0, 0, 0, 1, 0, 0, 0, 1],
                help="3 x 3 homography, row by row",
            ),
            interpolation_param(),
            *_warp_params("output-to-input"),
        ),
        geometry=True,
        help="Warp by a 3 x 3 matrix; a truly projective warp removes the WCS.",
    )
)

OPERATIONS.register(
    Operation(
        "perspective",
        "Perspective correction",
        "Geometry",
        perspective,
        (
            Param(
                "points",
                "points",
                [(1, 1), (100, 1), (100, 100), (1, 100)],
                help="Four corners clicked on the image, in order around the shape",
            ),
            interpolation_param(),
            Param("width", "int", 0, 0, 40000, help="Width of the rectangle (0: measured)"),
            Param("height", "int", 0, 0, 40000, help="Height of the rectangle (0: measured)"),
        ),
        geometry=True,
        picks="points",
        help="Map a quadrilateral clicked on the image to a rectangle.",
    )
)

OPERATIONS.register(
    Operation(
        "swirl",
        "Swirl",
        "Geometry",
        swirl,
        (
            Param(
                "strength",
                "float",
                5.0,
                -100,
                100,
                help="Amount of swirl (negative: the other way)",
            ),
            Param("radius", "float", 100.0, 1, help="Extent of the swirl (pixels)"),
            Param("center", "point", None, help="FITS x, y; empty: image centre"),
        ),
        geometry=True,
        help="scikit-image's swirl (removes the WCS).",
    )
)

OPERATIONS.register(
    Operation(
        "lens",
        "Lens distortion",
        "Geometry",
        lens_distortion,
        (
            Param("k1", "float", -0.05, -2, 2, help="Radial term r^2 (negative: barrel)"),
            Param("k2", "float", 0.0, -2, 2, help="Radial term r^4"),
            Param("k3", "float", 0.0, -2, 2, help="Radial term r^6"),
            Param("p1", "float", 0.0, -1, 1, help="Tangential term p1"),
            Param("p2", "float", 0.0, -1, 1, help="Tangential term p2"),
            Param("center", "point", None, help="Optical centre (FITS x, y); empty: the middle"),
            interpolation_param(),
        ),
        geometry=True,
        help="Correct radial and tangential lens distortion (Brown-Conrady); removes the WCS.",
    )
)
