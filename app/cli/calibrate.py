"""``skyglass calibrate``: build master bias/dark/flat and calibrate light frames."""

from __future__ import annotations

import argparse
import os
import sys

from skyglass.cli.options import (
    add_executor_options,
    open_executor,
    report_executor,
    terminal_progress,
)
from skyglass.cli.table import Command, register

DESCRIPTION = (
    "Either give the frames (--bias/--dark/--flat and LIGHTS) or --auto DIR to group a "
    "night's frames from their headers. Writes the masters and NAME_cal.fits."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from skyglass.processing.calibration.combine import METHODS

    parser.add_argument("lights", nargs="*", metavar="LIGHTS", help="raw light frames")
    parser.add_argument("--bias", nargs="+", default=[], metavar="FILE")
    parser.add_argument(
        "--dark",
        nargs="+",
        default=[],
        metavar="FILE",
        help="darks (grouped by EXPTIME; each light uses the matching one)",
    )
    parser.add_argument(
        "--flat", nargs="+", default=[], metavar="FILE", help="flats (grouped by FILTER)"
    )
    parser.add_argument("--auto", metavar="DIR", help="group every frame of DIR by IMAGETYP")
    parser.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    parser.add_argument(
        "--method",
        default="median",
        choices=[m for m in METHODS if m != "sum"],
        help="how masters are combined (median)",
    )
    parser.add_argument(
        "--cosmic",
        default="none",
        choices=["none", "lacosmic", "median"],
        help="cosmic-ray cleaning of the lights (none)",
    )
    parser.add_argument(
        "--bad-pixels",
        default="keep",
        choices=["keep", "interpolate", "nan"],
        help="hot pixels (from the dark) and weak pixels (from the flat)",
    )
    parser.add_argument(
        "--nonlinearity", metavar="C0,C1,C2,C3", help="polynomial applied after bias subtraction"
    )
    parser.add_argument(
        "--uncertainty",
        action="store_true",
        help="write the CCD-equation uncertainty of each light (UNCERT, as ccdproc and "
        "CCDData write it)",
    )
    parser.add_argument(
        "--gain", type=float, metavar="E/ADU", help="electrons per ADU (default: header GAIN)"
    )
    parser.add_argument(
        "--readnoise", type=float, metavar="E", help="read noise, electrons (default: RDNOISE)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="skip lights whose output is newer than the light and the masters (and, with "
        "--auto, reuse masters newer than every calibration frame): go on after a stop",
    )
    add_executor_options(
        parser,
        "calibrate the lights in N local processes, one task per light (default: this process)",
    )


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.calibration.calibrate import CalibrationOptions
    from skyglass.processing.calibration.combine import CombineOptions
    from skyglass.processing.calibration.pipeline import (
        LightsReport,
    )
    from skyglass.processing.errors import InvalidParameterError

    nonlinearity = None
    if args.nonlinearity:
        try:
            nonlinearity = tuple(float(c) for c in args.nonlinearity.split(","))
        except ValueError:
            raise InvalidParameterError("--nonlinearity: four numbers C0,C1,C2,C3.") from None
    options = CalibrationOptions(
        nonlinearity=nonlinearity,
        cosmic=None if args.cosmic == "none" else args.cosmic,
        bad_pixels=args.bad_pixels,
        uncertainty=args.uncertainty,
        gain=args.gain,
        readnoise=args.readnoise,
    ).validated()
    combine_options = CombineOptions(args.method)
    progress = terminal_progress()
    # A bad light is reported and the others go on: the summary and the status say so.
    report = LightsReport()
    executor = open_executor(args, default_jobs=os.cpu_count())
    try:
        masters, lights = _run(args, options, combine_options, progress, report, executor)
    finally:
        if executor is not None:
            executor.close()
    progress.done()
    for path in masters:
        print(f"master: {path}")
    for path in lights:
        print(f"calibrated: {path}")
    report_executor(executor)
    summary = f"{len(report.written)} lights calibrated"
    if report.skipped:
        summary += f", {len(report.skipped)} already done (--resume)"
    if report.failed:
        summary += f", {len(report.failed)} failed"
    print(summary + ".")
    for path, why in report.failed:
        print(f"skyglass: failed: {os.path.basename(path)}: {why}", file=sys.stderr)
    return 1 if report.failed else 0


def _run(args, options, combine_options, progress, report, executor):
    """Masters then lights, from a folder (``--auto``) or the files given."""
    from skyglass.processing.calibration.pipeline import (
        build_masters,
        calibrate_folder,
        calibrate_lights,
        planned_outputs,
        refuse_inputs,
        write_masters,
    )
    from skyglass.processing.errors import InvalidParameterError

    if args.auto:
        if args.lights or args.bias or args.dark or args.flat:
            raise InvalidParameterError("--auto takes a folder; do not list frames as well.")
        masters, lights = calibrate_folder(
            args.auto,
            args.output,
            combine_options,
            options,
            args.overwrite,
            progress,
            keep_going=True,
            resume=args.resume,
            report_to=report,
            executor=executor,
        )
    else:
        if not args.lights:
            raise InvalidParameterError("no light frames given (or use --auto DIR).")
        inputs = [*args.bias, *args.dark, *args.flat, *args.lights]
        planned = planned_outputs(args.output, args.bias, args.dark, args.flat, args.lights)
        refuse_inputs(planned, inputs)
        built = build_masters(args.bias, args.dark, args.flat, combine_options, progress)
        masters = write_masters(built, args.output, args.overwrite, inputs)
        lights = calibrate_lights(
            args.lights,
            built,
            args.output,
            options,
            args.overwrite,
            progress,
            inputs=inputs,
            keep_going=True,
            resume=args.resume,
            report_to=report,
            executor=executor,
        )
    return masters, lights


register(
    Command(
        "calibrate", "build masters and calibrate light frames", add_arguments, run, DESCRIPTION
    )
)
