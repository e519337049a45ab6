"""Measuring: star detection and measurement, photometry, region statistics, masks, image
statistics.

Modules are imported by name (``from skyglass.processing.measure import <module>``); nothing
is imported here, so using one module never loads the others.
"""
