"""The ``skyglass`` command line: one module per command, registered in :mod:`.table`."""

from skyglass.cli.entry import main

__all__ = ["main"]
