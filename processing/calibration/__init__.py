"""Calibrating and stacking a night: masters and light calibration, combining in bounded
memory, alignment, the night library and night log.

Modules are imported by name (``from skyglass.processing.calibration import <module>``);
nothing
is imported here, so using one module never loads the others.
"""
