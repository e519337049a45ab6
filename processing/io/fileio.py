"""Safe writing: every file is written to a temporary name beside it, then renamed.

A crash or a full disk mid-write leaves the old file whole.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import warnings
from collections.abc import Callable

from astropy.io import fits

from skyglass.processing.errors import SkyglassError

log = logging.getLogger(__name__)


def atomic_write(
    path: str | os.PathLike, write: Callable[[str], None], overwrite: bool = False
) -> None:
    """Write a file atomically.

    Parameters
    ----------
    path : str or path-like
        Destination.
    write : callable
        ``write(temporary_path)`` writes the whole file there.
    overwrite : bool
        Replace an existing file; if False and the file exists, raise SkyglassError.
    """
    path = os.fspath(path)
    if os.path.islink(path):  # replace the file the link points to, not the link
        path = os.path.realpath(path)
    if os.path.exists(path) and not overwrite:
        raise SkyglassError(f"{path}: already exists; choose another name or allow overwriting.")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise SkyglassError(f"{path}: cannot create folder {folder} ({exc.strerror}).") from exc
    suffix = "".join(os.path.basename(path).partition(".")[1:])
    try:
        fd, tmp = tempfile.mkstemp(prefix=".skyglass-", suffix=suffix, dir=folder)
    except OSError as exc:
        raise SkyglassError(f"{path}: could not be written ({exc.strerror or exc}).") from exc
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
        log.info("wrote %s", path)
        _remove_stale_temporaries(folder)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise SkyglassError(f"{path}: could not be written ({exc.strerror or exc}).") from exc
        raise


#: A temporary file of ours older than this was left by a write that was killed.
STALE_AFTER = 3600.0


def _remove_stale_temporaries(folder: str) -> None:
    """Remove ``.skyglass-*`` files a killed write left in ``folder`` (an hour old: a
    write in progress elsewhere is never that old)."""
    import time

    now = time.time()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".skyglass-")]
    except OSError:
        return
    for name in names:
        full = os.path.join(folder, name)
        try:
            if now - os.path.getmtime(full) > STALE_AFTER:
                os.unlink(full)
                log.info("removed %s, left by an interrupted write", full)
        except OSError:
            pass


def _final_mode(path: str) -> int:
    """Keep a replaced file's permissions; give a new one the usual umask-based mode."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_fits(hdul: fits.HDUList, path: str | os.PathLike, overwrite: bool = False) -> None:
    """Write an HDUList atomically (see :func:`atomic_write`), stamped with DATE (UTC of
    writing, in the primary header) and CHECKSUM/DATASUM in every HDU (FITS standard 4.0,
    appendix J), so a reader can tell when it was written and that it arrived whole.

    Long keywords (a catalogue's metadata) become HIERARCH cards, as the standard
    allows; astropy's warning about each would only alarm the user.
    """
    from skyglass.processing.io.header_repair import repair_hdul

    for note in repair_hdul(hdul):  # a card astropy cannot write must not lose the save
        log.warning("%s: %s", os.fspath(path), note)
    if os.fspath(path).lower().endswith(".fz"):
        hdul = tile_compressed(hdul)
    stamp_date(hdul[0].header)

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul.writeto(tmp, overwrite=True, output_verify="silentfix", checksum=True)

    atomic_write(path, write, overwrite=overwrite)


def stamp_date(header: fits.Header) -> None:
    """Set DATE to now (UTC, ISO 8601 to the second), as the FITS standard defines it."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    header["DATE"] = (now, "UTC date of writing this file")


def tile_compressed(hdul: fits.HDUList) -> fits.HDUList:
    """The same HDUs with every image tile-compressed (the ``.fz`` convention: an empty
    primary, images as compressed extensions; RICE for integers, lossless GZIP for floats
    so that no value changes)."""
    first = hdul[0]
    moved = getattr(first, "data", None) is not None  # its image goes to an extension
    out = [fits.PrimaryHDU() if moved else fits.PrimaryHDU(header=_primary_cards(first.header))]
    for i, hdu in enumerate(hdul):
        if isinstance(hdu, fits.CompImageHDU) or not getattr(hdu, "is_image", False):
            if i:
                out.append(hdu)
            continue
        if hdu.data is None:
            continue
        header = hdu.header.copy()
        for key in ("SIMPLE", "EXTEND", "XTENSION", "PCOUNT", "GCOUNT"):
            header.remove(key, ignore_missing=True)
        kind = "RICE_1" if hdu.data.dtype.kind in "iu" else "GZIP_2"
        out.append(
            fits.CompImageHDU(hdu.data, header=header, compression_type=kind, quantize_level=0.0)
        )
    return fits.HDUList(out)


def _primary_cards(header: fits.Header) -> fits.Header:
    """A primary header's descriptive cards (an image moved out of it keeps its own)."""
    keep = fits.Header()
    for card in header.cards:
        if card.keyword in ("HISTORY", "COMMENT", "DATE") or card.keyword.startswith("NAXIS"):
            continue
        if card.keyword in ("SIMPLE", "BITPIX", "EXTEND", "BZERO", "BSCALE", "BLANK"):
            continue
        keep.append(card)
    return keep
