"""``skyglass stack FILES -o OUT.fits``: align and co-add frames."""

from __future__ import annotations

import argparse

from skyglass.cli.options import check_output, terminal_progress
from skyglass.cli.table import Command, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from skyglass.processing.calibration.align import ALIGN_METHODS, INTERPOLATION
    from skyglass.processing.calibration.combine import METHODS

    parser.add_argument("files", nargs="+", metavar="FILES")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.fits")
    parser.add_argument("--method", default="median", choices=METHODS)
    parser.add_argument("--align", default="shift", choices=ALIGN_METHODS)
    parser.add_argument("--interpolation", default="bilinear", choices=list(INTERPOLATION))
    parser.add_argument("--reference", type=int, default=1, help="reference frame, from 1 (1)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT.fits if it exists")


def run(args: argparse.Namespace) -> int:
    import os

    from skyglass.processing.calibration.stacking import stack_files
    from skyglass.processing.errors import InvalidParameterError

    if not 1 <= args.reference <= len(args.files):
        raise InvalidParameterError(f"--reference must be between 1 and {len(args.files)}.")
    check_output(args.output, args.files, args.overwrite)
    progress = terminal_progress()
    # Frames are streamed: memory does not grow with their number; moved frames wait in
    # one temporary file beside the output (same disk as the user's data, not /tmp).
    result = stack_files(
        args.files,
        method=args.method,
        align=args.align,
        reference=args.reference - 1,
        interpolation=args.interpolation,
        progress=progress,
        workdir=os.path.dirname(os.path.abspath(args.output)),
    )
    result.write(args.output, overwrite=args.overwrite)
    progress.done()
    exposure = (
        f"EXPTIME {result.header['EXPTIME']:g} s (total {result.header['TOTEXP']:g} s)"
        if "TOTEXP" in result.header
        else "exposure unknown (no EXPTIME in every frame)"
    )
    print(
        f"wrote {args.output}: {len(args.files)} frames, {args.method}, aligned by {args.align}, "
        + exposure
    )
    return 0


register(Command("stack", "align and co-add frames", add_arguments, run))
