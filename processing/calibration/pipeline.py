"""The calibration recipe for a whole night: masters (:mod:`.masters`), then lights - in
this process, or one task per light on local processes or a Dask cluster.

Shared by the ``skyglass calibrate`` command and the calibration panel, so both do the
same thing: darks are grouped by exposure time, flats by filter; each flat is corrected
with the dark closest in exposure, each light with the dark of its exposure (or the
longest, scaled) and the flat of its filter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from skyglass.processing.calibration.calibrate import CalibrationOptions, Frame, calibrate
from skyglass.processing.calibration.combine import CombineOptions
from skyglass.processing.calibration.library import NightLibrary, read_info
from skyglass.processing.calibration.masters import (
    Masters,
    build_masters,
    dark_name,
    flat_name,
    newer_than_all,
    refuse_inputs,
    reuse_masters,
    write_masters,
)
from skyglass.processing.errors import SkyglassError
from skyglass.processing.progress import Cancelled, ProgressCallback, report, scaled


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


@dataclass(frozen=True)
class MasterFile:
    """A written master and the frames it was made from (for the lights' HISTORY)."""

    path: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class MasterFiles:
    """Where the masters of a run are written: what a task on another process or machine
    needs to calibrate a light (it reads them itself, once per process)."""

    bias: MasterFile | None
    darks: tuple[tuple[float, MasterFile], ...]
    flats: tuple[tuple[str, MasterFile], ...]

    @classmethod
    def of(cls, masters: Masters, folder: str) -> MasterFiles:
        def written(frame: Frame) -> MasterFile:
            out = os.path.abspath(os.path.join(folder, frame.name))
            if not os.path.exists(out):
                raise SkyglassError(f"{out}: the master is not written; cannot share it.")
            return MasterFile(out, tuple(frame.sources or ()))

        return cls(
            written(masters.bias) if masters.bias else None,
            tuple((t, written(f)) for t, f in sorted(masters.darks.items())),
            tuple((b, written(f)) for b, f in sorted(masters.flats.items())),
        )

    def load(self) -> Masters:
        masters = Masters()
        if self.bias:
            masters.bias = _master(self.bias)
        masters.darks = {t: _master(m) for t, m in self.darks}
        masters.flats = {b: _master(m) for b, m in self.flats}
        return masters


_MASTERS: dict[tuple, Frame] = {}


def _master(master: MasterFile) -> Frame:
    """A master file read once per process (keyed by its time, so a new run re-reads)."""
    from skyglass.processing.calibration.calibrate import read_frame

    stat = os.stat(master.path)
    key = (master, stat.st_mtime_ns, stat.st_size)
    if key not in _MASTERS:
        if len(_MASTERS) > 16:
            _MASTERS.clear()
        frame = read_frame(master.path)
        frame.name = os.path.basename(master.path)
        frame.sources = list(master.sources) or frame.sources
        _MASTERS[key] = frame
    return _MASTERS[key]


def calibrate_file(
    path: str, masters: MasterFiles, out: str, options: CalibrationOptions | None, overwrite: bool
) -> str:
    """Task: calibrate the light ``path`` with the master files and write ``out``."""
    frame = calibrate_one(path, masters.load(), options)
    frame.write(out, overwrite=overwrite)
    return out


@dataclass
class LightsReport:
    """What :func:`calibrate_lights` did: written, skipped (``resume``) and failed lights."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (light, why)


def calibrate_lights(
    lights: Sequence[str],
    masters: Masters,
    folder: str,
    options: CalibrationOptions | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    on_frame=None,
    inputs: Sequence[str] = (),
    keep_going: bool = False,
    resume: bool = False,
    report_to: LightsReport | None = None,
    executor=None,
) -> list[str]:
    """Calibrate each light with the right masters and write ``NAME_cal.fits``.

    ``on_frame(path, frame)`` is called with each calibrated frame as it is written (the
    panel shows the first and lists the rest); returns the paths written. Before any work,
    no output may be one of the lights or of ``inputs`` (a light named ``a_cal.fits``
    beside ``a.fits``).

    ``keep_going``: a light that cannot be calibrated is recorded in ``report_to.failed``
    and the others go on (a night of hundreds must not stop at one bad file).
    ``resume``: a light whose output exists and is newer than the light and every master
    file is skipped. Progress says how many are done and estimates the time left.
    ``executor``: an :class:`~skyglass.processing.executors.Executor` running one task
    per light (local processes or a Dask cluster); the masters must be written in
    ``folder`` and ``on_frame`` is not called.
    """
    import time

    os.makedirs(folder, exist_ok=True)
    refuse_inputs([os.path.join(folder, calibrated_name(p)) for p in lights], [*lights, *inputs])
    report_to = report_to if report_to is not None else LightsReport()
    master_files = [
        os.path.join(folder, f.name)
        for f in (masters.bias, *masters.darks.values(), *masters.flats.values())
        if f is not None and f.name
    ]
    start, done = time.monotonic(), 0
    n = len(lights)
    if executor is not None and len(lights) >= executor.min_tasks:
        todo = []
        for path in lights:
            out = os.path.join(folder, calibrated_name(path))
            if resume and newer_than_all(
                out, [path, *[m for m in master_files if os.path.exists(m)]]
            ):
                report_to.skipped.append(out)
            elif os.path.exists(out) and not overwrite and not resume:
                raise SkyglassError(f"{out}: already exists; use --overwrite or another folder.")
            else:
                todo.append(path)
        _calibrate_on(
            executor,
            todo,
            masters,
            folder,
            options,
            overwrite or resume,
            progress,
            keep_going,
            report_to,
        )
        return report_to.written
    for i, path in enumerate(lights):
        out = os.path.join(folder, calibrated_name(path))
        if resume and newer_than_all(out, [path, *[m for m in master_files if os.path.exists(m)]]):
            report_to.skipped.append(out)
            continue
        if os.path.exists(out) and not overwrite and not resume:
            raise SkyglassError(f"{out}: already exists; use --overwrite or another folder.")
        left = ""
        if done:
            per = (time.monotonic() - start) / done
            left = f", about {_duration(per * (n - i))} left"
        part = scaled(progress, i / n, (i + 1) / n)
        report(part, 0.0, f"calibrating {os.path.basename(path)} ({i + 1} of {n}{left})")
        try:
            frame = calibrate_one(path, masters, options, part)
            frame.write(out, overwrite=True if resume else overwrite)
        except Cancelled:
            raise
        except (SkyglassError, OSError, ValueError) as exc:
            if not keep_going:
                raise
            report_to.failed.append((path, str(exc) or type(exc).__name__))
            continue
        done += 1
        report_to.written.append(out)
        if on_frame is not None:
            on_frame(path, frame)
    return report_to.written


def _calibrate_on(
    executor,
    lights: Sequence[str],
    masters: Masters,
    folder: str,
    options: CalibrationOptions | None,
    overwrite: bool,
    progress: ProgressCallback | None,
    keep_going: bool,
    report_to: LightsReport,
) -> None:
    """One task per light on ``executor``; results recorded as they come."""
    import time

    from skyglass.processing.executors import gather

    files = MasterFiles.of(masters, folder)
    outs = [os.path.abspath(os.path.join(folder, calibrated_name(p))) for p in lights]
    tasks = [
        (os.path.abspath(p), files, out, options, overwrite)
        for p, out in zip(lights, outs, strict=True)
    ]
    start, n = time.monotonic(), len(lights)
    written: dict[int, str] = {}

    def failed(i: int, exc: BaseException) -> None:
        if not keep_going:
            raise exc
        report_to.failed.append((lights[i], str(exc) or type(exc).__name__))
        last["name"] = f"{os.path.basename(lights[i])} failed"

    last = {"name": ""}

    def message(done: int) -> str:
        per = (time.monotonic() - start) / done
        left = f", about {_duration(per * (n - done))} left" if done < n else ""
        return f"{last['name']} ({done} of {n} on {executor.name}{left})"

    def finished(i: int, out: str) -> None:
        written[i] = os.path.join(folder, calibrated_name(lights[i]))
        last["name"] = f"calibrated {os.path.basename(lights[i])}"

    report(progress, 0.0, f"calibrating {n} lights on {executor.name}")
    gather(
        executor,
        calibrate_file,
        tasks,
        finished,
        failed,
        progress,
        message,
    )
    report_to.written.extend(written[i] for i in sorted(written))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def calibrate_folder(
    folder: str,
    outdir: str,
    combine_options: CombineOptions | None = None,
    options: CalibrationOptions | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    keep_going: bool = False,
    resume: bool = False,
    report_to: LightsReport | None = None,
    executor=None,
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
    masters = reuse_masters(outdir, raw["bias"], raw["dark"], raw["flat"]) if resume else None
    if masters is None:
        masters = build_masters(
            raw["bias"], raw["dark"], raw["flat"], combine_options, scaled(progress, 0.0, 0.5)
        )
        master_paths = write_masters(masters, outdir, overwrite or resume, inputs)
    else:
        master_paths = []  # reused as they are
    cal = calibrate_lights(
        lights,
        masters,
        outdir,
        options,
        overwrite,
        scaled(progress, 0.5, 1.0),
        inputs=inputs,
        keep_going=keep_going,
        resume=resume,
        report_to=report_to,
        executor=executor,
    )
    return master_paths, cal
