"""``skyglass header FILE``: print a header, or write a copy with cards set or deleted."""

from __future__ import annotations

import argparse

from skyglass.cli.options import check_output, hdu_arg
from skyglass.cli.table import Command, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a FITS file (FILE[ext] picks an HDU)")
    parser.add_argument(
        "--hdu", type=hdu_arg, default=None, help="HDU number (0 = primary) or EXTNAME"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE[/COMMENT]",
        help="set a card (T/F, numbers and 'quoted strings' are typed as FITS types them); "
        "HISTORY=text or COMMENT=text adds a line",
    )
    parser.add_argument(
        "--delete", action="append", default=[], metavar="KEY", help="delete a card"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT.fits", help="write the edited copy here")
    where.add_argument(
        "--in-place",
        action="store_true",
        help="edit FILE itself (atomically; the original is kept as FILE.bak)",
    )
    parser.add_argument("--no-backup", action="store_true", help="with --in-place: no FILE.bak")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT.fits if it exists")


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.errors import SkyglassError
    from skyglass.processing.io.filespec import split_file_spec
    from skyglass.processing.io.header_edit import (
        CardEdit,
        edit_file_header,
        parse_assignment,
    )
    from skyglass.processing.io.reader import FITS_SUFFIXES, list_hdus

    path, spec_hdu, _ = split_file_spec(args.file)
    hdu = args.hdu if args.hdu is not None else spec_hdu
    infos = list_hdus(path)  # a clear message for a missing or unreadable file
    if not path.lower().endswith(FITS_SUFFIXES):
        raise SkyglassError(f"{path}: header edits need a FITS file.")
    edits = [parse_assignment(text) for text in args.set]
    edits += [CardEdit("delete", key) for key in args.delete]
    if not edits:
        if args.output or args.in_place:
            raise SkyglassError("nothing to change: give --set KEY=VALUE or --delete KEY.")
        _print_header(path, hdu, infos)
        return 0
    if args.in_place:
        output, backup = path, not args.no_backup
    elif args.output:
        check_output(args.output, [path], args.overwrite, suffixes=FITS_SUFFIXES, what="the copy")
        output, backup = args.output, False
    else:
        raise SkyglassError(
            "refusing to write: give -o OUT.fits for an edited copy, or --in-place to edit "
            f"{path} itself (kept as {path}.bak)."
        )
    lines = edit_file_header(
        path, hdu, edits, output, overwrite=args.in_place or args.overwrite, backup=backup
    )
    print(f"wrote {output}" + (f" (original kept as {path}.bak)" if backup else ""))
    for line in lines:
        print(f"  {line}")
    return 0


def _print_header(path: str, hdu, infos) -> None:
    from astropy.io import fits

    from skyglass.processing.errors import SkyglassError

    with fits.open(path) as hdul:
        try:
            header = hdul[hdu if hdu is not None else 0].header
        except (KeyError, IndexError):
            names = ", ".join(f"{i.index} {i.name}" for i in infos)
            raise SkyglassError(f"{path} has no HDU {hdu} (it has: {names}).") from None
        print(header.tostring(sep="\n", padding=False).rstrip())


register(
    Command(
        "header",
        "print a FITS header, or write a copy with cards set or deleted",
        add_arguments,
        run,
        description="Print the header of FILE (FILE[ext] or --hdu picks the HDU), or write a "
        "copy with --set/--delete applied and the pixels untouched: -o OUT.fits for a new "
        "file, --in-place to edit FILE itself (atomic, original kept as FILE.bak).",
    )
)
