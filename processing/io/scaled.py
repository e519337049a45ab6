"""A lazy, read-only view of raw FITS pixels that applies BSCALE, BZERO and BLANK on access.

Keeping the raw (possibly memory-mapped) integers and scaling only the pixels asked for
means a 1 GiB file opens without being read, and the raw data is never modified.
"""

from __future__ import annotations

import numpy as np


class ScaledArray:
    """Physical pixel values, float32 with NaN for blank pixels, computed per access.

    Parameters
    ----------
    raw : numpy.ndarray
        Stored values (often a memory map), any shape.
    bscale, bzero : float
        FITS linear scaling, ``physical = raw * bscale + bzero``.
    blank : int, optional
        Stored integer that marks an undefined pixel; such pixels read as NaN.
    """

    dtype = np.dtype(np.float32)

    def __init__(
        self, raw: np.ndarray, bscale: float = 1.0, bzero: float = 0.0, blank: int | None = None
    ) -> None:
        self.raw = raw
        self.bscale = float(bscale)
        self.bzero = float(bzero)
        # BLANK only has a meaning for integer data (FITS standard 4.4.2.5).
        self.blank = blank if np.issubdtype(raw.dtype, np.integer) else None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.raw.shape

    @property
    def ndim(self) -> int:
        return self.raw.ndim

    @property
    def size(self) -> int:
        return int(self.raw.size)

    @property
    def nbytes(self) -> int:
        """Bytes of the float32 array this view stands for."""
        return self.size * 4

    @property
    def is_memory_mapped(self) -> bool:
        """True when the raw values live in a memory-mapped file (not read into memory)."""
        import mmap

        obj = self.raw
        while obj is not None:
            if isinstance(obj, (np.memmap, mmap.mmap)):
                return True
            obj = getattr(obj, "base", None)
        return False

    def __len__(self) -> int:
        return self.raw.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        return self.scale(self.raw[key])

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self.scale(self.raw)
        return out if dtype is None else out.astype(dtype, copy=False)

    def scale(self, raw: np.ndarray) -> np.ndarray:
        """Convert stored values to physical float32 values (a new array)."""
        raw = np.asarray(raw)
        # Values beyond float32's range become +-inf, which the views show as such.
        # One pass over the raw values where one operation suffices (the usual unsigned
        # 16-bit frame: a byte-swapping cast and the offset together, a third faster).
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.empty(raw.shape, np.float32)
            if self.bscale != 1.0:
                np.multiply(raw, np.float32(self.bscale), out=out, dtype=np.float32,
                            casting="unsafe")  # fmt: skip
                if self.bzero != 0.0:
                    out += np.float32(self.bzero)
            elif self.bzero != 0.0:
                np.add(raw, np.float32(self.bzero), out=out, dtype=np.float32, casting="unsafe")
            else:
                out[...] = raw
        if self.blank is not None:
            blank = raw == self.blank
            if blank.any():
                out[blank] = np.nan
        return out

    def reshape(self, *shape) -> ScaledArray:
        """Return a view with another shape over the same raw data."""
        return ScaledArray(self.raw.reshape(*shape), self.bscale, self.bzero, self.blank)

    def plane(self, index: int) -> ScaledArray:
        """Return the 2-D plane ``index`` of a 3-D view, without reading it."""
        return ScaledArray(self.raw[index], self.bscale, self.bzero, self.blank)

    @property
    def physical_dtype(self) -> np.dtype:
        """The dtype a person would name for these values (uint16 for BZERO=32768 data)."""
        kind = self.raw.dtype
        if self.bscale == 1.0 and np.issubdtype(kind, np.signedinteger):
            offset = {1: 2**7, 2: 2**15, 4: 2**31, 8: 2**63}.get(kind.itemsize)
            if self.bzero == 0.0:
                return kind.newbyteorder("=")
            if self.bzero == offset:
                return np.dtype(f"u{kind.itemsize}")
        if self.bscale == 1.0 and self.bzero == 0.0:
            return kind.newbyteorder("=")
        if kind == np.uint8 and self.bscale == 1.0 and self.bzero == -128:
            return np.dtype(np.int8)
        return np.dtype(np.float32)


def as_scaled(array: np.ndarray) -> ScaledArray:
    """Wrap an in-memory array (already physical values) as a ScaledArray."""
    return ScaledArray(np.asarray(array))
