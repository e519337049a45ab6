"""Registering light frames to a reference and co-adding them.

Translation by phase cross-correlation (scikit-image, sub-pixel); translation, rotation
and scale by matching star patterns (astroalign's triangle asterisms with RANSAC).
Frames are resampled bilinearly or bicubically; pixels with no data become NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from skyglass.processing.calibration.calibrate import SOFTWARE, Frame, exposure_time
from skyglass.processing.calibration.combine import CombineOptions, combine
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.progress import ProgressCallback, report, scaled

ALIGN_METHODS = ("none", "shift", "stars")
INTERPOLATION = {"nearest": 0, "bilinear": 1, "bicubic": 3}


def _prepared(data: np.ndarray) -> np.ndarray:
    """Background-subtracted, clipped copy for correlation (stars matter, not the sky)."""
    finite = np.isfinite(data)
    med = float(np.median(data[finite])) if finite.any() else 0.0
    out = np.where(finite, data - med, 0.0).astype(np.float32)
    hi = float(np.percentile(out, 99.9))
    np.clip(out, 0.0, max(hi, 1e-6), out=out)
    return out


def find_shift(reference: np.ndarray, image: np.ndarray) -> tuple[float, float]:
    """``(dx, dy)`` in pixels to add to ``image`` coordinates to land on ``reference``."""
    from skimage.registration import phase_cross_correlation

    shift, _, _ = phase_cross_correlation(
        _prepared(reference), _prepared(image), upsample_factor=50, normalization=None
    )
    dy, dx = shift
    return float(dx), float(dy)


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
    for i, f in enumerate(frames):
        report(progress, i / len(frames), f"aligning {f.name}")
        if i == reference or method == "none":
            matrix = np.eye(3)
        elif method == "shift":
            matrix = shift_matrix(*find_shift(ref, f.data))
        else:
            matrix = np.asarray(find_transform(ref, f.data).params)
        matrices.append(matrix)
        if np.allclose(matrix, np.eye(3)):
            out.append(f.data.astype(np.float32))
        else:
            out.append(resample(f.data, matrix, INTERPOLATION[interpolation]))
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
    header = ref.header.copy()
    try:
        times = [exposure_time(f.header, f.name) for f in frames]
    except SkyglassError:  # stacking needs no exposure time; the header just cannot say it
        times = None
    if times is not None:
        total = float(sum(times))
        header["EXPTIME"] = (
            total if opts.method == "sum" else total / len(times),
            "[s] effective exposure of the stacked values",
        )
        header["TOTEXP"] = (total, "[s] total exposure combined")
    else:
        for key in ("EXPTIME", "EXPOSURE", "TOTEXP"):
            header.remove(key, ignore_missing=True)
    header["NCOMBINE"] = (len(frames), "number of frames stacked")
    header["IMAGETYP"] = (str(ref.header.get("IMAGETYP", "Light Frame")), "stacked")
    result = Frame(data, header, name="stack", sources=[f.name for f in frames])
    result.history(
        f"{SOFTWARE}: stack of {len(frames)} frames ({opts.method}), aligned by "
        f"{align} to {ref.name} ({interpolation}); WCS is the reference frame's"
    )
    for f, m in zip(frames, matrices, strict=True):
        result.history(
            f"{SOFTWARE}: {f.name}: dx {m[0, 2]:+.3f} dy {m[1, 2]:+.3f} "
            f"rot {np.degrees(np.arctan2(m[1, 0], m[0, 0])):+.4f} deg"
        )
    return result
