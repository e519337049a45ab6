"""Skyglass: an interactive FITS viewer and editor in the spirit of SAOImage DS9.

The package root is the application shell (command line, window, documents); the science
lives in :mod:`skyglass.processing` (no Qt), the widgets in :mod:`skyglass.viewer`.
Importing ``skyglass`` stays light: nothing here loads Qt, numpy or astropy.
"""

from skyglass.processing import __version__

__all__ = ["__version__"]
