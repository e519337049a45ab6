"""Following a folder during the night: which new files are complete, and each frame's
quality figures (sky, noise, FWHM, stars, saturation) for the night log."""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.cards import header_number
from skyglass.processing.io.fitsscan import HeaderProblem, scan
from skyglass.processing.io.formats import patterns


@dataclass
class FrameQuality:
    """The night-log line of one frame."""

    path: str
    name: str
    date_obs: str = ""
    exptime: float | None = None
    filter: str = ""
    object: str = ""
    sky: float = math.nan
    noise: float = math.nan
    fwhm: float = math.nan
    nstars: int = 0
    saturated: int = 0
    error: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def frame_quality(path: str, threshold: float = 5.0) -> FrameQuality:
    """Measure one frame: sky (sigma-clipped median), noise, median FWHM of its stars,
    number of stars, saturated pixels. Never raises: problems go in ``error``."""
    from astropy.stats import sigma_clipped_stats

    from skyglass.processing.display.limits import grid_sample
    from skyglass.processing.io.reader import open_image
    from skyglass.processing.measure.stars import StarOptions, detect_stars

    q = FrameQuality(path=os.path.abspath(path), name=os.path.basename(path))
    try:
        image = open_image(path)
        h = image.header
        q.date_obs = str(h.get("DATE-OBS", ""))
        q.exptime = header_number(h, "EXPTIME")
        q.filter = str(h.get("FILTER", "")).strip()
        q.object = str(h.get("OBJECT", "")).strip()
        sample = grid_sample(image.data, 500_000)
        if sample.size:
            _, med, std = sigma_clipped_stats(sample, sigma=3.0, maxiters=5)
            q.sky, q.noise = float(med), float(std)
        data = np.asarray(image.data[:, :], dtype=np.float32)
        level = header_number(h, "SATURATE") or None
        if level is None and image.hdus[image.hdu_index].dtype in ("uint16", "int16"):
            level = 65535.0 if image.hdus[image.hdu_index].dtype == "uint16" else 32767.0
        if level is not None:
            q.saturated = int(np.count_nonzero(data >= level))
        stars = detect_stars(data, h, options=StarOptions(threshold=threshold))
        good = stars[~stars["saturated"]] if len(stars) else stars
        q.nstars = len(stars)
        if len(good):
            q.fwhm = float(stars.meta.get("fwhm", math.nan))
        image.close()
    except SkyglassError as exc:
        q.error = str(exc)
    except Exception as exc:  # a frame we cannot measure must not stop the log
        q.error = f"{type(exc).__name__}: {exc}"
    return q


def _expected_size(path: str) -> int | None:
    """Bytes a FITS file needs according to its headers (None if a header is incomplete)."""
    with open(path, "rb") as fh:
        if fh.read(9) != b"SIMPLE  =":
            return os.path.getsize(path)  # not FITS: opening it says what it is
    offset = 0
    try:
        for hdu in scan(path):
            offset += hdu.header_bytes + hdu.padded_bytes
    except EOFError:
        return None
    except HeaderProblem:
        return os.path.getsize(path)  # a broken header, not a file being written
    return offset


def is_complete(path: str) -> bool:
    """True when a (plain) FITS file has all the bytes its headers announce. A header that
    cannot be read (NAXIS1 = 'ten') counts as complete: the file is handed on once, and
    opening it gives the user the reason, instead of failing at every poll."""
    if path.lower().endswith((".gz", ".fz")):
        return True  # compressed: rely on the size staying stable
    try:
        needed = _expected_size(path)
    except OSError:
        return False
    return needed is not None and os.path.getsize(path) >= needed


@dataclass
class FolderFollower:
    """Finds FITS files that appear in a folder once they are completely written.

    A file is ready when its size has not changed for ``settle`` seconds and (for plain
    FITS) it holds every byte its headers announce. Call :meth:`poll` from a timer.
    """

    folder: str
    settle: float = 1.0
    seen: set = field(default_factory=set)
    _pending: dict = field(default_factory=dict)  # path -> (size, time first seen at it)

    def __post_init__(self) -> None:
        if not os.path.isdir(self.folder):
            raise SkyglassError(f"{self.folder}: no such folder.")

    def existing(self) -> list[str]:
        """Mark the files already there as seen (returns them, oldest first)."""
        files = self._listing()
        self.seen.update(files)
        return files

    def _listing(self) -> list[str]:
        import fnmatch

        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        files = [
            os.path.join(self.folder, n)
            for n in names
            if any(fnmatch.fnmatch(n.lower(), p) for p in patterns(observing_only=True))
        ]
        files = [f for f in files if os.path.isfile(f)]
        return sorted(files, key=lambda f: (os.path.getmtime(f), f))

    def poll(self, now: float | None = None) -> list[str]:
        """New files that are complete now (each reported once)."""
        now = time.monotonic() if now is None else now
        ready = []
        for path in self._listing():
            if path in self.seen:
                continue
            try:
                size = os.path.getsize(path)
            except OSError:
                continue
            last = self._pending.get(path)
            if last is None or last[0] != size:
                self._pending[path] = (size, now)
                continue
            if now - last[1] >= self.settle and size > 0 and is_complete(path):
                ready.append(path)
                self.seen.add(path)
                del self._pending[path]
        return ready
