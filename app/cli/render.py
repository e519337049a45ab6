"""``skyglass render FILE -o OUT.png|.jpg|.tif``: draw an image as DS9 shows it, optionally
annotated."""

from __future__ import annotations

import argparse
import sys

from skyglass.cli.options import add_image_options, check_output, load_image
from skyglass.cli.table import Command, register


def _quality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(
            f"JPEG quality is a whole number from 1 to 100, got {text!r}"
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from skyglass.processing.display.colormaps import COLORMAPS
    from skyglass.processing.display.stretch import SCALES

    add_image_options(parser)
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT.png", help="PNG, JPEG (.jpg) or TIFF (.tif)"
    )
    parser.add_argument("--quality", type=_quality, default=92, help="JPEG quality, 1-100 (92)")
    parser.add_argument("--scale", default="linear", help="one of: " + ", ".join(SCALES))
    parser.add_argument("--exponent", type=float, default=1000.0, help="log/pow exponent (1000)")
    parser.add_argument("--cmap", default="grey", help="one of: " + ", ".join(COLORMAPS))
    parser.add_argument("--invert", action="store_true", help="invert the colormap")
    parser.add_argument("--contrast", type=float, default=1.0, help="DS9 contrast (1)")
    parser.add_argument("--bias", type=float, default=0.5, help="DS9 bias (0.5)")
    parser.add_argument("--zoom", default="1", help="zoom factor, e.g. 2, 0.5 or 1/4 (1)")
    parser.add_argument("--stars", action="store_true", help="find stars and circle them")
    parser.add_argument("--regions", metavar="FILE.reg", help="draw a DS9 region file")
    parser.add_argument("--colorbar", action="store_true", help="add a colorbar under the image")
    parser.add_argument(
        "--compass", action="store_true", help="north/east arrows and a scale bar (needs a WCS)"
    )


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.display.render import DisplaySettings, zoom_factor
    from skyglass.processing.io.writers import suffixes
    from skyglass.processing.overlays.annotate import Annotations, save_annotated

    zoom = zoom_factor(args.zoom)
    settings = DisplaySettings(
        scale=args.scale,
        exponent=args.exponent,
        limits=args.limits or "minmax",
        contrast=args.contrast,
        bias=args.bias,
        cmap=args.cmap,
        invert=args.invert,
    ).validated()
    # A rendered PNG is derived output, replaced like any -o target (never an input).
    inputs = [args.file] + ([args.regions] if args.regions else [])
    check_output(args.output, inputs, overwrite=True, suffixes=suffixes("view"), what="the image")
    image = load_image(args)
    # A colour image (or a cube marked RGB) renders as a composite, annotated or not.
    composite = image.is_rgb and args.plane is None
    shown = [image.cube.plane(i) for i in range(3)] if composite else image.data
    ann = Annotations(
        colorbar=args.colorbar, compass=args.compass, scalebar=args.compass, unit=image.bunit
    )
    if args.stars:
        from skyglass.processing.measure.stars import detect_stars

        ann.stars = detect_stars(image.data, image.header)
    if args.regions:
        from skyglass.processing.measure.regionstats import read_regions

        ann.regions = read_regions(args.regions, image.wcs, image.shape)
    if args.compass and image.wcs is None:
        print("skyglass: note: no WCS, so no compass or scale bar", file=sys.stderr)
    if args.colorbar and composite:
        print("skyglass: note: a colour composite has no colorbar", file=sys.stderr)
    width, height = save_annotated(
        args.output, shown, settings, image.header, ann, zoom, quality=args.quality
    )
    extra = f", {len(ann.stars)} stars" if ann.stars is not None else ""
    extra += f", {len(ann.regions)} regions" if ann.regions else ""
    print(f"wrote {args.output} ({width} x {height}){extra}")
    return 0


register(
    Command(
        "render",
        "render an image to PNG, JPEG or TIFF as DS9 shows it",
        add_arguments,
        run,
        quick_exit=True,
    )
)
