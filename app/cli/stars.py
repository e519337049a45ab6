"""``skyglass stars FILE [-o CATALOG]``: find and measure stars, write a catalogue."""

from __future__ import annotations

import argparse

from skyglass.cli.options import add_image_options, check_output, load_image
from skyglass.cli.table import Command, register
from skyglass.processing.io.skytable import WRITTEN_FORMATS, write_catalog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_image_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="CATALOG",
        help="write the catalogue: .ecsv (units and metadata), .csv, .vot/.xml (VOTable with "
        "UCDs, for TOPCAT and Aladin) or .fits",
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

    from skyglass.cli.heap import keep_freed_memory

    keep_freed_memory()  # one image in a short process: sep's buffers are reused
    from skyglass.processing.measure.stars import StarOptions, detect_stars

    options = StarOptions(
        threshold=args.threshold, fwhm=args.fwhm, min_separation=args.min_separation
    ).validated()
    if args.output:
        check_output(
            args.output, [args.file], args.overwrite, tuple(WRITTEN_FORMATS), what="the catalogue"
        )
    image = load_image(args)
    table = detect_stars(image.data, image.header, options=options)
    meta = table.meta
    if not len(table) and meta.get("note"):
        print(f"0 stars in {image.name}: {meta['note']}.")
    else:
        arcsec = meta.get("fwhm_arcsec")
        scale = f" ({arcsec:.2f} arcsec)" if arcsec else ""
        print(
            f"{len(table)} stars in {image.name}: FWHM {meta.get('fwhm', float('nan')):.2f} px"
            f"{scale} from {meta.get('psf_stars', 0)} isolated stars (Moffat beta "
            f"{meta.get('psf_beta', float('nan')):g}), background "
            f"{meta.get('background', float('nan')):.6g} +- "
            f"{meta.get('noise', float('nan')):.3g}, threshold {options.threshold:g} sigma"
        )
    if len(table):
        counts = {
            name: int(np.count_nonzero(table[name]))
            for name in ("saturated", "blended", "edge", "poor_fit")
        }
        print(
            f"  saturated: {counts['saturated']}, blended: {counts['blended']}, near an edge: "
            f"{counts['edge']}, poor fits (no FWHM of their own): {counts['poor_fit']}"
        )
    if args.output:
        write_catalog(table, args.output, args.overwrite)
        print(f"wrote {args.output}")
    return 0


register(Command("stars", "find stars and write a catalogue", add_arguments, run, quick_exit=True))
