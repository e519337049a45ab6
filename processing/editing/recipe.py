"""Recipes: the edit history as JSON or as a Python script, and replaying it.

``skyglass replay RECIPE.json INPUT -o OUT.fits``, the exported script and the window all
apply the same registered functions with the same parameters to float32 data, so their
results are identical bit for bit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np

from skyglass.processing import __version__
from skyglass.processing.editing.history import Step
from skyglass.processing.editing.registry import apply_operation, get
from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.fileio import atomic_write
from skyglass.processing.io.frame import Frame, deferred_history
from skyglass.processing.progress import ProgressCallback, scaled

FORMAT = "skyglass-recipe"
#: Version 2: affine and projective matrices mean what scikit-image's warp(image, tform)
#: means (output -> input) unless the step says ``map``; speckle noise has ``fraction``.
VERSION = 2


#: The ``plane`` of a recipe that edits a colour image: its R, G and B planes together.
COLOUR = "rgb"
#: The ``plane`` of a recipe that edits every plane of a cube.
ALL_PLANES = "all"


def load_input(
    path: str | os.PathLike, hdu: int | str | None = None, plane: int | str = 0
) -> Frame:
    """Read the image a recipe starts from, as the window does (float32, header kept, the
    file's mask and uncertainty); ``plane="rgb"``: the three planes of a colour image."""
    from skyglass.processing.io.reader import open_image

    colour, every = plane == COLOUR, plane == ALL_PLANES
    image = open_image(path, hdu=hdu, plane=0 if colour or every else int(plane or 0))
    header = image.header.copy()
    for key in ("BZERO", "BSCALE", "BLANK"):
        header.remove(key, ignore_missing=True)
    if colour:
        if image.nplanes != 3:
            raise SkyglassError(
                f"{image.name}: the recipe edits a colour image, but this one has "
                f"{image.nplanes} plane(s)."
            )
        data = np.stack([np.asarray(image.cube.plane(i)[:, :], np.float32) for i in range(3)])
        return Frame(data, header, None, image.name, [image.name])
    if every:
        n = image.nplanes
        data = np.stack([np.asarray(image.cube.plane(i)[:, :], np.float32) for i in range(n)])
        return Frame(data, header, None, image.name, [image.name])
    data = np.ascontiguousarray(image.data[:, :], dtype=np.float32)
    sigma = image.uncertainty()
    return Frame(data, header, image.file_mask(), image.name, [image.name], uncertainty=sigma)


def to_dict(
    steps: Sequence[Step], source: str = "", hdu: int | None = None, plane: int | str = 0
) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "software": f"Skyglass {__version__}",
        "source": os.path.basename(source),
        "hdu": hdu,
        "plane": plane,
        "steps": [s.to_dict() for s in steps if not s.is_mask],
    }


def save(
    path: str | os.PathLike,
    steps: Sequence[Step],
    source: str = "",
    hdu: int | None = None,
    plane: int | str = 0,
    overwrite: bool = True,
) -> None:
    """Write the recipe as JSON (atomically)."""
    text = json.dumps(to_dict(steps, source, hdu, plane), indent=2) + "\n"
    atomic_write(path, lambda tmp: open(tmp, "w").write(text), overwrite=overwrite)


def load(path: str | os.PathLike) -> dict:
    """Read and check a recipe."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path) as fh:
            recipe = json.load(fh)
    except FileNotFoundError:
        raise SkyglassError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SkyglassError(f"{name}: not a readable recipe ({exc}).") from None
    except RecursionError:
        raise SkyglassError(f"{name}: not a recipe (nested too deeply).") from None
    if not isinstance(recipe, dict) or recipe.get("format") != FORMAT:
        raise SkyglassError(f'{name}: not a Skyglass recipe (no "format": "{FORMAT}").')
    version = _version(recipe, name)
    _check_shape(recipe, name)
    for step in recipe["steps"]:
        # validates names and values
        get(step["op"]).resolve(upgrade_step(step["op"], step.get("params", {}), version))
    return recipe


def _check_shape(recipe: dict, name: str) -> None:
    """The recipe's structure (types of steps, params, hdu, plane), before any value."""
    steps = recipe.get("steps")
    if not isinstance(steps, list):
        raise SkyglassError(f'{name}: the recipe has no list of "steps".')
    for i, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str):
            raise SkyglassError(f"{name}: step {i} has no operation.")
        if not isinstance(step.get("params", {}), dict):
            raise SkyglassError(f"{name}: step {i}: params must be a mapping of names to values.")
    hdu, plane = recipe.get("hdu"), recipe.get("plane")
    if hdu is not None and (isinstance(hdu, bool) or not isinstance(hdu, (int, str))):
        raise SkyglassError(f'{name}: "hdu" must be an HDU number or name, not {hdu!r}.')
    if plane is not None and (
        isinstance(plane, bool)
        or not isinstance(plane, (int, str))
        or (isinstance(plane, str) and plane not in (COLOUR, ALL_PLANES) and not plane.isdigit())
    ):
        raise SkyglassError(
            f'{name}: "plane" must be a plane number, "{COLOUR}" or "{ALL_PLANES}", not {plane!r}.'
        )


