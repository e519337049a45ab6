"""An image in memory with its header and an optional mask: what edits and calibration
produce and what is saved."""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.fileio import atomic_write_fits

#: While set, HISTORY lines are collected here instead of added to each step's header, so
#: a long recipe does not copy an ever-growing header at every step (quadratic time).
_DEFERRED: ContextVar[list[str] | None] = ContextVar("deferred_history", default=None)


@contextlib.contextmanager
def deferred_history():
    """Collect the HISTORY lines of the edits run inside; yields the list they go to."""
    lines: list[str] = []
    token = _DEFERRED.set(lines)
    try:
        yield lines
    finally:
        _DEFERRED.reset(token)


@dataclass
class Frame:
    """An image in memory with its header (and optionally a bad-pixel mask).

    Attributes
    ----------
    data : numpy.ndarray
        float32 pixels, in the units of BUNIT.
    header : astropy.io.fits.Header
        Keeps the raw frame's cards; HISTORY says what was done.
    mask : numpy.ndarray or None
        Boolean bad-pixel mask (True = bad).
    name : str
        For messages.
    uncertainty : numpy.ndarray or None
        One standard deviation per pixel (an UNCERT extension, as CCDData writes it).
    """

    data: np.ndarray
    header: fits.Header
    mask: np.ndarray | None = None
    name: str = ""
    sources: list[str] = field(default_factory=list)
    uncertainty: np.ndarray | None = None

    @property
    def exptime(self) -> float:
        return exposure_time(self.header, self.name)

    def history(self, text: str) -> None:
        """Add a HISTORY card (long text is split over several cards)."""
        import textwrap

        lines = textwrap.wrap(text, 70, break_long_words=True) or [""]
        sink = _DEFERRED.get()
        if sink is not None:
            sink.extend(lines)
            return
        for line in lines:
            self.header.add_history(line)

    def write(self, path: str | os.PathLike, overwrite: bool = False, catalog=None) -> None:
        """Write as FITS (atomically): the data with the header (HISTORY included), a MASK
        extension (uint8) when there is a mask, and optionally a star catalogue as a
        binary table named STARS."""
        hdus = [fits.PrimaryHDU(self.data.astype(np.float32), header=self.header)]
        if self.mask is not None:
            from skyglass.processing.measure.masks import to_hdu

            hdus.append(to_hdu(self.mask))
        if self.uncertainty is not None:
            hdus.append(uncertainty_hdu(self.uncertainty))
        if catalog is not None and len(catalog):
            import warnings

            with warnings.catch_warnings():  # long meta keys become HIERARCH cards: fine
                warnings.simplefilter("ignore", fits.verify.VerifyWarning)
                table = fits.table_to_hdu(catalog)
            table.name = "STARS"
            hdus.append(table)
        atomic_write_fits(fits.HDUList(hdus), path, overwrite=overwrite)


def exposure_time(header: fits.Header, name: str = "") -> float:
    """EXPTIME (or EXPOSURE) in seconds; a clear error when it is missing."""
    for key in ("EXPTIME", "EXPOSURE", "ITIME"):
        if key in header:
            try:
                return float(header[key])
            except (TypeError, ValueError):
                raise SkyglassError(f"{name}: {key} = {header[key]!r} is not a number.") from None
    raise SkyglassError(
        f"{name}: no EXPTIME in the header; the exposure time is needed to "
        "scale the dark. Add EXPTIME or use a dark of the same exposure."
    )


#: Extension name and UTYPE card CCDData uses for a standard-deviation uncertainty.
UNCERT_NAME = "UNCERT"
UNCERT_TYPE = "StdDevUncertainty"


def uncertainty_hdu(sigma: np.ndarray) -> fits.ImageHDU:
    """The uncertainty as CCDData writes it (so ``CCDData.read`` reads it back)."""
    hdu = fits.ImageHDU(np.asarray(sigma, np.float32), name=UNCERT_NAME)
    hdu.header["UTYPE"] = UNCERT_TYPE
    return hdu


def read_uncertainty(hdul: fits.HDUList, shape: tuple[int, ...]) -> np.ndarray | None:
    """A standard-deviation UNCERT extension of the image's shape, or None (another kind
    of uncertainty, a variance say, is left where it is rather than misread)."""
    for hdu in hdul:
        if hdu.name == UNCERT_NAME and hdu.data is not None:
            kind = str(hdu.header.get("UTYPE", UNCERT_TYPE))
            if kind.endswith(UNCERT_TYPE) and hdu.data.shape == tuple(shape):
                return np.asarray(hdu.data, np.float32)
    return None
