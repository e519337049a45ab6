"""Registering a frame to a reference: by shift (phase correlation of the binned frames,
refined on a central cut-out), by star patterns (sep positions matched by astroalign's
triangles) or by the frames' WCS.
"""

from __future__ import annotations

import logging

import numpy as np

from skyglass.processing.calibration.warps import shift_matrix
from skyglass.processing.errors import SkyglassError

log = logging.getLogger(__name__)

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
    """Block means of ``factor`` x ``factor`` (rows added as slices, then columns: 2.7x
    faster than a mean over two strided axes on a 4096^2 frame)."""
    ny, nx = (s // factor * factor for s in data.shape)
    d = data[:ny, :nx]
    rows = np.array(d[0::factor], dtype=np.float32)
    for k in range(1, factor):
        rows += d[k::factor]
    return rows.reshape(ny // factor, nx // factor, factor).sum(axis=2) / np.float32(factor**2)


def _spectrum(image: np.ndarray) -> np.ndarray:
    from scipy.fft import fftn

    return fftn(image)


def _correlate(reference, image: np.ndarray, upsample: int) -> tuple[float, float]:
    """Shift of ``image`` onto ``reference``; ``reference`` may be its spectrum already
    (:func:`_spectrum`: a stack's reference is transformed once, not once per frame)."""
    from skimage.registration import phase_cross_correlation

    if np.iscomplexobj(reference):
        (dy, dx), _, _ = phase_cross_correlation(
            reference, _spectrum(image), upsample_factor=upsample, normalization=None,
            space="fourier",
        )  # fmt: skip
    else:
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
            self.ref_binned = _spectrum(_binned(reference, self.factor, self.levels[0]))
        else:
            self.ref_prepared = _spectrum(_clipped(reference, *self.levels))
        self._cutouts: dict[tuple[int, int, int, int], np.ndarray] = {}

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
            self._cutout(y0, y1, x0, x1),
            _clipped(image[y0 - cy : y1 - cy, x0 - cx : x1 - cx], *levels),
            100,
        )
        return shift_matrix(cx + fx, cy + fy)

    def _cutout(self, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        """The spectrum of the reference's clipped cut-out (the same for every frame
        dithered by less than the margin: kept, a few at most)."""
        key = (y0, y1, x0, x1)
        spectrum = self._cutouts.get(key)  # two threads may both make it: same values
        if spectrum is None:
            spectrum = _spectrum(_clipped(self.ref[y0:y1, x0:x1], *self.levels))
            if len(self._cutouts) > 8:
                self._cutouts.clear()
            self._cutouts[key] = spectrum
        return spectrum


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
    if finite.all():  # the usual case: no median of 4 M pixels to fill holes with
        work = np.array(crop, dtype=np.float32)
    else:
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
