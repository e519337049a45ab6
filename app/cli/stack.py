"""``skyglass stack FILES -o OUT.fits``: align and co-add frames."""

from __future__ import annotations

import argparse
import os

from skyglass.cli.options import (
    add_executor_options,
    check_output,
    open_executor,
    report_executor,
    terminal_progress,
)
from skyglass.cli.table import Command, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from skyglass.processing.calibration.align import ALIGN_METHODS, INTERPOLATION
    from skyglass.processing.calibration.combine import METHODS

    parser.add_argument("files", nargs="+", metavar="FILES")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.fits")
    parser.add_argument("--method", default="median", choices=METHODS)
    parser.add_argument(
        "--normalize",
        default="none",
        choices=tuple(NORMALIZE),
        help="match the frames before combining: 'offset' brings every frame's sky level "
        "(median) to the frames' median level (a sky that brightens through the night, "
        "moonlight); 'offset-scale' also matches their spread (transparency); 'multiply' "
        "scales to a common median (flats). Default: none",
    )
    parser.add_argument("--align", default="shift", choices=ALIGN_METHODS)
    parser.add_argument("--interpolation", default="bilinear", choices=list(INTERPOLATION))
    parser.add_argument("--reference", type=int, default=1, help="reference frame, from 1 (1)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT.fits if it exists")
    parser.add_argument(
        "--best", type=int, metavar="N", help="stack only the N frames with the smallest FWHM"
    )
    parser.add_argument(
        "--max-fwhm", type=float, metavar="PX", help="leave out frames with a larger FWHM"
    )
    add_executor_options(
        parser,
        "register and combine in N local processes, one task per frame and per row band "
        "(default: this process, two threads)",
    )


#: --normalize choices and the CombineOptions.scale each means.
NORMALIZE = {"none": None, "offset": "offset", "offset-scale": "offset-scale", "multiply": "median"}


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.calibration.combine import CombineOptions
    from skyglass.processing.calibration.stacking import stack_files
    from skyglass.processing.errors import InvalidParameterError

    if not 1 <= args.reference <= len(args.files):
        raise InvalidParameterError(f"--reference must be between 1 and {len(args.files)}.")
    check_output(args.output, args.files, args.overwrite)
    progress = terminal_progress()
    files = list(args.files)
    if args.best is not None or args.max_fwhm is not None:
        files = _selected(files, args.best, args.max_fwhm, progress)
        if not 1 <= args.reference <= len(files):
            args.reference = 1
    # Frames are streamed: memory does not grow with their number; moved frames wait in
    # one temporary file beside the output (same disk as the user's data, not /tmp).
    executor = open_executor(args)
    try:
        result = stack_files(
            files,
            method=args.method,
            align=args.align,
            reference=args.reference - 1,
            interpolation=args.interpolation,
            options=CombineOptions(method=args.method, scale=NORMALIZE[args.normalize]),
            progress=progress,
            workdir=os.path.dirname(os.path.abspath(args.output)),
            executor=executor,
        )
    finally:
        if executor is not None:
            executor.close()
    result.write(args.output, overwrite=args.overwrite)
    progress.done()
    report_executor(executor)
    exposure = (
        f"EXPTIME {result.header['EXPTIME']:g} s (total {result.header['TOTEXP']:g} s)"
        if "TOTEXP" in result.header
        else "exposure unknown (no EXPTIME in every frame)"
    )
    matched = "" if args.normalize == "none" else f", normalized ({args.normalize})"
    print(
        f"wrote {args.output}: {len(files)} frames, {args.method}{matched}, aligned by "
        f"{args.align}, " + exposure
    )
    return 0


def _selected(files: list[str], best, max_fwhm, progress) -> list[str]:
    """The frames a quality selection keeps (qualities cached between runs); prints what
    was left out and why."""
    from skyglass.paths import cache_dir
    from skyglass.processing.calibration.selection import (
        QualityCache,
        check_selection,
        measure,
        select,
    )

    check_selection(best, max_fwhm)  # before any frame is measured
    cache = QualityCache(cache_dir() / "frame-quality.json")
    kept, left = select(measure(files, cache, progress), best, max_fwhm)
    for quality, why in left:
        print(f"left out {quality.name}: {why}")
    chosen = {q.path for q in kept}
    return [f for f in files if os.path.abspath(f) in chosen]


register(Command("stack", "align and co-add frames", add_arguments, run))
