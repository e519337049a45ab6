"""Skyglass: an interactive FITS viewer and editor in the spirit of SAOImage DS9.

The package root is the application shell (command line, window, documents); the science
lives in :mod:`skyglass.processing` (no Qt), the widgets in :mod:`skyglass.viewer`.
Importing ``skyglass`` stays light: nothing here loads Qt, numpy or astropy.
"""

__all__ = ["Viewer", "__version__", "show"]


def __getattr__(name: str):
    # skyglass.show() from scripts and notebooks, loaded on first use so that importing
    # skyglass stays light (no Qt, numpy or astropy).
    if name in ("show", "Viewer"):
        from skyglass import remote

        return getattr(remote, name)
    if name == "__version__":
        from skyglass import processing

        return processing.__version__
    raise AttributeError(f"module 'skyglass' has no attribute {name!r}")
