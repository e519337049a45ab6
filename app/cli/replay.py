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


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.editing import recipe as recipes

    check_output(args.output, [args.input, args.recipe], args.overwrite)
    recipe = recipes.load(args.recipe)
    progress = terminal_progress()
    frame = recipes.replay(recipe, args.input, progress)
    recipes.save_fits(frame, args.output, overwrite=args.overwrite)
    progress.done()
    print(f"wrote {args.output}: {len(recipe['steps'])} steps from {args.recipe}")
    return 0


register(
    Command("replay", "apply a recipe (exported edit history) to an image", add_arguments, run)
)
