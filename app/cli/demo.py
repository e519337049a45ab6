"""``skyglass demo DIR``: write a synthetic observing night with its truth files."""

from __future__ import annotations

import argparse

from skyglass.cli.options import terminal_progress
from skyglass.cli.table import Command, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR")
    parser.add_argument("--size", type=int, default=2048, help="frame size in pixels (2048)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.demo import generate_night

    progress = terminal_progress()
    night = generate_night(args.folder, size=args.size, seed=args.seed, progress=progress)
    progress.done()
    print(
        f"wrote {len(night.all_frames)} frames to {night.folder}: {len(night.biases)} biases, "
        f"{len(night.darks)} darks, {len(night.flats)} flats, {len(night.lights)} lights; "
        f"truth in {night.truth}"
    )
    return 0


register(Command("demo", "write a synthetic observing night with truth files", add_arguments, run))
