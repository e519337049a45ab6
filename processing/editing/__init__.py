"""Editing: the operations (geometry, intensity, restoration, arithmetic), their registry,
edit history, recipes and WCS updates.

Modules are imported by name (``from skyglass.processing.editing import <module>``); nothing
is imported here, so using one module never loads the others.
"""
