"""The ``skyglass`` command line: one module per command, registered in :mod:`.table`."""

from skyglass.cli.entry import console, main

__all__ = ["console", "main"]
