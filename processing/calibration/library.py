"""The frame library: what each file of a night is, read from headers only.

Frames are grouped as a student sorts them: biases, darks by exposure time, flats by
filter, lights by object and filter. The user can reassign a frame's type.
"""

from __future__ import annotations

import glob
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace

from astropy.io import fits

from skyglass.processing.errors import ImageReadError
from skyglass.processing.io.formats import patterns

KINDS = ("bias", "dark", "flat", "light", "unknown")

_TYPE_WORDS = {
    "bias": ("bias", "zero"),
    "dark": ("dark",),
    "flat": ("flat", "skyflat", "domeflat", "twilight"),
    "light": ("light", "object", "science", "target"),
}


def kind_of(imagetyp: str) -> str:
    """Normalise an IMAGETYP value (``Bias Frame``, ``ZERO``, ``Light Frame``, ``object``)."""
    text = str(imagetyp).strip().lower()
    for kind, words in _TYPE_WORDS.items():
        if any(w in text for w in words):
            return kind
    return "unknown"


@dataclass(frozen=True)
class FileInfo:
    """One file of the library (header values; ``None`` when absent)."""

    path: str
    kind: str
    imagetyp: str
    exptime: float | None
    filter: str
    object: str
    date_obs: str
    shape: tuple[int, int]
    #: Written by Skyglass itself (a master or a calibrated light), not a raw frame.
    product: bool = False

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def read_info(path: str) -> FileInfo:
    """Read a frame's header (the primary's cards, plus the first image extension's)."""
    name = os.path.basename(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(path, lazy_load_hdus=True, memmap=True) as hdul:
                header = hdul[0].header.copy()
                if header.get("NAXIS", 0) == 0 and len(hdul) > 1:
                    header.update(hdul[1].header)
    except Exception as exc:
        raise ImageReadError(f"{name}: cannot read the header ({exc}).") from exc
    shape = (
        int(header.get("ZNAXIS2", header.get("NAXIS2", 0))),
        int(header.get("ZNAXIS1", header.get("NAXIS1", 0))),
    )
    exptime = header.get("EXPTIME", header.get("EXPOSURE"))
    try:
        exptime = float(exptime) if exptime is not None else None
    except (TypeError, ValueError):
        exptime = None
    imagetyp = str(header.get("IMAGETYP", header.get("OBSTYPE", header.get("FRAME", ""))))
    return FileInfo(
        path=os.path.abspath(path),
        kind=kind_of(imagetyp),
        imagetyp=imagetyp,
        exptime=exptime,
        filter=str(header.get("FILTER", "")).strip(),
        object=str(header.get("OBJECT", "")).strip(),
        date_obs=str(header.get("DATE-OBS", "")),
        shape=shape,
        product="CALSTAT" in header or imagetyp.lower().startswith("master"),
    )


def find_fits(folder: str) -> list[str]:
    """FITS files directly in ``folder``, sorted by name."""
    if not os.path.isdir(folder):
        raise ImageReadError(f"{folder}: no such folder.")
    found = set()
    for pattern in patterns(observing_only=True):
        found.update(glob.glob(os.path.join(folder, pattern)))
    return sorted(found)


class NightLibrary:
    """Frames of a night, grouped by kind (headers only; nothing else is read).

    Parameters
    ----------
    sources : str or iterable of str
        A folder, or file paths.
    """

    def __init__(self, sources: str | Iterable[str]) -> None:
        paths = find_fits(sources) if isinstance(sources, str) else list(sources)
        self.files: list[FileInfo] = []
        self.errors: list[str] = []
        for p in paths:
            try:
                self.files.append(read_info(p))
            except ImageReadError as exc:
                self.errors.append(str(exc))
        self.files.sort(key=lambda f: (f.date_obs, f.name))

    def set_kind(self, path: str, kind: str) -> None:
        """Reassign a frame's type (the user knows better than the header)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        path = os.path.abspath(path)
        self.files = [replace(f, kind=kind) if f.path == path else f for f in self.files]

    def of_kind(self, kind: str) -> list[FileInfo]:
        return [f for f in self.files if f.kind == kind]

    def biases(self) -> list[FileInfo]:
        return self.of_kind("bias")

    def darks(self) -> dict[float, list[FileInfo]]:
        """Darks by exposure time."""
        out: dict[float, list[FileInfo]] = {}
        for f in self.of_kind("dark"):
            out.setdefault(f.exptime if f.exptime is not None else -1.0, []).append(f)
        return dict(sorted(out.items()))

    def flats(self) -> dict[str, list[FileInfo]]:
        """Flats by filter."""
        out: dict[str, list[FileInfo]] = {}
        for f in self.of_kind("flat"):
            out.setdefault(f.filter, []).append(f)
        return dict(sorted(out.items()))

    def lights(self) -> dict[tuple[str, str], list[FileInfo]]:
        """Lights by (object, filter)."""
        out: dict[tuple[str, str], list[FileInfo]] = {}
        for f in self.of_kind("light"):
            out.setdefault((f.object, f.filter), []).append(f)
        return dict(sorted(out.items()))

    def dark_for(self, exptime: float | None) -> float | None:
        """The dark exposure time to use for ``exptime``: equal if possible, else the
        longest (a scaled long dark is less noisy than a scaled short one)."""
        times = [t for t in self.darks() if t >= 0]
        if not times:
            return None
        if exptime in times:
            return exptime
        return max(times)
