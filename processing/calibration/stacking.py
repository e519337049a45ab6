"""Stacking files in bounded memory: whatever the number of frames, at most a few frames
and the row bands being combined are in memory, and files are open only while read.

1. Headers are read (and the files closed) to check sizes and collect exposures.
2. Each frame is loaded once, registered to the reference, and, when it moves, resampled
   into one temporary float32 file beside the output (written with ``pwrite``, so no
   page of it stays mapped); frames that do not move are read from their own files.
3. The stack is combined band by band, every band read with ``pread``.

The temporary file is removed at the end, on errors and on cancel.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from skyglass.processing.calibration.combine import CombineOptions, combine
from skyglass.processing.calibration.normalise import frame_level, normalisation
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.io.frame import Frame
from skyglass.processing.progress import ProgressCallback, report, scaled

log = logging.getLogger(__name__)

#: Frames registered at once, and frames in memory at most (registered, waiting to be
#: written): a 4096^2 frame takes 64 MB as float32, twice while it is resampled.
WORKERS = min(2, os.cpu_count() or 1)
WINDOW = 3


@dataclass
class FrameInfo:
    """What the header of one input says."""

    path: str
    name: str
    header: fits.Header
    shape: tuple[int, int]


def read_infos(paths: Sequence[str]) -> list[FrameInfo]:
    """Headers of every input (each file closed after), sizes checked against the first."""
    from skyglass.processing.io.reader import open_image

    infos = []
    for path in paths:
        image = open_image(path)
        try:
            infos.append(FrameInfo(str(path), image.name, image.header.copy(), image.shape))
        finally:
            image.close()
    first = infos[0]
    for info in infos[1:]:
        if info.shape != first.shape:
            raise SkyglassError(
                f"{info.name} is {info.shape[1]} x {info.shape[0]} but {first.name} is "
                f"{first.shape[1]} x {first.shape[0]}; stack frames of one size."
            )
    return infos


def load(path: str) -> np.ndarray:
    """The first image of ``path`` as float32, with the file closed again."""
    from skyglass.processing.io.reader import open_image

    image = open_image(path)
    try:
        # Scaling makes a new float32 array: nothing of the mapped file stays referenced.
        return np.asarray(image.data[:, :], dtype=np.float32)
    finally:
        image.close()


def file_rows(path: str):
    """Row access to a plain FITS image that opens the file only while reading, or None
    for compressed files and cubes (those go through the temporary file)."""
    from skyglass.processing.io.reader import open_image

    image = open_image(path)
    try:
        if image.data_offset is None or image.nplanes != 1:
            return None
        return image.plane_rows()
    finally:
        image.close()


class TempStack:
    """One temporary file of float32 planes, written and read with pwrite/pread."""

    def __init__(self, folder: str, shape: tuple[int, int], count: int) -> None:
        ny, nx = shape
        self.shape = (ny, nx)
        self.plane_bytes = ny * nx * 4
        need = self.plane_bytes * count
        free = shutil.disk_usage(folder).free
        if need > free:
            raise SkyglassError(
                f"stacking needs {need / 1e9:.1f} GB of temporary space in {folder} for the "
                f"aligned frames; {free / 1e9:.1f} GB are free."
            )
        fd, self.path = tempfile.mkstemp(prefix=".skyglass-stack-", suffix=".f32", dir=folder)
        self.fd = fd
        self.used = 0
        self._lock = threading.Lock()

    def reserve(self) -> TempRows:
        """A plane of the file for one frame (any thread may then write its bands)."""
        with self._lock:
            offset = self.used * self.plane_bytes
            self.used += 1
        return TempRows(self, offset)

    def write_rows(self, plane: TempRows, r0: int, rows: np.ndarray) -> None:
        """Write ``rows`` (float32) as rows ``r0...`` of ``plane`` (pwrite: thread-safe)."""
        data = np.ascontiguousarray(rows, dtype=np.float32)
        view = memoryview(data).cast("B")
        offset = plane.offset + r0 * self.shape[1] * 4
        written = 0
        while written < len(view):
            written += os.pwrite(self.fd, view[written:], offset + written)

    def add(self, data: np.ndarray) -> TempRows:
        plane = self.reserve()
        self.write_rows(plane, 0, data)
        return plane

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


class TempRows:
    """Rows of one plane of a :class:`TempStack` (the interface ``combine`` reads)."""

    dtype = np.dtype(np.float32)
    ndim = 2

    def __init__(self, store: TempStack, offset: int) -> None:
        self.store, self.offset, self.shape = store, offset, store.shape

    def __getitem__(self, key) -> np.ndarray:
        rows = key[0] if isinstance(key, tuple) else key
        start, stop, step = rows.indices(self.shape[0])
        nx = self.shape[1]
        buf = os.pread(self.store.fd, (stop - start) * nx * 4, self.offset + start * nx * 4)
        out = np.frombuffer(buf, np.float32).reshape(stop - start, nx)[::step]
        return out[:, key[1]] if isinstance(key, tuple) else out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[0 : self.shape[0]]
        return out if dtype is None else out.astype(dtype, copy=False)


def _bands(data: np.ndarray, rows: int = 256):
    for r0 in range(0, data.shape[0], rows):
        yield r0, data[r0 : r0 + rows]


def stack_files(
    paths: Sequence[str],
    method: str = "median",
    align: str = "shift",
    reference: int = 0,
    interpolation: str = "bilinear",
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
    workdir: str | None = None,
    executor=None,
) -> Frame:
    """Align and co-add the images in ``paths`` with memory independent of their number.

    Parameters
    ----------
    paths : sequence of str
        FITS (or raster) files of one size.
    method, align, reference, interpolation, options
        As :func:`~skyglass.processing.calibration.align.stack`.
    progress : callable, optional
        ``progress(fraction, message)``; returning True cancels.
    workdir : str, optional
        Folder for the temporary file of aligned frames (default: the system's temporary
        folder); put it on a disk with room for one float32 copy of every moved frame.
    executor : Executor, optional
        Run registration (one task per frame) and combining (one task per row band) on
        local processes or a Dask cluster
        (:mod:`~skyglass.processing.calibration.bandstack`); no temporary file.

    Returns
    -------
    Frame
        The stack, with the reference frame's header and WCS, HISTORY of every frame's
        transform.
    """
    from skyglass.processing.calibration.align import (
        ALIGN_METHODS,
        INTERPOLATION,
        Registration,
        warp_bands,
    )

    if not paths:
        raise InvalidParameterError("no frames to stack: the list is empty.")
    if align not in ALIGN_METHODS:
        raise InvalidParameterError(f"align must be one of {', '.join(ALIGN_METHODS)}.")
    if interpolation not in INTERPOLATION:
        raise InvalidParameterError(f"interpolation must be one of {', '.join(INTERPOLATION)}.")
    if not 0 <= reference < len(paths):
        raise InvalidParameterError(f"reference must be between 1 and {len(paths)}.")
    opts = (options or CombineOptions(method=method)).validated()
    report(progress, 0.0, "reading headers")
    infos = read_infos(paths)
    n = len(infos)
    if executor is not None:
        from skyglass.processing.calibration.bandstack import stack_on

        combined, matrices = stack_on(
            executor,
            [i.path for i in infos],
            infos[0].shape,
            [i.header for i in infos],
            reference,
            align,
            interpolation,
            opts,
            progress,
        )
        return _result(combined, infos, matrices, reference, opts, align, interpolation)
    ref_info = infos[reference]
    registration = (
        Registration(load(ref_info.path), align, ref_info.name, ref_info.header)
        if align != "none"
        else None
    )
    store: TempStack | None = None

    made = threading.Lock()

    def temporary() -> TempStack:
        nonlocal store
        with made:
            if store is None:
                store = TempStack(workdir or tempfile.gettempdir(), infos[0].shape, n)
        return store

    levels: list[tuple[float, float]] = [(np.nan, np.nan)] * n

    def prepare(i: int):
        """Register frame ``i``; its rows in its own file, or its moved pixels (and its
        sky level and spread, measured before it moves, when frames are normalised)."""
        info = infos[i]
        if registration is None or i == reference:
            matrix, data = np.eye(3), None
        else:
            data = load(info.path)
            matrix = registration.matrix_for(data, info.name, info.header)
        moved = not np.allclose(matrix, np.eye(3))
        rows = None if moved else file_rows(info.path)
        if rows is None and data is None:
            data = load(info.path)
        if opts.scale is not None:
            levels[i] = frame_level(
                data if data is not None else rows, spread=opts.scale == "offset-scale"
            )
        if rows is None:  # written band by band into the temporary file, in this thread
            store = temporary()
            rows = store.reserve()
            bands = warp_bands(data, matrix, interpolation) if moved else _bands(data)
            for r0, band in bands:
                store.write_rows(rows, r0, band)
        return matrix, rows

    sources: list = []
    matrices: list[np.ndarray] = []
    try:
        measure = scaled(progress, 0.0, 0.5)
        # Two frames at a time (numpy, FFTs and file reads release the GIL); results are
        # taken in order and at most ``WINDOW`` frames are in memory.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            pending = deque()
            for i in range(n):
                pending.append(pool.submit(prepare, i))
                if len(pending) < WINDOW and i < n - 1:
                    continue
                while pending and (len(pending) >= WINDOW or i == n - 1):
                    k = len(sources)
                    report(measure, k / n, f"aligning {infos[k].name}")
                    matrix, rows = pending.popleft().result()
                    matrices.append(matrix)
                    sources.append(rows)
        names = [i.name for i in infos]
        combined = combine(
            sources,
            options=opts,
            names=names,
            progress=scaled(progress, 0.5, 1.0),
            normalise=normalisation(levels, opts.scale, names) if opts.scale else None,
        )
    finally:
        if store is not None:
            store.close()
    return _result(combined, infos, matrices, reference, opts, align, interpolation)


def _result(combined, infos, matrices, reference, opts, align, interpolation) -> Frame:
    from skyglass.processing.calibration.align import stacked_frame

    frame = stacked_frame(
        combined,
        [i.header for i in infos],
        [i.name for i in infos],
        matrices,
        reference,
        opts.method,
        align,
        interpolation,
    )
    if opts.scale is not None:
        frame.header.add_history(f"Frames normalised before combining: {NORMALISED[opts.scale]}.")
    return frame


#: What each normalisation did, for the stack's HISTORY.
NORMALISED = {
    "median": "each scaled to the mean of the frames' medians",
    "offset": "each offset to the median of the frames' sky levels (medians)",
    "offset-scale": "each offset and scaled to the frames' median sky level and spread",
}
