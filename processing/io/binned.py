"""A binned view of an image too big for memory: ``file.fits.gz[bin=4]``.

The pixels are read band by band from the (possibly gzip-compressed) stream and averaged
over ``factor x factor`` blocks, so memory holds one band and the small result, never the
whole image. The WCS follows the binning.
"""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
from astropy.io import fits

from skyglass.processing.errors import ImageReadError
from skyglass.processing.io.budget import human, memory_budget
from skyglass.processing.io.fitsscan import Announced, HeaderProblem, announce, is_gzip
from skyglass.processing.io.fitsscan import read_header as _read_header

_BIN = re.compile(r"^(.*)\[bin=(\d+)\]$", re.IGNORECASE)
#: Bytes of stored values read per band.
BAND_BYTES = 64 * 2**20


def split_binning(spec: str) -> tuple[str, int | None]:
    """``file.fits[1][bin=4]`` -> (``file.fits[1]``, 4); no suffix -> (spec, None)."""
    match = _BIN.match(spec)
    if match is None:
        return spec, None
    factor = int(match.group(2))
    if factor < 1:
        raise ImageReadError(f"{spec}: the binning factor must be 1 or more.")
    return match.group(1), factor


def factor_to_fit(shape: tuple[int, ...], budget: int | None = None) -> int:
    """The smallest binning that makes a float32 plane of ``shape`` (FITS order) take at
    most a quarter of the budget."""
    budget = memory_budget() if budget is None else budget
    pixels = shape[0] * (shape[1] if len(shape) > 1 else 1)
    factor = 1
    while pixels / factor**2 * 4 > budget / 4:
        factor += 1
    return factor


def _scaling(header: fits.Header) -> tuple[float, float, int | None]:
    from skyglass.processing.io.cards import card_value, required_number

    blank = card_value(header, "BLANK")
    return (
        required_number(header, "BSCALE", 1.0, "image"),
        required_number(header, "BZERO", 0.0, "image"),
        blank if isinstance(blank, int) and not isinstance(blank, bool) else None,
    )


def _wanted(info: Announced, index: int, hdu: int | str | None) -> bool:
    if isinstance(hdu, int):
        return index == hdu
    if isinstance(hdu, str):
        return str(info.header.get("EXTNAME", "")).strip().upper() == hdu.upper()
    extension = str(info.header.get("XTENSION", "")).strip()
    return len(info.shape) >= 2 and (index == 0 or extension == "IMAGE")


def read_binned(path: str, hdu: int | str | None, plane: int, factor: int):
    """Bin plane ``plane`` of HDU ``hdu`` by ``factor``; returns ``(data, header)``."""
    name = path.rsplit("/", 1)[-1]
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as fh:
        index = 0
        while True:
            raw, complete = _read_header(fh)
            if not complete:
                raise ImageReadError(f"{name}: no image HDU {hdu!r} to bin.")
            try:
                info = announce(fits.Header.fromstring(raw.decode("ascii", "replace")))
            except HeaderProblem as exc:
                raise ImageReadError(f"{name}: {exc}.") from exc
            if _wanted(info, index, hdu):
                return _bin_stream(fh, info, plane, factor, name)
            fh.seek(fh.tell() + info.padded_bytes)
            index += 1


def _bin_stream(fh, info: Announced, plane: int, factor: int, name: str):
    nx, ny = info.shape[0], info.shape[1]
    nplanes = int(np.prod(info.shape[2:])) if len(info.shape) > 2 else 1
    if not 0 <= plane < nplanes:
        raise ImageReadError(f"{name}: plane {plane + 1} does not exist.")
    if factor > min(nx, ny):
        raise ImageReadError(f"{name}: binning by {factor} leaves no pixels ({nx} x {ny}).")
    dtype = np.dtype(fits.BITPIX2DTYPE[info.bitpix]).newbyteorder(">")
    row_bytes = nx * dtype.itemsize
    bscale, bzero, blank = _scaling(info.header)
    from skyglass.processing.io.scaled import ScaledArray

    out_ny, out_nx = ny // factor, nx // factor
    out = np.empty((out_ny, out_nx), np.float32)
    fh.seek(fh.tell() + plane * ny * row_bytes)
    rows = max(1, BAND_BYTES // row_bytes // factor) * factor
    done = 0
    while done < out_ny:
        take = min(rows, (out_ny - done) * factor)
        buffer = fh.read(take * row_bytes)
        if len(buffer) < take * row_bytes:
            raise ImageReadError(f"{name}: the file ends inside the image data (truncated).")
        band = ScaledArray(np.frombuffer(buffer, dtype).reshape(take, nx), bscale, bzero, blank)
        values = band.scale(band.raw)[:, : out_nx * factor]
        blocks = values.reshape(take // factor, factor, out_nx, factor)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks stay NaN
            out[done : done + take // factor] = np.nanmean(blocks, axis=(1, 3))
        done += take // factor
    return out, _binned_header(info.header, factor, out.shape, name)


def _binned_header(header: fits.Header, factor: int, shape, name: str) -> fits.Header:
    from skyglass.processing.editing.wcs_update import transform_wcs

    scale = 1.0 / factor
    matrix = np.array([[scale, 0, 0.5 * scale - 0.5], [0, scale, 0.5 * scale - 0.5], [0, 0, 1]])
    out, note = transform_wcs(header, matrix)
    for key in ("BSCALE", "BZERO", "BLANK", "NAXIS3", "NAXIS4"):
        out.remove(key, ignore_missing=True)
    out["BITPIX"], out["NAXIS"] = -32, 2
    out["NAXIS1"], out["NAXIS2"] = shape[1], shape[0]
    out.add_history(f"Skyglass: binned {factor} x {factor} (mean) from {name}")
    if note:
        out.add_history(f"Skyglass: {note}")
    return out


def too_large_message(name: str, info: Announced, budget: int, factor: int) -> str:
    """The one-line refusal for an image over the budget, naming the way out."""
    dims = " x ".join(str(n) for n in info.shape)
    kind = np.dtype(fits.BITPIX2DTYPE[info.bitpix]).name
    return (
        f"{name}: the image is {dims} {kind} ({human(info.data_bytes)} once decompressed), "
        f"more than the memory budget of {human(budget)}; open a binned view with "
        f"'{name}[bin={factor}]' or raise SKYGLASS_MEMORY_BUDGET."
    )