def upgrade_step(op: str, params: dict, version: int = VERSION) -> dict:
    """Parameters of a step written by an earlier Skyglass, as this one names them, so an
    old recipe replays exactly as it did."""
    params = dict(params)
    if version < 2:
        if op == "noise" and params.get("kind") == "speckle" and "fraction" not in params:
            # Speckle's relative scatter was called sigma (shared with gaussian noise).
            params["fraction"] = params.pop("sigma", 0.1)
        if op in ("affine", "projective") and "map" not in params:
            # Version 1 read the matrix as moving the picture (input -> output).
            params["map"] = "input-to-output"
    return params


def _version(recipe: dict, name: str = "recipe") -> int:
    version = recipe.get("version", 1)
    if not isinstance(version, int) or not 1 <= version <= VERSION:
        raise SkyglassError(
            f"{name}: recipe format version {version!r}; this Skyglass reads 1 to {VERSION}."
        )
    return version


def steps_of(recipe: dict) -> list[Step]:
    version = _version(recipe)
    return [
        Step(s["op"], upgrade_step(s["op"], s.get("params", {}), version))
        for s in recipe.get("steps", [])
    ]


def apply_steps(
    frame: Frame, steps: Sequence[Step], progress: ProgressCallback | None = None
) -> Frame:
    """Apply ``steps`` in order (time linear in the number of steps: the HISTORY lines are
    added to the header once, at the end)."""
    n = max(len(steps), 1)
    start = frame.header
    with deferred_history() as history:
        for i, step in enumerate(steps):
            part = scaled(progress, i / n, (i + 1) / n)
            frame = apply_operation(frame, step.op, step.params, part)
    if history:
        if frame.header is start:  # never write into the caller's header
            frame.header = start.copy()
        for line in history:
            frame.header.add_history(line)
    return frame


def replay(
    recipe: dict, input_path: str | os.PathLike, progress: ProgressCallback | None = None
) -> Frame:
    """Replay a recipe on ``input_path``."""
    frame = load_input(input_path, recipe.get("hdu"), recipe.get("plane") or 0)
    return apply_steps(frame, steps_of(recipe), progress)


def save_fits(frame: Frame, path: str | os.PathLike, overwrite: bool = False) -> None:
    """Write an edited image alone: float32 data, the header with HISTORY of every step."""
    frame.write(path, overwrite=overwrite)


def every_plane(
    steps: Sequence[Step],
    source: str | os.PathLike,
    hdu: int | str | None,
    progress: ProgressCallback | None = None,
) -> list[Frame]:
    """The same steps applied to every plane of a cube (pixel steps only: a mask belongs
    to one plane)."""
    from skyglass.processing.io.reader import open_image

    image = open_image(source, hdu=hdu)
    n = image.nplanes
    image.close()
    pixel_steps = [s for s in steps if not s.is_mask]
    return [
        apply_steps(load_input(source, hdu, p), pixel_steps, scaled(progress, p / n, (p + 1) / n))
        for p in range(n)
    ]


def python_script(
    steps: Sequence[Step], source: str = "input.fits", hdu: int | None = None, plane: int | str = 0
) -> str:
    """A runnable script that reproduces the edits with the processing package."""
    lines = [
        '"""Reproduce a Skyglass edit history. Run: python this_script.py INPUT OUTPUT.fits"""',
        "",
        "import sys",
        "",
        "from skyglass.processing.editing.recipe import load_input, save_fits",
        "from skyglass.processing.editing.registry import apply_operation",
        "",
        f"source = sys.argv[1] if len(sys.argv) > 1 else {os.path.basename(source)!r}",
        "output = sys.argv[2] if len(sys.argv) > 2 else 'edited.fits'",
        f"image = load_input(source, hdu={hdu!r}, plane={plane!r})",
    ]
    for step in steps:
        if not step.is_mask:  # mask edits are not pixel operations
            lines.append(f"image = apply_operation(image, {step.op!r}, {step.params!r})")
    lines += ["save_fits(image, output, overwrite=True)", "print('wrote', output)", ""]
    return "\n".join(lines)


def save_script(
    path: str | os.PathLike,
    steps: Sequence[Step],
    source: str = "",
    hdu: int | None = None,
    plane: int | str = 0,
) -> None:
    text = python_script(steps, source or "input.fits", hdu, plane)
    atomic_write(path, lambda tmp: open(tmp, "w").write(text), overwrite=True)
