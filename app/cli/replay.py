"""``skyglass replay RECIPE.json INPUT -o OUT.fits``: re-run an exported edit history."""

from __future__ import annotations

import argparse

from skyglass.cli.options import check_output, terminal_progress
from skyglass.cli.table import Command, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", metavar="RECIPE.json")
    parser.add_argument("input", metavar="INPUT")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.fits")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT.fits if it exists")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--all-planes", action="store_true", help="apply the recipe to every plane of a cube"
    )
    group.add_argument(
        "--plane-only",
        action="store_true",
        help="write the edited plane alone (not the rest of the input file)",
    )


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.editing import recipe as recipes
    from skyglass.processing.errors import SkyglassError
    from skyglass.processing.io.reader import FITS_SUFFIXES, open_image
    from skyglass.processing.io.save import ShapeChangedError, save_edited

    check_output(
        args.output,
        [args.input, args.recipe],
        args.overwrite,
        suffixes=FITS_SUFFIXES,
        what="the edited file (FITS keeps the data and its history)",
    )
    recipe = recipes.load(args.recipe)
    image = open_image(args.input, hdu=recipe.get("hdu"))
    is_fits, hdu, nplanes = image.is_fits, image.hdu_index, image.nplanes
    plane = recipe.get("plane") or 0
    whole = plane in (recipes.COLOUR, recipes.ALL_PLANES)
    plane = 0 if nplanes == 1 or whole else int(plane)
    image.close()
    progress = terminal_progress()
    steps = recipes.steps_of(recipe)
    if args.all_planes and nplanes > 1:
        frames = recipes.every_plane(steps, args.input, hdu, progress)
        lines = save_edited(
            args.input, hdu, 0, frames[0], args.output, args.overwrite, all_planes=frames
        )
    else:
        frame = recipes.replay(recipe, args.input, progress)
        if not is_fits or args.plane_only:
            recipes.save_fits(frame, args.output, overwrite=args.overwrite)
            lines = ["the edited image alone"]
        else:
            try:
                lines = save_edited(args.input, hdu, plane, frame, args.output, args.overwrite)
            except ShapeChangedError as exc:
                raise SkyglassError(
                    f"{exc} (--all-planes applies the recipe to every plane; --plane-only "
                    "writes the edited plane alone)"
                ) from None
    progress.done()
    print(f"wrote {args.output}: {len(recipe['steps'])} steps from {args.recipe}")
    for line in lines:
        print(f"  {line}")
    return 0


register(
    Command("replay", "apply a recipe (exported edit history) to an image", add_arguments, run)
)
