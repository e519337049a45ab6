"""Progress reporting and cancellation for long operations, shared by every one of them.

A long function takes ``progress=None``: a callable ``progress(fraction, message)`` that
may return True to cancel. The function calls :func:`report` at safe points, which
raises :class:`Cancelled`; since processing functions never modify their inputs, a
cancelled job leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from skyglass.processing.errors import SkyglassError

ProgressCallback = Callable[[float, str], "bool | None"]


class Cancelled(SkyglassError, InterruptedError):
    """The user cancelled a long operation."""


def report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    """Report progress; raise :class:`Cancelled` if the callback asks to stop."""
    if progress is not None and progress(min(max(fraction, 0.0), 1.0), message):
        raise Cancelled(f"cancelled: {message}")


def scaled(progress: ProgressCallback | None, start: float, stop: float) -> ProgressCallback | None:
    """A callback reporting ``[0, 1]`` of a sub-step as ``[start, stop]`` of the whole."""
    if progress is None:
        return None
    return lambda f, m: progress(start + (stop - start) * f, m)
