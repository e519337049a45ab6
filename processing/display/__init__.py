"""Display maths: limits (zscale, minmax, percentiles), DS9 stretches, colormaps, the render
pipeline and its per-plane cache, colorbar ticks.

Modules are imported by name (``from skyglass.processing.display import <module>``); nothing
is imported here, so using one module never loads the others.
"""
