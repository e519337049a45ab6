"""``file.fits[ext]`` and ``file.fits[ext,plane]``: naming an HDU (and a plane) with the
file, the CFITSIO and DS9 way, wherever a file is named."""

from __future__ import annotations

import os


def split_file_spec(spec: str) -> tuple[str, int | str | None, int | None]:
    """Split ``file.fits[SCI,2]`` into the path, the HDU and the 0-based plane.

    The HDU is a 0-based index or an EXTNAME; the plane is given from 1, as the window's
    plane box counts. A name that exists as written (brackets and all) is a file.

    Parameters
    ----------
    spec : str
        ``file.fits``, ``file.fits[1]``, ``file.fits[SCI]``, ``file.fits[SCI,2]``.

    Returns
    -------
    path, hdu, plane
        ``hdu`` and ``plane`` are None when not given.
    """
    if not spec.endswith("]") or "[" not in spec or os.path.exists(spec):
        return spec, None, None
    path, _, inside = spec[:-1].rpartition("[")
    ext, _, plane_text = (part.strip() for part in inside.partition(","))
    hdu: int | str | None = int(ext) if ext.lstrip("-").isdigit() else (ext or None)
    plane = int(plane_text) - 1 if plane_text.isdigit() and int(plane_text) > 0 else None
    return path, hdu, plane
