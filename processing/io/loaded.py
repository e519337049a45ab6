"""What opening an image gives: :class:`LoadedImage` (lazy physical pixels of one HDU,
its header and celestial WCS, the other HDUs described) and :class:`HDUInfo`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits

from skyglass.processing.errors import ImageReadError
from skyglass.processing.io.scaled import ScaledArray
from skyglass.processing.io.sky import celestial_wcs


@dataclass(frozen=True)
class HDUInfo:
    """One HDU of a file as DS9's file dialog lists it.

    Attributes
    ----------
    index : int
        0-based HDU number (``file.fits[1]`` is the first extension, as in DS9).
    name : str
        EXTNAME, or ``PRIMARY`` for the first HDU.
    kind : str
        ``"image"``, ``"table"`` or ``"empty"``.
    shape : tuple of int
        numpy shape (slowest axis first); for tables ``(nrows,)``.
    dtype : str
        The physical data type (``uint16`` for BZERO=32768 data) or ``table``.
    """

    index: int
    name: str
    kind: str
    shape: tuple[int, ...]
    dtype: str

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "kind": self.kind,
            "shape": list(self.shape),
            "dtype": self.dtype,
        }


@dataclass
class LoadedImage:
    """An image HDU (or raster file) opened for display and analysis.

    Attributes
    ----------
    path : str
        The file it came from.
    hdus : list of HDUInfo
        Every HDU of the file (one pseudo-HDU for a raster file).
    hdu_index : int
        The HDU shown.
    header : astropy.io.fits.Header
        That HDU's header (a synthetic one for raster files).
    cube : ScaledArray
        All planes, shape ``(nplanes, ny, nx)``.
    plane_index : int
        0-based index of the current plane.
    wcs : astropy.wcs.WCS or None
        The celestial part of the header's WCS, if it has one (built on first use:
        astropy.wcs costs about 0.2 s to import, which the first frame does not need).
    is_rgb : bool
        True for a colour raster whose three planes are R, G, B.
    """

    path: str
    hdus: list[HDUInfo]
    hdu_index: int
    header: fits.Header
    cube: ScaledArray
    plane_index: int = 0
    is_rgb: bool = False
    axis_shape: tuple[int, ...] = ()
    _hdul: object | None = field(default=None, repr=False)
    _wcs: object = field(default=False, repr=False)
    _private: tuple | None = field(default=None, repr=False)
    #: Byte offset of the pixel data in a plain (uncompressed) FITS file, else None.
    data_offset: int | None = None

    @property
    def wcs(self):
        """The celestial WCS or None (computed once, on first access)."""
        if self._wcs is False:
            self._wcs = (
                celestial_wcs(self.header) if not self.is_rgb and self._has_wcs_keys() else None
            )
        return self._wcs

    def _has_wcs_keys(self) -> bool:
        return any(k in self.header for k in ("CTYPE1", "CTYPE2", "CD1_1", "PC1_1", "CDELT1"))

    @property
    def data(self) -> ScaledArray:
        """The current 2-D plane (lazy; index it to read pixels)."""
        return self.cube.plane(self.plane_index)

    def keep_private(self, budget: int | None = None) -> bool:
        """Read the pixels (and the file's mask and uncertainty) into this process's memory,
        so another program rewriting the file in place cannot pull mapped pages from under
        us (a SIGBUS that would end the program). Images over ``budget`` bytes (default:
        the memory budget) stay mapped. Returns True when nothing is read from the file
        any more."""
        if not self.cube.is_memory_mapped:
            return True
        from skyglass.processing.io.budget import memory_budget

        if self.cube.raw.nbytes > (memory_budget() if budget is None else budget):
            return False
        cube = self.cube
        self.cube = ScaledArray(np.array(cube.raw), cube.bscale, cube.bzero, cube.blank)
        self._private = (self.file_mask(), self.uncertainty())
        self.data_offset = None  # rows come from memory now, not from the file
        return True

    def file_mask(self):
        """The file's MASK extension (True = masked) when it matches this single-plane
        image, else None (a broken MASK extension never stops an image opening)."""
        if self._private is not None:
            return self._private[0]
        if self._hdul is None or self.nplanes != 1:
            return None
        from skyglass.processing.measure.masks import from_hdulist

        try:
            mask = from_hdulist(self._hdul)
        except Exception:
            return None
        return mask if mask is not None and mask.shape == self.shape else None

    def uncertainty(self):
        """The file's UNCERT extension (standard deviations, as CCDData writes it) when it
        matches this single-plane image, else None."""
        if self._private is not None:
            return self._private[1]
        if self._hdul is None or self.nplanes != 1:
            return None
        from skyglass.processing.io.frame import read_uncertainty

        return read_uncertainty(self._hdul, self.shape)

    @property
    def is_fits(self) -> bool:
        """True when the image came from a FITS file (whose other HDUs a save keeps)."""
        return self._hdul is not None

    @property
    def nplanes(self) -> int:
        return self.cube.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)`` of one plane."""
        return self.cube.shape[1], self.cube.shape[2]

    @property
    def bunit(self) -> str:
        return str(self.header.get("BUNIT", "")).strip()

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def plane_rows(self, index: int | None = None):
        """Plane ``index`` (default: current) for streaming by rows.

        A :class:`~processing.rowread.FileRows` for plain FITS files (read with pread, so
        nothing stays mapped), else the lazy ScaledArray plane.
        """
        index = self.plane_index if index is None else index
        if self.data_offset is None:
            return self.cube.plane(index)
        from skyglass.processing.io.rowread import FileRows

        raw = self.cube.raw
        ny, nx = raw.shape[1:]
        plane_bytes = ny * nx * raw.dtype.itemsize
        return FileRows(
            self.path,
            self.data_offset + index * plane_bytes,
            raw.dtype,
            (ny, nx),
            self.cube.bscale,
            self.cube.bzero,
            self.cube.blank,
            self.name,
        )

    def set_plane(self, index: int) -> None:
        """Choose the plane shown (0-based)."""
        if not 0 <= index < self.nplanes:
            raise ImageReadError(
                f"{self.name}: plane {index + 1} does not exist; the image has "
                f"{self.nplanes} plane(s) (1 to {self.nplanes})."
            )
        self.plane_index = index

    def close(self) -> None:
        """Release the file (memory maps stay valid while arrays refer to them)."""
        if self._hdul is not None:
            self._hdul.close()
            self._hdul = None
