"""Registering light frames to a reference and co-adding them (in memory; the streaming
engine ``skyglass stack`` runs is :mod:`.stacking`). Registration is in
:mod:`.registration`, moving frames in :mod:`.warps`; both are re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from skyglass.processing.calibration.calibrate import SOFTWARE, Frame, exposure_time
from skyglass.processing.calibration.combine import CombineOptions, combine
from skyglass.processing.calibration.registration import (  # noqa: F401 - re-exported
    Registration,
    find_shift,
    find_transform,
    star_points,
    wcs_matrix,
)
from skyglass.processing.calibration.warps import (  # noqa: F401 - re-exported
    INTERPOLATION,
    resample,
    shift_matrix,
    warp,
    warp_bands,
)
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.progress import ProgressCallback, report, scaled

log = logging.getLogger(__name__)

ALIGN_METHODS = ("none", "shift", "stars", "wcs")


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
    return stacked_frame(
        data,
        [f.header for f in frames],
        [f.name for f in frames],
        matrices,
        reference,
        opts.method,
        align,
        interpolation,
    )


def stacked_frame(
    data: np.ndarray,
    headers: Sequence,
    names: Sequence[str],
    matrices: Sequence[np.ndarray],
    reference: int,
    method: str,
    align: str,
    interpolation: str,
) -> Frame:
    """The stack as a Frame: ``data`` with :func:`stack_header` built on the reference's
    header (the in-memory and the streaming stacks return the same)."""
    header = stack_header(
        headers[reference],
        headers,
        names,
        matrices,
        method,
        align,
        interpolation,
        names[reference],
    )
    return Frame(data, header, name="stack", sources=list(names))


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
