"""Logging for the command line and the window: one set-up, the standard ``logging`` module.

``--verbose`` shows INFO messages on stderr, ``--debug`` DEBUG ones; by default only
warnings. The window also writes a rotating log file in the user's cache folder, so a
problem seen on screen can be reported with its context.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

#: Flags every command (and the window) accepts; read before argparse so imports log too.
VERBOSE_FLAGS = ("--verbose", "--debug")

_FORMAT = "skyglass: %(levelname)s: %(name)s: %(message)s"
_FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_from_argv(argv: list[str]) -> int:
    """The logging level the flags in ``argv`` ask for (WARNING when none)."""
    if "--debug" in argv:
        return logging.DEBUG
    if "--verbose" in argv:
        return logging.INFO
    return logging.WARNING


def configure(level: int = logging.WARNING, log_file: Path | None = None) -> None:
    """Send Skyglass's log records to stderr at ``level`` and, if given, to ``log_file``.

    The file gets INFO and above whatever the terminal level (DEBUG with ``--debug``); a
    file that cannot be written is skipped with a warning, never an error.
    """
    root = logging.getLogger("skyglass")
    root.handlers.clear()
    root.propagate = False
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(level)
    console.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(console)
    root.setLevel(min(level, logging.INFO) if log_file else level)
    if log_file is not None:
        from logging.handlers import RotatingFileHandler  # the window's log only: 5 ms

        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(
                log_file, maxBytes=1_000_000, backupCount=2, encoding="utf-8"
            )
        except OSError as exc:
            root.warning("cannot write the log file %s: %s", log_file, exc)
        else:
            handler.setLevel(min(level, logging.INFO))
            handler.setFormatter(logging.Formatter(_FILE_FORMAT))
            root.addHandler(handler)
    logging.captureWarnings(level <= logging.DEBUG)
