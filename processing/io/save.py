"""Saving an edited image without losing the rest of its file.

The edited HDU is replaced (one plane of a cube put back into the cube, its other planes
untouched; header cards kept and HISTORY added); every other HDU is written back as it was
read (raw data, BZERO/BSCALE and all cards unchanged). The mask and the star catalogue go
in MASK and STARS extensions, replacing earlier ones.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from astropy.io import fits

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.fileio import atomic_write_fits
from skyglass.processing.io.frame import (
    UNCERT_NAME,
    Frame,
    read_uncertainty,
    uncertainty_hdu,
)

#: Extensions Skyglass writes itself (replaced on a new save, not duplicated).
OWN_EXTENSIONS = ("MASK", "STARS")
#: Header cards that describe the stored numbers, not the picture (dropped for float32).
SCALING = ("BZERO", "BSCALE", "BLANK")


class ShapeChangedError(SkyglassError):
    """An edit changed the shape of one plane of a cube: the cube cannot take it back."""


def _history_cards(header: fits.Header) -> list[str]:
    return [str(v) for v in header.get("HISTORY", [])]


def _edited_header(original: fits.Header, frame: Frame) -> fits.Header:
    """The original cards (structure and scaling left to astropy), with the frame's new
    HISTORY lines and the cards its edits changed (the WCS of a rotation...)."""
    header = frame.header.copy()
    for key in SCALING:
        header.remove(key, ignore_missing=True)
    return header


def _image_hdu(data: np.ndarray, header: fits.Header, primary: bool):
    header = header.copy()
    for key in ("XTENSION", "PCOUNT", "GCOUNT", "SIMPLE", "EXTEND", "ZIMAGE"):
        header.remove(key, ignore_missing=True)
    cls = fits.PrimaryHDU if primary else fits.ImageHDU
    hdu = cls(np.asarray(data, dtype=np.float32), header=header)
    return hdu


def save_edited(
    source: str | os.PathLike,
    hdu_index: int,
    plane_index: int,
    frame: Frame,
    path: str | os.PathLike,
    overwrite: bool = False,
    catalog=None,
    all_planes: list[Frame] | None = None,
) -> list[str]:
    """Write ``source`` to ``path`` with HDU ``hdu_index`` (plane ``plane_index`` of it)
    replaced by ``frame`` (or, with ``all_planes``, the whole cube by those planes, which
    may have a new shape); returns one line per HDU written, for the user.

    Raises
    ------
    ShapeChangedError
        The frame's shape differs from a cube's planes (crop, rotate with expand...).
    SkyglassError
        The source cannot be read, or the file cannot be written.
    """
    source = os.fspath(source)
    try:
        hdul = fits.open(source, do_not_scale_image_data=True, memmap=False)
    except (OSError, ValueError) as exc:
        raise SkyglassError(f"{os.path.basename(source)}: cannot read it back ({exc}).") from exc
    with hdul:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul.verify("silentfix")
        out: list = []
        lines: list[str] = []
        # An UNCERT extension read with a single-plane image travels with the frame.
        edited = hdul[hdu_index] if hdu_index < len(hdul) else None
        owned = (
            all_planes is None
            and edited is not None
            and _nplanes(edited) == 1
            and read_uncertainty(hdul, edited.shape) is not None
        )
        for i, hdu in enumerate(hdul):
            if owned and hdu.name == UNCERT_NAME:
                continue
            name = (
                hdu.name
                if hdu.name not in ("", "PRIMARY")
                else ("PRIMARY" if i == 0 else f"HDU {i}")
            )
            if hdu.name in OWN_EXTENSIONS and i != hdu_index:
                continue
            if i != hdu_index:
                out.append(_copy(hdu, primary=i == 0))
                lines.append(f"{i} {name}: kept as it was")
                continue
            if all_planes is not None:
                cube = np.stack([np.asarray(f.data, np.float32) for f in all_planes])
                shape = hdu.shape[:-2] + cube.shape[-2:] if hdu.data is not None else cube.shape
                header = _edited_header(hdu.header, all_planes[0])
                out.append(_image_hdu(cube.reshape(shape), header, primary=i == 0))
                what = f"all {len(all_planes)} planes edited"
            else:
                out.append(_replace(hdu, i, plane_index, frame))
                planes = _nplanes(hdu)
                what = f"plane {plane_index + 1} of {planes} replaced" if planes > 1 else "edited"
            lines.append(f"{i} {name}: {what}")
        if hdu_index >= len(hdul):
            raise SkyglassError(f"{os.path.basename(source)} has no HDU {hdu_index}.")
    if frame.mask is not None:
        from skyglass.processing.measure.masks import to_hdu

        out.append(to_hdu(frame.mask))
        lines.append(f"{len(out) - 1} MASK: the mask")
    if frame.uncertainty is not None and all_planes is None:
        out.append(uncertainty_hdu(frame.uncertainty))
        lines.append(f"{len(out) - 1} UNCERT: the uncertainty, carried through the edits")
    elif owned:
        lines.append("UNCERT: dropped (an edit has no error propagation; see HISTORY)")
    if catalog is not None and len(catalog):
        with warnings.catch_warnings():  # long meta keys become HIERARCH cards: fine
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            table = fits.table_to_hdu(catalog)
        table.name = "STARS"
        out.append(table)
        lines.append(f"{len(out) - 1} STARS: {len(catalog)} stars")
    atomic_write_fits(fits.HDUList(out), path, overwrite=overwrite)
    return lines


def _nplanes(hdu) -> int:
    shape = hdu.shape if hdu.data is not None else ()
    return int(np.prod(shape[:-2])) if len(shape) > 2 else 1


def _copy(hdu, primary: bool):
    """An HDU as it was read (raw data; astropy keeps BZERO/BSCALE and every card)."""
    if isinstance(hdu, fits.CompImageHDU):
        copy = fits.CompImageHDU(hdu.data, header=hdu.header, compression_type=hdu.compression_type)
        return fits.PrimaryHDU() if primary and copy is None else copy
    if primary and not isinstance(hdu, fits.PrimaryHDU):
        return fits.PrimaryHDU(hdu.data, header=hdu.header)
    if not primary and isinstance(hdu, fits.PrimaryHDU):
        return fits.ImageHDU(hdu.data, header=hdu.header)
    return hdu.copy()


def _replace(hdu, index: int, plane: int, frame: Frame):
    """The edited HDU: the frame itself, or the cube with one plane replaced."""
    header = _edited_header(hdu.header, frame)
    shape = hdu.shape if hdu.data is not None else ()
    if len(shape) <= 2:
        return _image_hdu(frame.data, header, primary=index == 0)
    ny, nx = shape[-2:]
    if frame.data.shape != (ny, nx):
        raise ShapeChangedError(
            f"the edit changed the plane from {nx} x {ny} to {frame.data.shape[1]} x "
            f"{frame.data.shape[0]}: a cube's planes share one shape. Apply the same edits to "
            "every plane, or save this plane alone as a new file."
        )
    # The other planes in physical values (BZERO/BSCALE applied), as float32.
    cube = np.asarray(hdu.data, dtype=np.float64)
    bscale = float(hdu.header.get("BSCALE", 1.0))
    bzero = float(hdu.header.get("BZERO", 0.0))
    blank = hdu.header.get("BLANK")
    physical = cube * bscale + bzero
    if blank is not None and np.issubdtype(hdu.data.dtype, np.integer):
        physical[np.asarray(hdu.data) == blank] = np.nan
    flat = physical.astype(np.float32).reshape(-1, ny, nx)
    flat[plane] = frame.data
    return _image_hdu(flat.reshape(shape), header, primary=index == 0)
