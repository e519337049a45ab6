"""Registering light frames to a reference and co-adding them.

Translation by phase cross-correlation (scikit-image, sub-pixel); translation, rotation
and scale by matching star patterns (astroalign's triangle asterisms with RANSAC).
Frames are resampled bilinearly or bicubically; pixels with no data become NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from skyglass.processing.calibration.calibrate import SOFTWARE, Frame, exposure_time
from skyglass.processing.calibration.combine import CombineOptions, combine
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.progress import ProgressCallback, report, scaled

log = logging.getLogger(__name__)

ALIGN_METHODS = ("none", "shift", "stars", "wcs")
#: ``none``: shifts rounded to whole pixels and copied, no resampling (as Siril's
#: registration without interpolation); rotations then use the nearest pixel.
INTERPOLATION = {"none": 0, "nearest": 0, "bilinear": 1, "bicubic": 3}
#: Side of the central cut-out on which a shift is refined (the coarse shift comes from
#: the whole frame binned 4 x 4): two small FFTs instead of two of the whole frame.
REFINE_SIZE = 1024


def _levels(data: np.ndarray) -> tuple[float, float]:
    """The sky (median) and the 99.99th percentile above it, from a grid sample of about a
    million pixels; ``hi <= 0`` means there is nothing but sky to align on. (Clipping at
    the 99.9th flattened star cores and biased shifts by 0.05 px; at 99.99 the demo's
    shifts come out within 0.01 px.)"""
    step = max(1, int(np.sqrt(data.size / 1e6)))
    sample = data[::step, ::step]
    sample = sample[np.isfinite(sample)]
    if not sample.size:
        return 0.0, 0.0
    med, top = np.percentile(sample, [50, 99.99])  # one partition for both
    return float(med), float(top - med)


def _clipped(data: np.ndarray, med: float, hi: float) -> np.ndarray:
    """Sky-subtracted copy clipped to ``[0, hi]``: stars matter for correlation, not the sky
    or a few saturated cores."""
    out = np.where(np.isfinite(data), data - np.float32(med), np.float32(0)).astype(np.float32)
    np.clip(out, 0.0, max(hi, 1e-6), out=out)
    return out


def _prepared(data: np.ndarray) -> np.ndarray:
    """Background-subtracted, clipped copy for correlation (stars matter, not the sky)."""
    return _clipped(data, *_levels(data))


def find_shift(reference: np.ndarray, image: np.ndarray) -> tuple[float, float]:
    """``(dx, dy)`` in pixels to add to ``image`` coordinates to land on ``reference``."""
    from skimage.registration import phase_cross_correlation

    shift, _, _ = phase_cross_correlation(
        _prepared(reference), _prepared(image), upsample_factor=50, normalization=None
    )
    dy, dx = shift
    return float(dx), float(dy)


def _bin(data: np.ndarray, factor: int) -> np.ndarray:
    ny, nx = (s // factor * factor for s in data.shape)
    return data[:ny, :nx].reshape(ny // factor, factor, nx // factor, factor).mean(axis=(1, 3))


def _correlate(reference: np.ndarray, image: np.ndarray, upsample: int) -> tuple[float, float]:
    from skimage.registration import phase_cross_correlation

    (dy, dx), _, _ = phase_cross_correlation(
        reference, image, upsample_factor=upsample, normalization=None
    )
    return float(dx), float(dy)


class Registration:
    """The reference of a stack, prepared once; :meth:`matrix_for` registers a frame.

    ``shift``: phase correlation of the whole frames binned 4 x 4 (coarse, robust to large
    dithers), refined on a central :data:`REFINE_SIZE` cut-out at 1/50 pixel: the same
    shifts as a full-frame correlation (tested) for a fraction of the time. ``stars``:
    matched star patterns (rotation and scale too).
    """

    def __init__(self, reference: np.ndarray, method: str, name: str = "", header=None) -> None:
        self.method = method
        self.shape = reference.shape
        self.ref = reference
        if method == "wcs":
            self.wcs = _usable_wcs(header, name or "the reference")
            return
        self.levels = _levels(reference)
        if method == "stars":
            self.points = star_points(reference, name or "the reference")
            return
        self.featureless = self.levels[1] <= 0
        self.factor = 4 if min(self.shape) >= 4 * 128 else 1
        if self.factor > 1:
            self.ref_binned = _binned(reference, self.factor, self.levels[0])
        else:
            self.ref_prepared = _clipped(reference, *self.levels)

    def matrix_for(self, image: np.ndarray, name: str = "", header=None) -> np.ndarray:
        """The 3 x 3 transform taking ``image`` pixels onto the reference's."""
        if self.method == "wcs":
            return wcs_matrix(self.wcs, _usable_wcs(header, name), self.shape, name)
        if self.method == "stars":
            return _match_points(star_points(image, name), self.points, name)
        levels = _levels(image)
        if self.featureless or levels[1] <= 0:
            log.warning("%s: no structure to align on; left where it is", name or "a frame")
            return np.eye(3)
        if self.factor == 1:
            return shift_matrix(*_correlate(self.ref_prepared, _clipped(image, *levels), 50))
        coarse = _binned(image, self.factor, levels[0])
        cx, cy = _correlate(self.ref_binned, coarse, 10)
        cx, cy = round(cx * self.factor), round(cy * self.factor)
        ny, nx = self.shape
        half = REFINE_SIZE // 2
        # A central cut-out of the reference, cut to where the shifted image covers it.
        x0, y0 = max(0, nx // 2 - half, cx), max(0, ny // 2 - half, cy)
        x1, y1 = min(nx, nx // 2 + half, nx + cx), min(ny, ny // 2 + half, ny + cy)
        if x1 - x0 < 64 or y1 - y0 < 64:
            return shift_matrix(float(cx), float(cy))  # too little overlap to refine
        fx, fy = _correlate(
            _clipped(self.ref[y0:y1, x0:x1], *self.levels),
            _clipped(image[y0 - cy : y1 - cy, x0 - cx : x1 - cx], *levels),
            100,
        )
        return shift_matrix(cx + fx, cy + fy)


#: Largest distance (pixels) between the WCS's own mapping and its affine fit over the
#: frame for ``--align wcs`` (dithered frames of one camera: about 1e-4 px).
WCS_AFFINE_TOLERANCE = 0.05


def _usable_wcs(header, name: str):
    from skyglass.processing.io.sky import celestial_wcs

    wcs = celestial_wcs(header) if header is not None else None
    if wcs is None:
        raise SkyglassError(f"{name}: no usable WCS to align on; try --align shift or stars.")
    return wcs


def wcs_matrix(reference_wcs, wcs, shape: tuple[int, int], name: str = "") -> np.ndarray:
    """The affine map from a frame's pixels to the reference's through both WCS (sky
    positions of a 17 x 17 grid of reference pixels found in the frame), checked to stay
    within :data:`WCS_AFFINE_TOLERANCE` of the exact mapping everywhere on the grid."""
    ny, nx = shape
    ys, xs = np.mgrid[0 : ny - 1 : 17j, 0 : nx - 1 : 17j]
    ra, dec = reference_wcs.all_pix2world(xs.ravel(), ys.ravel(), 0)
    fx, fy = wcs.all_world2pix(ra, dec, 0)
    source = np.column_stack([fx, fy, np.ones_like(fx)])
    target = np.column_stack([xs.ravel(), ys.ravel()])
    if not np.all(np.isfinite(source)):
        raise SkyglassError(f"{name}: its WCS does not cover the reference's field.")
    solution, *_ = np.linalg.lstsq(source, target, rcond=None)
    residual = float(np.abs(source @ solution - target).max())
    if residual > WCS_AFFINE_TOLERANCE:
        raise SkyglassError(
            f"{name}: its WCS maps onto the reference's with distortions of {residual:.2f} "
            "px that an affine alignment cannot follow; try --align stars."
        )
    matrix = np.eye(3)
    matrix[:2, :] = solution.T
    return matrix


def _binned(data: np.ndarray, factor: int, sky: float) -> np.ndarray:
    """Binned, then sky-subtracted and clipped at its own levels (for the coarse shift)."""
    binned = _bin(data, factor)  # a block with a NaN is NaN: filled with sky by _clipped
    return _clipped(binned, *_levels(binned))


#: Stars used to match frames: the brightest of a central cut-out of this side.
STAR_AREA = 2048
STAR_COUNT = 50


def star_points(data: np.ndarray, name: str = "") -> np.ndarray:
    """``(n, 2)`` x, y (0-based) of the brightest unsaturated stars in the central
    :data:`STAR_AREA` square, found by sep (SExtractor's algorithm): what frames are
    matched on, in a fraction of the time full-frame pattern matching takes."""
    import sep

    ny, nx = data.shape
    x0, y0 = max(0, (nx - STAR_AREA) // 2), max(0, (ny - STAR_AREA) // 2)
    crop = data[y0 : y0 + STAR_AREA, x0 : x0 + STAR_AREA]
    finite = np.isfinite(crop)
    sky = float(np.median(crop[finite])) if finite.any() else 0.0
    work = np.ascontiguousarray(np.where(finite, crop, sky), dtype=np.float32)
    try:
        background = sep.Background(work, bw=64, bh=64)
        sky = work - background
        objects = sep.extract(sky, 5.0, err=background.globalrms, minarea=5)
        if len(objects) < 2 * STAR_COUNT:  # a small or sparse field: go fainter
            objects = sep.extract(sky, 3.0, err=background.globalrms, minarea=5)
    except Exception as exc:  # sep's own limits (too many pixels above threshold, ...)
        raise SkyglassError(f"{name}: stars could not be found to align on ({exc}).") from exc
    # Not truncated, and not as sharp as a hot pixel or a cosmic ray (semi-major axis
    # 0.7 px after sep's filter; stars of a sampled PSF are wider): those do not move with
    # the sky and would outvote the stars when frames are matched.
    good = (
        objects[((objects["flag"] & 0x04) == 0) & (objects["a"] >= 0.8)]
        if len(objects)
        else objects
    )
    if len(good) < 3:
        good = objects
    order = np.argsort(good["flux"])[::-1][:STAR_COUNT] if len(good) else []
    points = (
        np.column_stack([good["x"][order] + x0, good["y"][order] + y0])
        if len(order)
        else (np.empty((0, 2)))
    )
    return points


def _match_points(points: np.ndarray, reference: np.ndarray, name: str) -> np.ndarray:
    import astroalign

    if len(points) < 3 or len(reference) < 3:
        raise SkyglassError(
            f"{name}: too few stars to align on ({min(len(points), len(reference))} found, "
            "3 needed); try --align shift."
        )
    try:
        transform, _ = astroalign.find_transform(points, reference)
    except Exception as exc:  # astroalign raises MaxIterError and friends
        raise SkyglassError(
            f"{name}: star patterns could not be matched ({exc}); try --align shift."
        ) from exc
    return np.asarray(transform.params)


def warp(image: np.ndarray, matrix: np.ndarray, interpolation: str = "bilinear") -> np.ndarray:
    """``image`` moved by ``matrix`` onto the reference grid (NaN where nothing maps).

    Pure translations are done by slicing: whole pixels copied (``none``) or four
    weighted slices (``bilinear``); everything else through :func:`resample`.
    """
    matrix = _as_translation(matrix, image.shape)
    translation = np.allclose(matrix[:2, :2], np.eye(2)) and np.allclose(matrix[2], [0, 0, 1])
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
    shift = np.allclose(matrix[:2, :2], np.eye(2)) and np.allclose(matrix[2], [0, 0, 1])
    if not shift or interpolation not in ("none", "bilinear"):
        whole = warp(image, matrix, interpolation)
        for r0 in range(0, ny, rows):
            yield r0, whole[r0 : r0 + rows]
        return
    dx, dy = float(matrix[0, 2]), float(matrix[1, 2])
    if interpolation == "none":
        dx, dy = float(round(dx)), float(round(dy))
    iy = int(np.floor(dy))
    for r0 in range(0, ny, rows):
        r1 = min(ny, r0 + rows)
        s0, s1 = r0 - iy - 1, r1 - iy  # source rows the band needs (one spare above)
        slab = np.full((s1 - s0, nx), np.nan, np.float32)
        a, b = max(0, s0), min(ny, s1)
        if b > a:
            slab[a - s0 : b - s0] = image[a:b]
        # In slab rows the shift is dy - (r0 - s0); the band is the slab's first rows.
        moved = _shift_bilinear(slab, dx, dy - (r0 - s0))
        yield r0, moved[: r1 - r0]


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


def find_transform(reference: np.ndarray, image: np.ndarray):
    """Similarity transform (rotation, scale, shift) mapping ``image`` pixels onto
    ``reference`` pixels, from matched star patterns."""
    import astroalign

    try:
        transform, _ = astroalign.find_transform(
            np.nan_to_num(image, nan=float(np.nanmedian(image))),
            np.nan_to_num(reference, nan=float(np.nanmedian(reference))),
        )
    except Exception as exc:  # astroalign raises MaxIterError and friends
        raise SkyglassError(
            f"star patterns could not be matched ({exc}); try align 'shift'."
        ) from exc
    return transform


def resample(image: np.ndarray, matrix: np.ndarray, order: int = 1) -> np.ndarray:
    """Resample ``image`` onto the reference grid.

    ``matrix`` is the 3 x 3 homogeneous transform from image (x, y) to reference (x, y).
    Pixels that map from outside the image, or from NaN, become NaN.
    """
    from scipy import ndimage

    inverse = np.linalg.inv(matrix)
    # ndimage works in (row, col): swap x and y of the inverse mapping.
    m = np.array([[inverse[1, 1], inverse[1, 0]], [inverse[0, 1], inverse[0, 0]]])
    offset = np.array([inverse[1, 2], inverse[0, 2]])
    finite = np.isfinite(image)
    filled = np.where(finite, image, 0.0).astype(np.float32)
    out = ndimage.affine_transform(
        filled, m, offset, order=order, mode="constant", cval=np.nan, prefilter=order > 1
    )
    if not finite.all():
        weight = ndimage.affine_transform(
            finite.astype(np.float32), m, offset, order=1, mode="constant", cval=0.0
        )
        out[weight < 0.999] = np.nan
    return out.astype(np.float32)


def shift_matrix(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def align_frames(
    frames: Sequence[Frame],
    reference: int = 0,
    method: str = "shift",
    interpolation: str = "bilinear",
    progress: ProgressCallback | None = None,
) -> tuple[list[np.ndarray], list]:
    """Register every frame to ``frames[reference]`` and resample it.

    Returns
    -------
    (list of numpy.ndarray, list of numpy.ndarray)
        The resampled images and each frame's 3 x 3 transform (image -> reference).
    """
    if method not in ALIGN_METHODS:
        raise InvalidParameterError(f"align must be one of {', '.join(ALIGN_METHODS)}.")
    if interpolation not in INTERPOLATION:
        raise InvalidParameterError(f"interpolation must be one of {', '.join(INTERPOLATION)}.")
    if not frames:
        raise InvalidParameterError("no frames to align: the list is empty.")
    ref = frames[reference].data
    for f in frames:
        if f.data.shape != ref.shape:
            raise SkyglassError(
                f"{f.name} is {f.data.shape[1]} x {f.data.shape[0]} but the "
                f"reference {frames[reference].name} is {ref.shape[1]} x "
                f"{ref.shape[0]}; align frames of one size."
            )
    out, matrices = [], []
    ref_frame = frames[reference]
    registration = (
        Registration(ref, method, ref_frame.name, ref_frame.header) if method != "none" else None
    )
    for i, f in enumerate(frames):
        report(progress, i / len(frames), f"aligning {f.name}")
        if registration is None or i == reference:
            matrix = np.eye(3)
        else:
            matrix = registration.matrix_for(f.data, f.name, f.header)
        matrices.append(matrix)
        if np.allclose(matrix, np.eye(3)):
            out.append(f.data.astype(np.float32))
        else:
            out.append(warp(f.data, matrix, interpolation))
    report(progress, 1.0, "aligned")
    return out, matrices


def stack(
    frames: Sequence[Frame],
    method: str = "median",
    align: str = "shift",
    reference: int = 0,
    interpolation: str = "bilinear",
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Frame:
    """Align and co-add calibrated frames.

    The result keeps the reference frame's header and WCS. For ``mean``, ``median``,
    ``sigma-clip`` and ``minmax`` the values are per single exposure (EXPTIME is the mean
    exposure); for ``sum`` EXPTIME is the total. TOTEXP is always the total.
    """
    opts = options or CombineOptions(method=method)
    images, matrices = align_frames(
        frames, reference, align, interpolation, scaled(progress, 0.0, 0.7)
    )
    data = combine(
        images, options=opts, names=[f.name for f in frames], progress=scaled(progress, 0.7, 1.0)
    )
    ref = frames[reference]
    header = stack_header(
        ref.header,
        [f.header for f in frames],
        [f.name for f in frames],
        matrices,
        opts.method,
        align,
        interpolation,
        ref.name,
    )
    return Frame(data, header, name="stack", sources=[f.name for f in frames])


def stack_header(
    reference_header,
    headers: Sequence,
    names: Sequence[str],
    matrices: Sequence[np.ndarray],
    method: str,
    align: str,
    interpolation: str,
    reference_name: str,
):
    """The stack's header: the reference's cards and WCS, exposure (EXPTIME per stacked
    value, TOTEXP in all; removed when a frame has none), NCOMBINE, and HISTORY of the
    stack and of every frame's transform."""
    header = reference_header.copy()
    try:
        times = [exposure_time(h, name) for h, name in zip(headers, names, strict=True)]
    except SkyglassError:  # stacking needs no exposure time; the header just cannot say it
        times = None
    if times is not None:
        total = float(sum(times))
        header["EXPTIME"] = (
            total if method == "sum" else total / len(times),
            "[s] effective exposure of the stacked values",
        )
        header["TOTEXP"] = (total, "[s] total exposure combined")
    else:
        for key in ("EXPTIME", "EXPOSURE", "TOTEXP"):
            header.remove(key, ignore_missing=True)
    header["NCOMBINE"] = (len(names), "number of frames stacked")
    header["IMAGETYP"] = (str(reference_header.get("IMAGETYP", "Light Frame")), "stacked")
    lines = [
        f"{SOFTWARE}: stack of {len(names)} frames ({method}), aligned by "
        f"{align} to {reference_name} ({interpolation}); WCS is the reference frame's"
    ]
    for name, m in zip(names, matrices, strict=True):
        lines.append(
            f"{SOFTWARE}: {name}: dx {m[0, 2]:+.3f} dy {m[1, 2]:+.3f} "
            f"rot {np.degrees(np.arctan2(m[1, 0], m[0, 0])):+.4f} deg"
        )
    carrier = Frame(np.empty((0, 0), np.float32), header)
    for line in lines:
        carrier.history(line)
    return carrier.header
