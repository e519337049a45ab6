"""Pure image science for Skyglass: reading, display math, calibration, editing, measuring.

Nothing here imports Qt or pyqtgraph; every function runs headless.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    #: The installed distribution's version; pyproject.toml states it once.
    __version__ = version("skyglass")
except PackageNotFoundError:  # running from an unpacked source tree that was never installed
    __version__ = "0+unknown"
