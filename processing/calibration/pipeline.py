"""The calibration recipe for a whole night: masters from groups of frames, then lights.

Shared by the ``skyglass calibrate`` command and the calibration panel, so both do the
same thing: darks are grouped by exposure time, flats by filter; each flat is corrected
with the dark closest in exposure, each light with the dark of its exposure (or the
longest, scaled) and the flat of its filter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from skyglass.processing.calibration.calibrate import (
    CalibrationOptions,
    Frame,
    calibrate,
    master_bias,
    master_dark,
    master_flat,
)
from skyglass.processing.calibration.combine import CombineOptions
from skyglass.processing.calibration.library import NightLibrary, read_info
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


def dark_name(exptime: float) -> str:
    return f"master_dark_{exptime:g}s.fits"


def flat_name(band: str) -> str:
    return f"master_flat_{band or 'nofilter'}.fits"


def planned_outputs(
    folder: str,
    biases: Sequence[str],
    darks: Sequence[str],
    flats: Sequence[str],
    lights: Sequence[str],
) -> list[str]:
    """Every file a calibration run will write (from the headers alone), so a clash with
    an input is refused before any work."""
    names = ["master_bias.fits"] if biases else []
    names += sorted({dark_name(i.exptime) for i in map(read_info, darks) if i.exptime})
    names += sorted({flat_name(i.filter) for i in map(read_info, flats)})
    names += [calibrated_name(p) for p in lights]
    return [os.path.join(folder, n) for n in names]


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


def calibrated_name(path: str) -> str:
    base = os.path.basename(path)
    for ext in (".fits.gz", ".fit.gz", ".fits.fz", ".fits", ".fit", ".fts", ".fz"):
        if base.lower().endswith(ext):
            return base[: -len(ext)] + "_cal.fits"
    return base + "_cal.fits"


def calibrate_one(
    path: str,
    masters: Masters,
    options: CalibrationOptions | None = None,
    progress: ProgressCallback | None = None,
    require_flat: bool = True,
) -> Frame:
    """Calibrate one light with the dark of its exposure and the flat of its filter."""
    info = read_info(path)
    dark = None
    if masters.darks:
        if info.exptime is None:
            raise SkyglassError(
                f"{info.name}: no EXPTIME in the header; the exposure time is "
                "needed to scale the dark."
            )
        dark = masters.dark_for(info.exptime)
    if require_flat:
        flat = masters.flat_for(info.filter, info.name)
    else:  # a preview uses what exists
        flat = masters.flats.get(info.filter)
    return calibrate(path, masters.bias, dark, flat, options, progress)


def calibrate_lights(
    lights: Sequence[str],
    masters: Masters,
    folder: str,
    options: CalibrationOptions | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    on_frame=None,
    inputs: Sequence[str] = (),
) -> list[str]:
    """Calibrate each light with the right masters and write ``NAME_cal.fits``.

    ``on_frame(path, frame)`` is called with each calibrated frame (the panel keeps them
    for stacking); returns the paths written. Before any work, no output may be one of
    the lights or of ``inputs`` (a light named ``a_cal.fits`` beside ``a.fits``).
    """
    os.makedirs(folder, exist_ok=True)
    refuse_inputs([os.path.join(folder, calibrated_name(p)) for p in lights], [*lights, *inputs])
    written = []
    for i, path in enumerate(lights):
        out = os.path.join(folder, calibrated_name(path))
        if os.path.abspath(out) == os.path.abspath(path):
            raise SkyglassError(f"{out}: refusing to write over the raw frame.")
        if os.path.exists(out) and not overwrite:
            raise SkyglassError(f"{out}: already exists; use --overwrite or another folder.")
        frame = calibrate_one(
            path, masters, options, scaled(progress, i / len(lights), (i + 1) / len(lights))
        )
        frame.write(out, overwrite=overwrite)
        written.append(out)
        if on_frame is not None:
            on_frame(path, frame)
    return written


def calibrate_folder(
    folder: str,
    outdir: str,
    combine_options: CombineOptions | None = None,
    options: CalibrationOptions | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
) -> tuple[list[str], list[str]]:
    """Group a night's frames from their headers, build masters and calibrate the lights.

    Returns ``(master paths, calibrated light paths)``.
    """
    library = NightLibrary(folder)
    # Masters and calibrated lights of an earlier run are results, not raw frames.
    lights = [f.path for f in library.of_kind("light") if not f.product]
    if not lights:
        raise SkyglassError(
            f"{folder}: no light frames found (IMAGETYP of the files: "
            + ", ".join(sorted({f.imagetyp or "?" for f in library.files}))
            + ")."
        )
    raw = {
        kind: [f.path for f in library.of_kind(kind) if not f.product]
        for kind in ("bias", "dark", "flat")
    }
    inputs = [*raw["bias"], *raw["dark"], *raw["flat"], *lights]
    refuse_inputs(planned_outputs(outdir, raw["bias"], raw["dark"], raw["flat"], lights), inputs)
    masters = build_masters(
        raw["bias"], raw["dark"], raw["flat"], combine_options, scaled(progress, 0.0, 0.5)
    )
    master_paths = write_masters(masters, outdir, overwrite, inputs)
    cal = calibrate_lights(
        lights, masters, outdir, options, overwrite, scaled(progress, 0.5, 1.0), inputs=inputs
    )
    return master_paths, cal
