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


def _edited_header(frame: Frame) -> fits.Header:
    """The frame's cards (the original ones, its HISTORY and the cards its edits changed,
    such as the WCS of a rotation) for float32 data: no scaling cards."""
    header = frame.header.copy()
    for key in SCALING:
        header.remove(key, ignore_missing=True)
    return header


def _image_hdu(data: np.ndarray, header: fits.Header, primary: bool, like=None):
    """The edited image as float32; tile-compressed again when the HDU it replaces was
    (lossless GZIP: RICE is for integers, and quantising floats would change values)."""
    header = header.copy()
    for key in ("XTENSION", "PCOUNT", "GCOUNT", "SIMPLE", "EXTEND", "ZIMAGE"):
        header.remove(key, ignore_missing=True)
    values = np.asarray(data, dtype=np.float32)
    if isinstance(like, fits.CompImageHDU) and not primary:
        return fits.CompImageHDU(
            values, header=header, compression_type="GZIP_2", quantize_level=0.0
        )
    cls = fits.PrimaryHDU if primary else fits.ImageHDU
    return cls(values, header=header)


def _compressed(hdu) -> str:
    """What the line for an edited HDU adds when it stays tile-compressed."""
    return " (tile-compressed again, lossless)" if isinstance(hdu, fits.CompImageHDU) else ""


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
        # Unscaled: the HDUs written back keep their stored numbers and BITPIX, BZERO,
        # BSCALE and BLANK cards (astropy would write scaled data as float, or lose BZERO).
        hdul = fits.open(source, do_not_scale_image_data=True, memmap=False)
    except (OSError, ValueError) as exc:
        raise SkyglassError(f"{os.path.basename(source)}: cannot read it back ({exc}).") from exc
    with hdul:
        from skyglass.processing.io.header_repair import repair_hdul

        repair_hdul(hdul)  # cards astropy reads but cannot write: fixed or dropped, noted
        if not 0 <= hdu_index < len(hdul):
            raise SkyglassError(f"{os.path.basename(source)} has no HDU {hdu_index}.")
        edited = hdul[hdu_index]
        # An UNCERT extension read with a single-plane image travels with the frame.
        owned = (
            all_planes is None
            and _nplanes(edited) == 1
            and read_uncertainty(hdul, _shape(edited)) is not None
        )
        out: list = []
        lines: list[str] = []
        for i, hdu in enumerate(hdul):
            name = (
                hdu.name
                if hdu.name not in ("", "PRIMARY")
                else ("PRIMARY" if i == 0 else f"HDU {i}")
            )
            if i != hdu_index:
                if hdu.name in OWN_EXTENSIONS or (owned and hdu.name == UNCERT_NAME):
                    continue
                out.append(hdu)  # written back from the file's own bytes
                lines.append(f"{i} {name}: kept as it was")
                continue
            if all_planes is not None:
                cube = np.stack([np.asarray(f.data, np.float32) for f in all_planes])
                shape = _shape(hdu)[:-2] + cube.shape[-2:] if _shape(hdu) else cube.shape
                header = _edited_header(all_planes[0])
                out.append(_image_hdu(cube.reshape(shape), header, primary=i == 0, like=hdu))
                what = f"all {len(all_planes)} planes edited" + _compressed(hdu)
            else:
                new, what = _replace(hdu, _physical(source, i), i, plane_index, frame)
                out.append(new)
            lines.append(f"{i} {name}: {what}")
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


def _shape(hdu) -> tuple[int, ...]:
    """The data shape from the header alone (the data are not read)."""
    header = hdu.header
    if isinstance(hdu, fits.CompImageHDU) or not getattr(hdu, "is_image", True):
        return tuple(hdu.shape) if getattr(hdu, "is_image", True) else ()
    n = int(header.get("NAXIS", 0))
    return tuple(int(header.get(f"NAXIS{k}", 0)) for k in range(n, 0, -1))


def _nplanes(hdu) -> int:
    shape = _shape(hdu)
    return int(np.prod(shape[:-2])) if len(shape) > 2 else 1


def _physical(source: str, index: int) -> np.ndarray:
    """HDU ``index``'s values (BZERO/BSCALE/BLANK applied), read through a second handle so
    that the first can still write the HDU's stored bytes untouched."""
    with fits.open(source, memmap=False) as hdul:
        return np.asarray(hdul[index].data)


def _replace(hdu, physical: np.ndarray, index: int, plane: int, frame: Frame):
    """The edited HDU and what was done: the HDU itself with the new cards when the pixels
    are unchanged (a header-only edit keeps the data's bytes and type), else the frame as
    float32, or the cube with one plane replaced."""
    shape = _shape(hdu)
    if len(shape) <= 2:
        if physical.shape == frame.data.shape and np.array_equal(
            physical.astype(np.float32), frame.data, equal_nan=True
        ):
            _set_cards(hdu.header, frame.header)
            return hdu, "header edited, data kept as they were"
        new = _image_hdu(frame.data, _edited_header(frame), primary=index == 0, like=hdu)
        return new, "edited" + _compressed(hdu)
    ny, nx = shape[-2:]
    planes = int(np.prod(shape[:-2]))
    if frame.data.ndim == 3 and frame.data.shape[0] == planes:  # every plane was edited
        if frame.data.shape[-2:] == (ny, nx) and np.array_equal(
            physical.astype(np.float32).reshape(frame.data.shape), frame.data, equal_nan=True
        ):
            _set_cards(hdu.header, frame.header)
            return hdu, "header edited, data kept as they were"
        cube = frame.data.reshape(shape[:-2] + frame.data.shape[-2:])
        what = f"all {planes} planes edited" + _compressed(hdu)
        return _image_hdu(cube, _edited_header(frame), primary=index == 0, like=hdu), what
    if frame.data.shape != (ny, nx):
        raise ShapeChangedError(
            f"the edit changed the plane from {nx} x {ny} to {frame.data.shape[1]} x "
            f"{frame.data.shape[0]}: a cube's planes share one shape. Apply the same edits to "
            "every plane, or save this plane alone as a new file."
        )
    flat = physical.astype(np.float32).reshape(-1, ny, nx)
    if np.array_equal(flat[plane], frame.data, equal_nan=True):
        _set_cards(hdu.header, frame.header)
        return hdu, "header edited, data kept as they were"
    flat[plane] = frame.data
    header = _edited_header(frame)
    what = f"plane {plane + 1} of {flat.shape[0]} replaced" + _compressed(hdu)
    return _image_hdu(flat.reshape(shape), header, primary=index == 0, like=hdu), what


#: Cards astropy writes from the data itself.
_STRUCTURE = ("SIMPLE", "XTENSION", "BITPIX", "NAXIS", "EXTEND", "PCOUNT", "GCOUNT", "END")


def _structural(key: str) -> bool:
    return key in _STRUCTURE or key in SCALING or (key.startswith("NAXIS") and key[5:].isdigit())


def _set_cards(target: fits.Header, edited: fits.Header) -> None:
    """Make ``target``'s descriptive cards those of ``edited`` (structure and scaling kept)."""
    for key in {k for k in target.keys() if not _structural(k)}:
        target.remove(key, remove_all=True)
    for card in edited.cards:
        if not _structural(card.keyword):
            target.append(card)
