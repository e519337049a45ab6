"""Skyglass application shell: CLI entry point, main window, documents and jobs."""

__version__ = "0.1.0"
