"""Row blocks of a plain FITS image read with ``os.pread``, for streaming many frames.

A memory map keeps every page it has touched in the process; combining 20 large frames
through maps would hold them all. Reading row blocks with ``pread`` keeps only the block
being combined (the kernel's page cache still does the caching).
"""

from __future__ import annotations

import os

import numpy as np

from skyglass.processing.io.scaled import ScaledArray


class FileRows:
    """A 2-D plane of a FITS file that reads rows on demand.

    Parameters
    ----------
    path : str
        The FITS file (not compressed).
    offset : int
        Byte offset of the plane's first pixel.
    raw_dtype : numpy.dtype
        Stored (big-endian) type.
    shape : tuple of int
        ``(ny, nx)``.
    bscale, bzero, blank
        Scaling as in :class:`~processing.scaled.ScaledArray`.
    name : str
        For error messages.
    """

    dtype = np.dtype(np.float32)
    ndim = 2

    def __init__(
        self,
        path: str,
        offset: int,
        raw_dtype: np.dtype,
        shape: tuple[int, int],
        bscale: float = 1.0,
        bzero: float = 0.0,
        blank: int | None = None,
        name: str = "",
    ) -> None:
        self.path = path
        self.offset = int(offset)
        self.raw_dtype = np.dtype(raw_dtype)
        self.shape = (int(shape[0]), int(shape[1]))
        self._scaling = (bscale, bzero, blank)
        self.name = name or os.path.basename(path)

    def read_every(self, r0: int, r1: int, step: int) -> np.ndarray:
        """Physical float32 values of rows ``r0, r0 + step, ...`` below ``r1``, each read
        alone: a grid sample (a stack's sky levels) reads a ``step``-th of the file."""
        ny, nx = self.shape
        rows = range(max(0, r0), min(ny, r1), step)
        row_bytes = nx * self.raw_dtype.itemsize
        raw = np.empty((len(rows), nx), self.raw_dtype)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for k, r in enumerate(rows):
                buf = os.pread(fd, row_bytes, self.offset + r * row_bytes)
                if len(buf) != row_bytes:
                    from skyglass.processing.errors import ImageReadError

                    raise ImageReadError(f"{self.name}: the file is shorter than its header says.")
                raw[k] = np.frombuffer(buf, dtype=self.raw_dtype)
        finally:
            os.close(fd)
        return ScaledArray(raw, *self._scaling)[:, :]

    def read_rows(self, r0: int, r1: int) -> np.ndarray:
        """Physical float32 values of rows ``r0:r1``."""
        ny, nx = self.shape
        r0, r1 = max(0, r0), min(ny, r1)
        if r1 <= r0:
            return np.empty((0, nx), np.float32)
        row_bytes = nx * self.raw_dtype.itemsize
        fd = os.open(self.path, os.O_RDONLY)
        try:
            buf = os.pread(fd, (r1 - r0) * row_bytes, self.offset + r0 * row_bytes)
        finally:
            os.close(fd)
        if len(buf) != (r1 - r0) * row_bytes:
            from skyglass.processing.errors import ImageReadError

            raise ImageReadError(f"{self.name}: the file is shorter than its header says.")
        raw = np.frombuffer(buf, dtype=self.raw_dtype).reshape(r1 - r0, nx)
        return ScaledArray(raw, *self._scaling)[:, :]

    def __getitem__(self, key) -> np.ndarray:
        rows, cols = (key, slice(None)) if not isinstance(key, tuple) else (key[0], key[1])
        if isinstance(rows, (int, np.integer)):
            r = int(rows) % self.shape[0]
            return self.read_rows(r, r + 1)[0][cols]
        start, stop, step = rows.indices(self.shape[0])
        if step > 1:
            return self.read_every(start, stop, step)[:, cols]
        return self.read_rows(start, stop)[:, cols]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self.read_rows(0, self.shape[0])
        return out if dtype is None else out.astype(dtype, copy=False)
