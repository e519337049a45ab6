"""Pure image science for Skyglass: reading, display math, calibration, editing, measuring.

Nothing here imports Qt or pyqtgraph; every function runs headless.
"""

from functools import cache


@cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        # The installed distribution's version; pyproject.toml states it once.
        return version("skyglass")
    except PackageNotFoundError:  # an unpacked source tree that was never installed
        return "0+unknown"


def __getattr__(name: str):
    # ``__version__`` on first use: importlib.metadata costs 0.05 s, a tenth of a small
    # frame's whole `skyglass stars` run, and most commands never print the version.
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module 'skyglass.processing' has no attribute {name!r}")
