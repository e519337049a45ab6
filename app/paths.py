"""Where Skyglass keeps its own files: the platform's per-user cache, config and data folders.

The folders come from ``platformdirs`` (Qt-free, so the command line and the window agree):
``~/.cache/skyglass`` on Linux (``$XDG_CACHE_HOME`` honoured), ``~/Library/Caches/skyglass``
on macOS, ``%LOCALAPPDATA%\\skyglass\\Cache`` on Windows. The demo night lives in the cache.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "skyglass"

#: Size of the built-in demo night; bump DEMO_VERSION when the generator changes.
DEMO_SIZE = 2048
DEMO_SEED = 1
DEMO_VERSION = "1"


def cache_dir() -> Path:
    """The per-user cache folder (demo night, log file)."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The per-user configuration folder (the window's settings file)."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_home() -> Path:
    """The per-user data folder of the desktop (``$XDG_DATA_HOME``, ``~/.local/share``)."""
    return platformdirs.user_data_path()


def log_file() -> Path:
    """The window's log file, in the cache folder."""
    return cache_dir() / "skyglass.log"


def documents_dir() -> Path:
    """Where Skyglass puts results a user keeps, when they come from a cached night."""
    return platformdirs.user_documents_path() / "Skyglass"


def calibration_output(night: str | Path) -> Path:
    """The default folder for a night's masters and calibrated lights: ``NIGHT/calibrated``,
    except for a night inside the cache (the demo), whose results go to the documents
    folder so they are never cleaned away with the cache."""
    night = Path(night).resolve()
    cache = cache_dir().resolve()
    if night == cache or cache in night.parents:
        return documents_dir() / f"{night.name}-calibrated"
    return night / "calibrated"


def demo_dir() -> Path:
    """The folder the built-in demo night is written to."""
    return cache_dir() / f"demo-night-v{DEMO_VERSION}-{DEMO_SIZE}-{DEMO_SEED}"


def ensure_demo_night(progress=None) -> Path:
    """Generate the demo night once into the cache and return its folder.

    A marker file is written last, so an interrupted generation is redone next time.
    """
    folder = demo_dir()
    marker = folder / ".complete"
    if not marker.exists():
        from skyglass.processing.demo import generate_night

        generate_night(folder, size=DEMO_SIZE, seed=DEMO_SEED, progress=progress)
        marker.write_text("ok\n")
    return folder


def demo_first_light(folder: Path) -> Path:
    """The light frame the app opens first."""
    return folder / "light_V_001.fits"
