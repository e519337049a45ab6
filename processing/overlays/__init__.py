"""Overlays computed from the data and the WCS: contours, the RA/Dec grid and compass,
annotated PNGs.

Modules are imported by name (``from skyglass.processing.overlays import <module>``); nothing
is imported here, so using one module never loads the others.
"""
