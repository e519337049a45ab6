"""Master calibration frames of a night: grouped from the raw frames (darks by exposure
time, flats by filter), built, written, and reused by ``--resume``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from skyglass.processing.calibration.calibrate import (
    Frame,
    master_bias,
    master_dark,
    master_flat,
)
from skyglass.processing.calibration.combine import CombineOptions
from skyglass.processing.calibration.library import read_info
from skyglass.processing.errors import SkyglassError
from skyglass.processing.progress import ProgressCallback, scaled


@dataclass
class Masters:
    """Master frames by exposure time (darks) and filter (flats)."""

    bias: Frame | None = None
    darks: dict[float, Frame] = field(default_factory=dict)
    flats: dict[str, Frame] = field(default_factory=dict)

    def dark_for(self, exptime: float) -> Frame | None:
        """The dark of the same exposure, else the longest (scaled down is less noisy)."""
        if not self.darks:
            return None
        if exptime in self.darks:
            return self.darks[exptime]
        return self.darks[max(self.darks)]

    def flat_for(self, band: str, name: str) -> Frame | None:
        if not self.flats:
            return None
        if band in self.flats:
            return self.flats[band]
        have = ", ".join(sorted(f or "no filter" for f in self.flats))
        raise SkyglassError(
            f"{name} was taken in filter {band or '(none)'} but the master "
            f"flats are for {have}; add flats of that filter."
        )


def _group(paths: Sequence[str], key) -> dict:
    out: dict = {}
    for p in paths:
        out.setdefault(key(read_info(p)), []).append(p)
    return out


def build_darks(
    paths: Sequence[str],
    bias: Frame | None = None,
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
) -> dict[float, Frame]:
    """One master dark per exposure time found in ``paths``."""
    groups = _group(paths, lambda i: i.exptime)
    if None in groups:
        raise SkyglassError(
            "no EXPTIME in the header of "
            + ", ".join(os.path.basename(p) for p in groups[None])
            + "; darks need an exposure time."
        )
    darks = {}
    for i, (t, group) in enumerate(sorted(groups.items())):
        dark = master_dark(
            group, bias, options, scaled(progress, i / len(groups), (i + 1) / len(groups))
        )
        dark.name = dark_name(t)
        darks[t] = dark
    return darks


def build_flats(
    paths: Sequence[str],
    masters: Masters,
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Frame]:
    """One master flat per filter found in ``paths``, corrected with ``masters``."""
    groups = _group(paths, lambda i: i.filter)
    flats = {}
    for i, (band, group) in enumerate(sorted(groups.items())):
        dark = None
        if masters.darks:
            first = read_info(group[0])
            if first.exptime is None:
                raise SkyglassError(
                    f"{first.name}: no EXPTIME in the header; the exposure "
                    "time is needed to scale the dark."
                )
            dark = masters.dark_for(first.exptime)
        flat = master_flat(
            group,
            masters.bias,
            dark,
            options,
            scaled(progress, i / len(groups), (i + 1) / len(groups)),
        )
        flat.name = flat_name(band)
        flats[band] = flat
    return flats


def build_masters(
    biases: Sequence[str],
    darks: Sequence[str],
    flats: Sequence[str],
    options: CombineOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Masters:
    """Build every master the frames allow (any list may be empty)."""
    opts = options or CombineOptions("median")
    masters = Masters()
    if biases:
        masters.bias = master_bias(biases, opts, scaled(progress, 0.0, 0.2))
        masters.bias.name = "master_bias.fits"
    if darks:
        masters.darks = build_darks(darks, masters.bias, opts, scaled(progress, 0.2, 0.5))
    if flats:
        masters.flats = build_flats(flats, masters, opts, scaled(progress, 0.5, 1.0))
    return masters


def newer_than_all(path: str, inputs: Sequence[str]) -> bool:
    """True when ``path`` exists and was written after every one of ``inputs``."""
    try:
        written = os.path.getmtime(path)
        return all(os.path.getmtime(p) < written for p in inputs)
    except OSError:
        return False


def reuse_masters(
    folder: str, biases: Sequence[str], darks: Sequence[str], flats: Sequence[str]
) -> Masters | None:
    """The masters an earlier run wrote into ``folder``, when every one of them exists and
    is newer than all the raw calibration frames (``--resume``); else None (build them)."""
    from skyglass.processing.calibration.calibrate import read_frame

    raw = [*biases, *darks, *flats]
    masters = Masters()
    plan: list[tuple[str, object]] = []
    if biases:
        plan.append((os.path.join(folder, "master_bias.fits"), "bias"))
    if darks:
        plan += [
            (os.path.join(folder, dark_name(t)), ("dark", t))
            for t in _group(darks, lambda i: i.exptime)
        ]
    if flats:
        plan += [
            (os.path.join(folder, flat_name(b)), ("flat", b))
            for b in _group(flats, lambda i: i.filter)
        ]
    if not all(newer_than_all(path, raw) for path, _ in plan):
        return None
    for path, what in plan:
        frame = read_frame(path)
        frame.name = os.path.basename(path)
        if what == "bias":
            masters.bias = frame
        elif what[0] == "dark":
            masters.darks[what[1]] = frame
        else:
            masters.flats[what[1]] = frame
    return masters


def dark_name(exptime: float) -> str:
    return f"master_dark_{exptime:g}s.fits"


def flat_name(band: str) -> str:
    return f"master_flat_{band or 'nofilter'}.fits"


def refuse_inputs(outputs: Sequence[str], inputs: Sequence[str]) -> None:
    """SkyglassError when an output would replace an input (links and other spellings of the
    same file too); ``--overwrite`` never covers inputs."""
    real = {os.path.realpath(p) for p in inputs}
    for out in outputs:
        if os.path.realpath(out) in real:
            raise SkyglassError(
                f"{out}: this run reads that file; refusing to write over it (choose another "
                "output folder)."
            )


def write_masters(
    masters: Masters, folder: str, overwrite: bool = False, inputs: Sequence[str] = ()
) -> list[str]:
    """Write every master into ``folder``; returns the paths. Nothing is written when one
    of them would replace a file of ``inputs``."""
    os.makedirs(folder, exist_ok=True)
    frames = (
        ([masters.bias] if masters.bias else [])
        + list(masters.darks.values())
        + list(masters.flats.values())
    )
    refuse_inputs([os.path.join(folder, f.name) for f in frames], inputs)
    written = []
    for frame in frames:
        path = os.path.join(folder, frame.name)
        frame.write(path, overwrite=overwrite)
        written.append(path)
    return written
