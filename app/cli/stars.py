"""``skyglass stars FILE [-o CATALOG]``: find and measure stars, write a catalogue."""

from __future__ import annotations

import argparse

from skyglass.cli.options import add_image_options, check_output, load_image
from skyglass.cli.table import Command, register

CATALOG_SUFFIXES = (".ecsv", ".csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_image_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="CATALOG.ecsv|.csv",
        help="write the catalogue (ECSV keeps units and metadata)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=2.5,
        help="detection threshold in sigma of the background noise (2.5)",
    )
    parser.add_argument(
        "--fwhm", type=float, default=None, help="expected FWHM in pixels (default: measured)"
    )
    parser.add_argument(
        "--min-separation",
        type=float,
        default=0.0,
        help="drop the fainter of two stars closer than this (pixels)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the catalogue")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from skyglass.processing.measure.stars import StarOptions, detect_stars

    options = StarOptions(
        threshold=args.threshold, fwhm=args.fwhm, min_separation=args.min_separation
    ).validated()
    if args.output:
        check_output(
            args.output, [args.file], args.overwrite, CATALOG_SUFFIXES, what="the catalogue"
        )
    image = load_image(args)
    table = detect_stars(image.data[:, :], image.header, options=options)
    meta = table.meta
    print(
        f"{len(table)} stars in {image.name}: FWHM {meta.get('fwhm', float('nan')):.2f} px, "
        f"background {meta.get('background', float('nan')):.6g} +- "
        f"{meta.get('noise', float('nan')):.3g}, threshold {options.threshold:g} sigma"
    )
    if len(table):
        print(
            f"  saturated: {int(table['saturated'].sum())}; median FWHM of stars "
            f"{float(np.median(table['fwhm'][np.isfinite(table['fwhm'])])):.2f} px"
        )
    if args.output:
        from skyglass.processing.io.fileio import atomic_write

        fmt = "ascii.ecsv" if args.output.lower().endswith(".ecsv") else "ascii.csv"
        atomic_write(
            args.output,
            lambda tmp: table.write(tmp, format=fmt, overwrite=True),
            overwrite=args.overwrite,
        )
        print(f"wrote {args.output}")
    return 0


register(Command("stars", "find stars and write a catalogue", add_arguments, run))
