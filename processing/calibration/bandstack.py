"""The stack as independent tasks, for local processes or a Dask cluster.

Two kinds of task, each reading its own files (a shared filesystem on a cluster):

1. one per frame: register it to the reference (the reference is prepared once per
   worker process and kept); returns a 3 x 3 matrix;
2. one per row band of the output: read the source rows each frame's band needs,
   move them onto the reference grid and combine them; returns the band.

Nothing but headers, matrices and finished bands goes through the scheduler, and a
band task holds one band of every frame: its height is chosen so that stays within
:data:`~skyglass.processing.calibration.combine.CHUNK_BYTES`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from skyglass.processing.calibration.combine import CHUNK_BYTES, CombineOptions, combine
from skyglass.processing.progress import ProgressCallback, report, scaled

_REFERENCES: dict[tuple, object] = {}


def _registration(path: str, method: str, header):
    """The reference's :class:`Registration`, prepared once per process and file."""
    from skyglass.processing.calibration.registration import Registration
    from skyglass.processing.calibration.stacking import load

    stat = os.stat(path)
    key = (path, method, stat.st_mtime_ns, stat.st_size)
    if key not in _REFERENCES:
        _REFERENCES.clear()  # one stack at a time per worker: keep one reference
        _REFERENCES[key] = Registration(load(path), method, os.path.basename(path), header)
    return _REFERENCES[key]


def register_file(reference: str, reference_header, method: str, path: str, header) -> np.ndarray:
    """Task: the matrix taking ``path``'s pixels onto ``reference``'s."""
    from skyglass.processing.calibration.stacking import load

    registration = _registration(reference, method, reference_header)
    return registration.matrix_for(load(path), os.path.basename(path), header)


def _reader(path: str):
    """``read(a, b)``: rows ``a:b`` of ``path`` as float32, by pread for plain FITS (only
    those rows are read), else from the whole image decoded once."""
    from skyglass.processing.calibration.stacking import file_rows, load

    rows = file_rows(path)
    if rows is not None:
        return lambda a, b: np.asarray(rows[a:b], np.float32)
    data = load(path)
    return lambda a, b: data[a:b]


def level_file(path: str, spread: bool = True) -> tuple[float, float]:
    """Task: a frame's sky level and spread (:func:`~.normalise.frame_level`), read from
    its file as the in-process stack measures it (before it moves)."""
    from skyglass.processing.calibration.normalise import frame_level
    from skyglass.processing.calibration.stacking import file_rows, load

    rows = file_rows(path)
    return frame_level(rows if rows is not None else load(path), spread)


def combine_band(plan: tuple, r0: int, r1: int) -> np.ndarray:
    """Task: rows ``r0:r1`` of the stack; ``plan`` is ``(paths, shape, matrices,
    interpolation, options, normalise)``, the same for every band (sent once to each
    worker); ``normalise`` is the frames' ``(factors, offsets)`` or None."""
    from skyglass.processing.calibration.warps import warp_rows

    paths, shape, matrices, interpolation, options, normalise = plan
    bands = np.empty((len(paths), r1 - r0, shape[1]), np.float32)
    for i, (path, matrix) in enumerate(zip(paths, matrices, strict=True)):
        read = _reader(path)
        if np.allclose(matrix, np.eye(3)):
            bands[i] = read(r0, r1)
        else:
            bands[i] = warp_rows(read, shape, matrix, interpolation, r0, r1)
    names = [os.path.basename(p) for p in paths]
    return combine(list(bands), options=options, names=names, threads=1, normalise=normalise)


def band_rows(n: int, nx: int) -> int:
    """Rows per band task: one band of every frame within the combine chunk budget (a
    median needs every frame's value of a pixel at once), at most 1024."""
    return max(1, min(1024, CHUNK_BYTES // max(1, n * nx * 4)))


def matrices_on(
    executor,
    paths: Sequence[str],
    headers: Sequence,
    reference: int,
    align: str,
    progress: ProgressCallback | None = None,
) -> list[np.ndarray]:
    """Every frame's registration matrix, one task per frame (identity for the reference
    and for ``align="none"``)."""
    from skyglass.processing.executors import gather

    n = len(paths)
    matrices = [np.eye(3) for _ in range(n)]
    if align == "none":
        return matrices
    ref = os.path.abspath(paths[reference])
    todo = [i for i in range(n) if i != reference]
    tasks = [(ref, headers[reference], align, os.path.abspath(paths[i]), headers[i]) for i in todo]
    gather(
        executor,
        register_file,
        tasks,
        lambda k, m: matrices.__setitem__(todo[k], np.asarray(m)),
        progress=progress,
        message=lambda done: f"registered {done} of {len(todo)} frames on {executor.name}",
    )
    return matrices


def stack_on(
    executor,
    paths: Sequence[str],
    shape: tuple[int, int],
    headers: Sequence,
    reference: int,
    align: str,
    interpolation: str,
    options: CombineOptions,
    progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Register and combine on ``executor``; returns ``(stack, matrices)``, the same
    values as the in-process engine (float32 rounding for rotated frames)."""
    from skyglass.processing.calibration.normalise import normalisation
    from skyglass.processing.executors import gather

    if align != "none":  # the reference is not a task
        report(progress, 0.0, f"registering {len(paths) - 1} frames on {executor.name}")
    matrices = matrices_on(executor, paths, headers, reference, align, scaled(progress, 0, 0.4))
    files = [os.path.abspath(p) for p in paths]
    normalise = None
    if options.scale is not None:  # every frame's level before any band is combined
        levels: list = [None] * len(files)
        gather(
            executor,
            level_file,
            [(f, options.scale == "offset-scale") for f in files],
            levels.__setitem__,
            progress=scaled(progress, 0.4, 0.4),
            message=lambda done: f"measured {done} of {len(files)} sky levels",
        )
        names = [os.path.basename(f) for f in files]
        normalise = normalisation(levels, options.scale, names)
    ny, nx = shape
    rows = band_rows(len(paths), nx)
    starts = list(range(0, ny, rows))
    plan = executor.share((files, tuple(shape), matrices, interpolation, options, normalise))
    tasks = [(plan, r0, min(ny, r0 + rows)) for r0 in starts]
    out = np.empty(shape, np.float32)

    def place(k: int, band: np.ndarray) -> None:
        out[starts[k] : starts[k] + band.shape[0]] = band

    gather(
        executor,
        combine_band,
        tasks,
        place,
        progress=scaled(progress, 0.4, 1.0),
        message=lambda done: f"combined {done} of {len(tasks)} bands on {executor.name}",
    )
    return out, matrices
