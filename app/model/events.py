"""A tiny observer: the model announces changes through :class:`Event` objects.

Plain callbacks (no Qt signals) keep the model Qt-free; a Qt adapter may forward them.
"""

from __future__ import annotations

from collections.abc import Callable


class Event:
    """Callbacks to call, in connection order, when something happened.

    Parameters
    ----------
    name : str
        For messages and debugging.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        """Call ``callback(*args)`` on every :meth:`emit`; returns it (usable as a decorator)."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable) -> None:
        """Stop calling ``callback`` (no error if it was not connected)."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        """Call every connected callback with ``args``."""
        for callback in list(self._callbacks):
            callback(*args)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._callbacks)} callbacks)"
