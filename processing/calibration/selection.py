"""Choosing what goes into a stack: frame quality (FWHM, sky, stars) measured once per
frame, kept in a small cache keyed by the file's path, size and time, and reused by every
later selection (``stack --best N``, ``--max-fwhm X``, the night log).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

from skyglass.processing.calibration.nightlog import FrameQuality, frame_quality
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.progress import ProgressCallback, report


def _key(path: str) -> tuple[str, list[int]]:
    st = os.stat(path)
    return os.path.realpath(path), [st.st_size, st.st_mtime_ns]


class QualityCache:
    """Measured qualities in a JSON file (``None``: nothing is kept between runs)."""

    def __init__(self, file: str | os.PathLike | None) -> None:
        self.file = Path(file) if file else None
        self.entries: dict = {}
        if self.file is not None and self.file.exists():
            try:
                self.entries = json.loads(self.file.read_text())
            except (OSError, ValueError):
                self.entries = {}  # a damaged cache is only a slower run

    def get(self, path: str) -> FrameQuality | None:
        real, stamp = _key(path)
        entry = self.entries.get(real)
        if entry is None or entry.get("stamp") != stamp:
            return None
        return FrameQuality(**entry["quality"])

    def put(self, path: str, quality: FrameQuality) -> None:
        real, stamp = _key(path)
        self.entries[real] = {"stamp": stamp, "quality": quality.to_dict()}

    def save(self) -> None:
        if self.file is None:
            return
        from skyglass.processing.io.fileio import atomic_write

        self.file.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.entries)
        try:
            atomic_write(self.file, lambda tmp: open(tmp, "w").write(text), overwrite=True)
        except (OSError, SkyglassError):
            pass  # the cache is an optimisation: never a reason to fail


def measure(
    paths: Sequence[str], cache: QualityCache, progress: ProgressCallback | None = None
) -> list[FrameQuality]:
    """The quality of every frame, measured only where the cache has none."""
    out = []
    for i, path in enumerate(paths):
        quality = cache.get(path)
        if quality is None:
            report(progress, i / len(paths), f"measuring {os.path.basename(path)}")
            quality = frame_quality(path)
            cache.put(path, quality)
        out.append(quality)
    cache.save()
    return out


def check_selection(best: int | None, max_fwhm: float | None) -> None:
    """InvalidParameterError for a selection that cannot keep anything (before measuring)."""
    if best is not None and best < 1:
        raise InvalidParameterError("--best must be 1 or more.")
    if max_fwhm is not None and not max_fwhm > 0:
        raise InvalidParameterError("--max-fwhm must be a positive number of pixels.")


def select(
    qualities: Sequence[FrameQuality], best: int | None = None, max_fwhm: float | None = None
) -> tuple[list[FrameQuality], list[tuple[FrameQuality, str]]]:
    """Keep frames with a FWHM at most ``max_fwhm`` and then the ``best`` sharpest.

    Returns ``(kept in their original order, [(left out, why)])``. A frame whose FWHM
    could not be measured is left out whenever a selection is asked for.
    """
    check_selection(best, max_fwhm)
    kept, left = [], []
    for q in qualities:
        if math.isnan(q.fwhm):
            left.append((q, q.error or "no stars to measure a FWHM on"))
        elif max_fwhm is not None and q.fwhm > max_fwhm:
            left.append((q, f"FWHM {q.fwhm:.2f} px > {max_fwhm:g}"))
        else:
            kept.append(q)
    if best is not None and len(kept) > best:
        ranked = sorted(kept, key=lambda q: q.fwhm)
        for q in ranked[best:]:
            left.append((q, f"FWHM {q.fwhm:.2f} px, not among the {best} sharpest"))
        chosen = {id(q) for q in ranked[:best]}
        kept = [q for q in kept if id(q) in chosen]
    if not kept:
        raise SkyglassError("no frame is left to stack after the selection.")
    return kept, left
