"""Moving a frame onto the reference grid: whole-pixel and bilinear shifts by slicing
(also band by band, for the streaming stack), everything else by scipy's resampling.
Pixels with no data become NaN.
"""

from __future__ import annotations

import numpy as np

#: ``none``: shifts rounded to whole pixels and copied, no resampling (as Siril's
#: registration without interpolation); rotations then use the nearest pixel.
INTERPOLATION = {"none": 0, "nearest": 0, "bilinear": 1, "bicubic": 3}


def warp(image: np.ndarray, matrix: np.ndarray, interpolation: str = "bilinear") -> np.ndarray:
    """``image`` moved by ``matrix`` onto the reference grid (NaN where nothing maps).

    Pure translations are done by slicing: whole pixels copied (``none``) or four
    weighted slices (``bilinear``); everything else through :func:`resample`.
    """
    matrix = _as_translation(matrix, image.shape)
    translation = _is_shift(matrix)
    if translation and interpolation == "none":
        return _shift_whole(image, round(matrix[0, 2]), round(matrix[1, 2]))
    if translation and interpolation == "bilinear":
        return _shift_bilinear(image, float(matrix[0, 2]), float(matrix[1, 2]))
    return resample(image, matrix, INTERPOLATION[interpolation])


def warp_bands(image: np.ndarray, matrix: np.ndarray, interpolation: str, rows: int = 256):
    """Yield ``(r0, band)``: :func:`warp`'s result, ``rows`` output rows at a time.

    For shifts each band is computed from the few source rows it needs (small buffers that
    the allocator reuses; whole-frame temporaries cost page faults that two threads fight
    over); other transforms are resampled whole, then cut into bands.
    """
    ny, nx = image.shape
    matrix = _as_translation(matrix, image.shape)
    if not _is_shift(matrix) or interpolation not in ("none", "bilinear"):
        whole = warp(image, matrix, interpolation)
        for r0 in range(0, ny, rows):
            yield r0, whole[r0 : r0 + rows]
        return
    for r0 in range(0, ny, rows):
        yield (
            r0,
            warp_rows(
                lambda a, b: image[a:b], image.shape, matrix, interpolation, r0, min(ny, r0 + rows)
            ),
        )


def warp_rows(
    read, shape: tuple[int, int], matrix: np.ndarray, interpolation: str, r0: int, r1: int
) -> np.ndarray:
    """Rows ``r0:r1`` of :func:`warp`'s result, from only the source rows they need.

    ``read(a, b)`` returns source rows ``a:b`` (float32) of an image of ``shape``: a file
    read by rows, so a task combining one band of a stack reads a band of each frame.
    Shifts give the same values as :func:`warp`; other transforms are resampled from a
    slab with a margin, equal to the whole-frame resampling within float32 rounding.
    """
    ny, nx = shape
    matrix = _as_translation(matrix, shape)
    if _is_shift(matrix) and interpolation in ("none", "bilinear"):
        dx, dy = float(matrix[0, 2]), float(matrix[1, 2])
        if interpolation == "none":
            dx, dy = float(round(dx)), float(round(dy))
        iy = int(np.floor(dy))
        s0, s1 = r0 - iy - 1, r1 - iy  # source rows the band needs (one spare above)
        slab = np.full((s1 - s0, nx), np.nan, np.float32)
        a, b = max(0, s0), min(ny, s1)
        if b > a:
            slab[a - s0 : b - s0] = read(a, b)
        # In slab rows the shift is dy - (r0 - s0); the band is the slab's first rows.
        return _shift_bilinear(slab, dx, dy - (r0 - s0))[: r1 - r0]
    order = INTERPOLATION[interpolation]
    # The source rows the band's corners map from (affine: the extremes are corners), with
    # room for the kernel; a spline's prefilter reaches further, so more for bicubic.
    corners = np.array([[0, r0 - 1, 1], [nx, r0 - 1, 1], [0, r1, 1], [nx, r1, 1]], float)
    ys = (np.linalg.inv(matrix) @ corners.T)[1]
    margin = 16 if order > 1 else 2
    s0 = max(0, int(np.floor(ys.min())) - margin)
    s1 = min(ny, int(np.ceil(ys.max())) + margin + 1)
    if s1 <= s0:
        return np.full((r1 - r0, nx), np.nan, np.float32)
    band = shift_matrix(0.0, -r0) @ matrix @ shift_matrix(0.0, float(s0))
    return resample(np.asarray(read(s0, s1), np.float32), band, order, (r1 - r0, nx))


