"""Where Skyglass keeps its own files (the demo night lives in the user's cache folder)."""

from __future__ import annotations

import os
from pathlib import Path

#: Size of the built-in demo night; bump DEMO_VERSION when the generator changes.
DEMO_SIZE = 2048
DEMO_SEED = 1
DEMO_VERSION = "1"


def cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/skyglass`` or ``~/.cache/skyglass``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "skyglass"


def demo_dir() -> Path:
    return cache_dir() / f"demo-night-v{DEMO_VERSION}-{DEMO_SIZE}-{DEMO_SEED}"


def ensure_demo_night(progress=None) -> Path:
    """Generate the demo night once into the cache and return its folder.

    A marker file is written last, so an interrupted generation is redone next time.
    """
    folder = demo_dir()
    marker = folder / ".complete"
    if not marker.exists():
        from processing.demo import generate_night

        generate_night(folder, size=DEMO_SIZE, seed=DEMO_SEED, progress=progress)
        marker.write_text("ok\n")
    return folder


def demo_first_light(folder: Path) -> Path:
    """The light frame the app opens first."""
    return folder / "light_V_001.fits"
