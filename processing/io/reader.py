"""Reading images: FITS (plain, gzip, tile-compressed) and PNG/JPEG/TIFF.

Everything returns a :class:`LoadedImage` holding lazy physical pixel values, the header
and the celestial WCS. Every failure raises :class:`~processing.errors.ImageReadError`
with the file name and what is wrong.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits

from skyglass.processing.errors import ImageReadError
from skyglass.processing.io.cards import card_value, required_number
from skyglass.processing.io.guards import (
    check_file,
    check_fits_header,
    check_raster_size,
    starts_like_fits,
)
from skyglass.processing.io.loaded import HDUInfo, LoadedImage  # noqa: F401 - re-exported
from skyglass.processing.io.scaled import ScaledArray
from skyglass.processing.io.sky import celestial_wcs  # noqa: F401 - re-exported

log = logging.getLogger(__name__)

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz", ".fz")


def _is_raster(path: str) -> bool:
    return Path(path).suffix.lower() in RASTER_SUFFIXES


def _format_opener(path: str):
    """The registered reader for ``path``; FITS for names no format claims (as DS9)."""
    from skyglass.processing.io.formats import format_for

    fmt = format_for(path)
    return fmt.open if fmt is not None else _open_fits_image


def _open_fits(path: str) -> fits.HDUList:
    """Open a FITS file lazily, turning astropy's complaints into ImageReadError."""
    name = os.path.basename(path)
    check_fits_header(path, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hdul = fits.open(
                path,
                memmap=True,
                do_not_scale_image_data=True,
                lazy_load_hdus=False,
                ignore_missing_end=True,
            )
        except OSError as exc:
            msg = str(exc)
            if "SIMPLE" in msg or "Empty or corrupt" in msg:
                from skyglass.processing.io.fitsscan import unreadable_card

                bad = unreadable_card(path) if starts_like_fits(path) else None
                if bad is not None:
                    raise ImageReadError(
                        f"{name}: the header's {bad} is not valid FITS, and astropy cannot "
                        "read the file past it."
                    ) from exc
                if starts_like_fits(path):
                    raise ImageReadError(
                        f"{name}: the FITS header is incomplete; the file is truncated or corrupt."
                    ) from exc
                raise ImageReadError(
                    f"{name}: not a FITS file (no valid FITS header found)."
                ) from exc
            raise ImageReadError(f"{name}: cannot be read as FITS ({msg}).") from exc
        except Exception as exc:  # astropy raises many types on garbage input
            raise ImageReadError(f"{name}: cannot be read as FITS ({exc}).") from exc
    for w in caught:
        match = _TRUNCATED.search(str(w.message))
        if match and _data_missing(hdul, int(match.group(1))):
            hdul.close()
            raise ImageReadError(
                f"{name}: the file is truncated (it has {int(match.group(1))} bytes, FITS "
                f"needs {int(match.group(2))}). It may still be being written, or the copy "
                "was interrupted."
            )
    return hdul


_TRUNCATED = re.compile(r"actual file length \((\d+)\) is smaller than the expected size \((\d+)\)")


def _data_missing(hdul: fits.HDUList, actual: int) -> bool:
    """True when pixel data lies beyond the end of the file.

    A file that lacks only the final padding to a 2880-byte block is complete (such
    files exist, and DS9 reads them), so only unpadded data sizes are compared.
    """
    for hdu in hdul:
        h = hdu.header
        naxes = [h.get(f"NAXIS{i}", 0) for i in range(1, h.get("NAXIS", 0) + 1)]
        size = abs(h.get("BITPIX", 8)) // 8 * (math.prod(naxes) if naxes else 0)
        size = h.get("GCOUNT", 1) * (h.get("PCOUNT", 0) + size)
        if not hasattr(hdu, "fileinfo"):  # SIMPLE = F: astropy keeps it as raw bytes
            continue
        if hdu.fileinfo()["datLoc"] + size > actual:
            return True
    return False


def _hdu_kind(hdu) -> str:
    if isinstance(hdu, (fits.BinTableHDU, fits.TableHDU)):
        return "table"
    if isinstance(hdu, fits.GroupsHDU):
        return "table"
    if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        naxis = hdu.header.get("ZNAXIS", hdu.header.get("NAXIS", 0))
        if naxis == 0 or any(n == 0 for n in (hdu.shape or (0,))):
            return "empty"
        return "image"
    return "empty"


def _scaling(header: fits.Header, name: str = "") -> tuple[float, float, int | None]:
    bscale = required_number(header, "BSCALE", 1.0, name)
    bzero = required_number(header, "BZERO", 0.0, name)
    blank = card_value(header, "BLANK")
    return bscale, bzero, int(blank) if isinstance(blank, (int, np.integer)) else None


def _describe(hdul: fits.HDUList) -> list[HDUInfo]:
    infos = []
    for i, hdu in enumerate(hdul):
        kind = _hdu_kind(hdu)
        name = hdu.name or ("PRIMARY" if i == 0 else "")
        if kind == "table":
            shape: tuple[int, ...] = (int(hdu.header.get("NAXIS2", 0)),)
            dtype = "table"
        elif kind == "image":
            shape = tuple(int(n) for n in hdu.shape)
            bitpix = hdu.header.get("ZBITPIX", hdu.header.get("BITPIX"))
            raw = np.dtype(fits.BITPIX2DTYPE[bitpix]) if bitpix in fits.BITPIX2DTYPE else None
            if raw is None:
                dtype = str(bitpix)
            else:
                try:
                    bscale, bzero, _ = _scaling(hdu.header)
                    dtype = str(ScaledArray(np.empty(0, raw), bscale, bzero).physical_dtype)
                except ImageReadError:
                    dtype = f"{raw.name}, bad scaling"
        else:
            shape, dtype = (), ""
        infos.append(HDUInfo(i, name, kind, shape, dtype))
    return infos


def list_hdus(path: str) -> list[HDUInfo]:
    """List every HDU of a FITS file with its kind, shape and dtype, reading headers only.

    Parameters
    ----------
    path : str
        The file.

    Returns
    -------
    list of HDUInfo

    Raises
    ------
    ImageReadError
        If the file cannot be read.
    """
    path, _, _ = _resolve_spec(os.fspath(path), None, 0)
    check_file(path)
    if _is_raster(path):
        return open_image(path).hdus
    hdul = _open_fits(path)
    try:
        return _describe(hdul)
    finally:
        hdul.close()


def _select_hdu(infos: list[HDUInfo], hdu: int | str | None, name: str) -> int:
    if hdu is None:
        for info in infos:
            if info.kind == "image":
                return info.index
        raise ImageReadError(
            f"{name}: no image in this file (HDUs: "
            + ", ".join(f"{i.index} {i.name} {i.kind}" for i in infos)
            + ")."
        )
    if isinstance(hdu, str) and hdu.strip().lstrip("-").isdigit():
        hdu = int(hdu)
    if isinstance(hdu, (int, np.integer)):
        if not 0 <= hdu < len(infos):
            raise ImageReadError(
                f"{name}: HDU {hdu} does not exist; the file has HDUs 0 to {len(infos) - 1}."
            )
        index = int(hdu)
    else:
        matches = [i.index for i in infos if i.name.upper() == str(hdu).strip().upper()]
        if not matches:
            names = ", ".join(i.name for i in infos if i.name)
            raise ImageReadError(f"{name}: no HDU named {hdu!r} (names: {names}).")
        index = matches[0]
    kind = infos[index].kind
    if kind != "image":
        what = "a table" if kind == "table" else "empty"
        raise ImageReadError(
            f"{name}: HDU {index} ({infos[index].name}) is {what}, not an image; "
            "choose an image HDU."
        )
    return index


def _resolve_spec(path: str, hdu, plane: int):
    """``file.fits[ext,plane]`` -> the file, and the HDU and plane unless given explicitly."""
    from skyglass.processing.io.filespec import split_file_spec

    name, spec_hdu, spec_plane = split_file_spec(path)
    if hdu is None:
        hdu = spec_hdu
    if spec_plane is not None and not plane:
        plane = spec_plane
    return name, hdu, plane


def open_image(
    path: str | os.PathLike, hdu: int | str | None = None, plane: int = 0
) -> LoadedImage:
    """Open an image for display: FITS (any HDU, cubes as planes) or PNG/JPEG/TIFF.

    Parameters
    ----------
    path : str or path-like
        FITS (``.fits``, ``.fits.gz``, ``.fz`` ...) or raster file; ``file.fits[ext]`` or
        ``file.fits[ext,plane]`` (plane from 1) names the HDU and plane as CFITSIO does.
    hdu : int or str, optional
        HDU index (0-based) or EXTNAME. Default: the first HDU with image data, as DS9.
    plane : int
        0-based plane of a cube (the product of all axes beyond the second).

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageReadError
        Missing, unreadable, truncated or non-image files, and bad HDU/plane choices.
    """
    from skyglass.processing.io.binned import split_binning

    spec, factor = split_binning(os.fspath(path))
    path, hdu, plane = _resolve_spec(spec, hdu, plane)
    check_file(path)
    if factor is not None:
        return _open_binned(path, hdu, plane, factor)
    image = _format_opener(path)(path, hdu)
    image.set_plane(plane)
    log.info(
        "opened %s: HDU %s, plane %d of %d, %s",
        path,
        image.hdu_index,
        plane + 1,
        image.nplanes,
        " x ".join(str(n) for n in reversed(image.shape)),
    )
    return image


def _open_binned(path: str, hdu, plane: int, factor: int) -> LoadedImage:
    from skyglass.processing.io.binned import read_binned

    if _is_raster(path):
        raise ImageReadError(f"{os.path.basename(path)}: [bin=N] is for FITS files.")
    data, header = read_binned(path, hdu, plane, factor)
    log.info("opened %s binned %d x %d: %d x %d", path, factor, factor, *data.shape[::-1])
    # Named as a new image (it is not the file): Save As offers "NAME_bin4_edited.fits"
    # and writes the view alone; the file itself is never a target.
    stem = os.path.basename(path)
    for suffix in sorted(FITS_SUFFIXES, key=len, reverse=True):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return image_from_array(data, header, f"{stem}_bin{factor}.fits")


def _open_fits_image(path: str, hdu: int | str | None) -> LoadedImage:
    name = os.path.basename(path)
    hdul = _open_fits(path)
    try:
        infos = _describe(hdul)
        index = _select_hdu(infos, hdu, name)
        h = hdul[index]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                raw = h.data
            except Exception as exc:
                raise ImageReadError(
                    f"{name}: HDU {index} data cannot be read ({exc}); the file may be "
                    "truncated or corrupt."
                ) from exc
        if raw is None:
            raise ImageReadError(f"{name}: HDU {index} has no data.")
        if raw.dtype.kind not in "iuf":
            raise ImageReadError(f"{name}: HDU {index} holds unsupported data ({raw.dtype}).")
        header = h.header.copy()
        if isinstance(h, fits.CompImageHDU):
            # The decompressed data carries the image header's scaling.
            header = h.header.copy()
        bscale, bzero, blank = _scaling(header, name)
        axis_shape = tuple(raw.shape)
        if raw.ndim == 1:
            raw = raw.reshape(1, -1)
        nplanes = int(np.prod(raw.shape[:-2])) if raw.ndim > 2 else 1
        cube = ScaledArray(raw.reshape(nplanes, raw.shape[-2], raw.shape[-1]), bscale, bzero, blank)
        offset = None
        compressed = getattr(getattr(hdul, "_file", None), "compression", None)
        if not isinstance(h, fits.CompImageHDU) and not compressed:
            offset = int(h.fileinfo()["datLoc"])
    except ImageReadError:
        hdul.close()
        raise
    return LoadedImage(
        path=path,
        hdus=infos,
        hdu_index=index,
        header=header,
        cube=cube,
        axis_shape=axis_shape,
        _hdul=hdul,
        data_offset=offset,
    )


def _open_raster(path: str) -> LoadedImage:
    import imageio.v3 as iio

    name = os.path.basename(path)
    check_raster_size(path, name)
    try:
        pixels = np.asarray(iio.imread(path))
    except Exception as exc:
        raise ImageReadError(f"{name}: cannot be read as an image ({exc}).") from exc
    if pixels.ndim == 3 and pixels.shape[-1] in (3, 4):
        # Colour: R, G, B planes (alpha dropped), as the seed material's imread does.
        cube = np.ascontiguousarray(np.moveaxis(pixels[..., :3], -1, 0))
        is_rgb = True
    elif pixels.ndim == 2:
        cube = pixels[np.newaxis]
        is_rgb = False
    elif pixels.ndim == 3:  # multi-page greyscale TIFF
        cube = pixels
        is_rgb = False
    else:
        raise ImageReadError(f"{name}: unsupported image layout {pixels.shape}.")
    # Raster rows run top to bottom; FITS rows bottom to top. Flip so the picture
    # shows upright with pixel (1,1) at the lower left.
    cube = np.ascontiguousarray(cube[:, ::-1, :])
    header = fits.Header()
    header["NAXIS"] = 2
    header["NAXIS1"] = cube.shape[2]
    header["NAXIS2"] = cube.shape[1]
    header["ORIGIN"] = (os.path.basename(path), "raster file read by Skyglass")
    info = HDUInfo(
        0,
        "PRIMARY",
        "image",
        tuple(cube.shape if cube.shape[0] > 1 else cube.shape[1:]),
        str(cube.dtype),
    )
    return LoadedImage(
        path=path,
        hdus=[info],
        hdu_index=0,
        header=header,
        cube=ScaledArray(cube),
        _wcs=None,
        is_rgb=is_rgb,
        axis_shape=tuple(cube.shape),
    )


def image_from_array(
    data, header: fits.Header | None = None, name: str = "image", rgb: bool | None = None
) -> LoadedImage:
    """Wrap an in-memory image (a master, a calibrated frame, an edited state) as a
    LoadedImage: 2-D, or a cube ``(n, ny, nx)``; ``rgb`` (default: a cube of three planes)
    marks the planes as R, G, B."""
    data = np.asarray(data, dtype=np.float32)
    if data.ndim not in (2, 3):
        raise ImageReadError(f"{name}: expected a 2-D image or a cube, got shape {data.shape}.")
    if rgb is None:
        rgb = data.ndim == 3 and data.shape[0] == 3
    rgb = bool(rgb and data.ndim == 3 and data.shape[0] == 3)
    header = header.copy() if header is not None else fits.Header()
    info = HDUInfo(0, "PRIMARY", "image", tuple(data.shape), "float32")
    return LoadedImage(
        path=name,
        hdus=[info],
        hdu_index=0,
        header=header,
        cube=ScaledArray(data if data.ndim == 3 else data[np.newaxis]),
        axis_shape=tuple(data.shape),
        is_rgb=rgb,
    )


def _register_builtin_formats() -> None:
    from skyglass.processing.io.formats import FORMATS, ImageFormat

    FORMATS.register(ImageFormat("FITS", FITS_SUFFIXES, _open_fits_image, observing=True))
    FORMATS.register(
        ImageFormat("PNG, JPEG, TIFF", RASTER_SUFFIXES, lambda path, hdu: _open_raster(path))
    )


_register_builtin_formats()