def _is_shift(matrix: np.ndarray) -> bool:
    return bool(np.allclose(matrix[:2, :2], np.eye(2)) and np.allclose(matrix[2], [0, 0, 1]))


#: A fitted rotation and scale that move no pixel of the frame by more than this (pixels)
#: are taken as a pure shift: star matching of dithered frames finds scales of
#: 1.0000005 and rotations of 0.0002 deg, which would otherwise cost a full resampling.
TRANSLATION_TOLERANCE = 0.01


def _as_translation(matrix: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``matrix`` as the shift it amounts to (about the frame's centre), when its rotation
    and scale are negligible over the whole frame; else ``matrix`` unchanged."""
    if not np.allclose(matrix[2], [0, 0, 1]):
        return matrix
    ny, nx = shape
    centre = np.array([(nx - 1) / 2, (ny - 1) / 2])
    corners = np.array([[0, 0], [nx - 1, 0], [0, ny - 1], [nx - 1, ny - 1]]) - centre
    excess = matrix[:2, :2] - np.eye(2)
    if np.abs(corners @ excess.T).max() >= TRANSLATION_TOLERANCE:
        return matrix
    shift = matrix[:2, :2] @ centre + matrix[:2, 2] - centre
    return shift_matrix(float(shift[0]), float(shift[1]))


def _shift_whole(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    ny, nx = image.shape
    out = np.full((ny, nx), np.nan, np.float32)
    if abs(dx) >= nx or abs(dy) >= ny:
        return out
    out[max(0, dy) : ny + min(0, dy), max(0, dx) : nx + min(0, dx)] = image[
        max(0, -dy) : ny + min(0, -dy), max(0, -dx) : nx + min(0, -dx)
    ]
    return out


def _shift_bilinear(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """out(x, y) = image(x - dx, y - dy), bilinear; NaN where a needed pixel is missing.

    Separable: a horizontal then a vertical two-tap pass over the overlap, written into
    the output, with only the border set to NaN: about 5x faster than a general
    resampling for the shifts dithering makes.
    """
    ny, nx = image.shape
    ix, iy = int(np.floor(dx)), int(np.floor(dy))
    fx, fy = np.float32(dx - ix), np.float32(dy - iy)
    out = np.empty((ny, nx), np.float32)
    # Output pixels whose source pixels x - ix - 1 .. x - ix (and likewise y) exist; a
    # whole-pixel shift needs only x - ix.
    ex, ey = int(bool(fx)), int(bool(fy))
    x0, x1 = max(0, ix + ex), min(nx, nx + ix)
    y0, y1 = max(0, iy + ey), min(ny, ny + iy)
    if x1 <= x0 or y1 <= y0:
        out.fill(np.nan)
        return out
    out[:y0], out[y1:], out[y0:y1, :x0], out[y0:y1, x1:] = np.nan, np.nan, np.nan, np.nan
    # Rows y0 - iy - ey .. y1 - iy - 1 of the source, interpolated along x.
    rows = slice(y0 - iy - ey, y1 - iy)
    across = np.multiply(image[rows, x0 - ix : x1 - ix], np.float32(1) - fx)
    if fx:
        across += np.multiply(image[rows, x0 - ix - 1 : x1 - ix - 1], fx)
    target = out[y0:y1, x0:x1]
    np.multiply(across[ey:], np.float32(1) - fy, out=target)
    if fy:
        target += np.multiply(across[:-1], fy)
    return out


def resample(
    image: np.ndarray,
    matrix: np.ndarray,
    order: int = 1,
    output_shape: tuple[int, int] | None = None,
) -> np.ndarray:
    """Resample ``image`` onto the reference grid.

    ``matrix`` is the 3 x 3 homogeneous transform from image (x, y) to reference (x, y).
    Pixels that map from outside the image, or from NaN, become NaN. The result has
    ``output_shape`` (default: the image's).
    """
    from skyglass.processing.affine import warp_affine

    return warp_affine(image, matrix, output_shape, order)


def shift_matrix(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])
