"""One mechanism for every extension point: a :class:`Registry` of named entries.

Scales, colormaps, image formats, dock panels and CLI commands are each one registry;
adding one is one :meth:`Registry.register` call, and menus, dialogs and parsers built
from the registry show it at once. A registry reads like a dict of its entries by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by name, in registration order.

    Parameters
    ----------
    what : str
        What the entries are, for messages ("scale", "colormap").
    key : callable
        ``key(entry) -> str``: the entry's name (default: its ``name`` attribute).
    load : callable, optional
        Called once before the first read, to import the modules that register the
        built-in entries (so importing the registry alone stays cheap).
    on_change : callable, optional
        Called after every change (e.g. to clear a cache).
    """

    def __init__(
        self,
        what: str,
        key: Callable[[T], str] = lambda entry: entry.name,
        load: Callable[[], None] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.what = what
        self._key = key
        self._load = load
        self._on_change = on_change
        self._entries: dict[str, T] = {}

    def _loaded(self) -> dict[str, T]:
        if self._load is not None:
            load, self._load = self._load, None
            load()
        return self._entries

    def register(self, entry: T) -> T:
        """Add ``entry`` (replacing one of the same name); returns it."""
        self._entries[self._key(entry)] = entry
        if self._on_change is not None:
            self._on_change()
        return entry

    def unregister(self, name: str) -> None:
        """Remove the entry ``name`` (no error if there is none)."""
        self._entries.pop(name, None)
        if self._on_change is not None:
            self._on_change()

    def __getitem__(self, name: str) -> T:
        return self._loaded()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._loaded()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._loaded()))

    def __len__(self) -> int:
        return len(self._loaded())

    def names(self) -> list[str]:
        return list(self._loaded())

    def values(self) -> list[T]:
        return list(self._loaded().values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._loaded().items())

    def get(self, name: str, default: T | None = None) -> T | None:
        return self._loaded().get(name, default)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self._entries)})"
