"""Reading and writing: FITS and raster readers, lazy BSCALE/BZERO scaling, row reads, atomic
writes, the in-memory Frame (image + header), sky tables.

Modules are imported by name (``from skyglass.processing.io import <module>``); nothing
is imported here, so using one module never loads the others.
"""
