"""Menus from a declarative table: each :class:`ActionSpec` is one menu item.

A command is looked up by name in a mapping the composition root builds from the
controllers, and is called the way a person triggers it: plain items with no argument
(``triggered``'s ``checked`` never leaks into a slot's optional parameters), checkable
items with their new state, radio items with their value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6 import QtGui, QtWidgets

#: Menu titles with their mnemonics, in menu-bar order.
MENU_TITLES = {
    "File": "&File",
    "Zoom": "&Zoom",
    "Scale": "&Scale",
    "Color": "&Color",
    "Edit": "&Edit",
    "Frame": "F&rame",
    "Analysis": "&Analysis",
    "Calibrate": "C&alibrate",
    "Window": "&Window",
    "Help": "&Help",
}

_NO_ARG = object()


@dataclass(frozen=True)
class ActionSpec:
    """One menu item.

    Attributes
    ----------
    menu : str
        ``"File"`` or a submenu path ``"File/SA&MP"``.
    text : str
        The item's text (``&`` marks the mnemonic).
    command : str
        Name of the command to run; empty for a submenu placeholder (``submenu=True``).
    shortcut : str or QKeySequence.StandardKey or None
    tip : str
        Tooltip and status-bar text.
    checkable : bool
        A check box (the command gets the new state) or, with ``group``, a radio item.
    state : str or None
        Name of a state function: ``state()`` (or ``state(arg)`` for radio items) says
        whether the item is checked; refreshed from the model.
    enabled : str or None
        Name of a state function saying whether the item is enabled.
    group : str or None
        Radio items of one group exclude each other.
    arg : object
        Passed to the command (radio items: the value chosen).
    separator : bool
        A separator line before the item.
    submenu : bool
        Create the submenu ``menu + "/" + text`` here (filled elsewhere, e.g. recent files).
    """

    menu: str
    text: str
    command: str = ""
    shortcut: object = None
    tip: str = ""
    checkable: bool = False
    state: str | None = None
    enabled: str | None = None
    group: str | None = None
    arg: object = _NO_ARG
    separator: bool = False
    submenu: bool = False

    @property
    def key(self) -> str:
        """A unique name: the command, with the radio value."""
        return self.command if self.arg is _NO_ARG else f"{self.command}:{self.arg}"


class ActionTable:
    """The menus built from specs; :meth:`refresh` re-reads check and enabled states."""

    def __init__(
        self,
        window: QtWidgets.QMainWindow,
        specs: list[ActionSpec],
        commands: Mapping[str, Callable],
        states: Mapping[str, Callable],
    ) -> None:
        self.window = window
        self.specs = specs
        self.states = states
        self.actions: dict[str, QtGui.QAction] = {}
        self.menus: dict[str, QtWidgets.QMenu] = {}
        self._groups: dict[str, QtGui.QActionGroup] = {}
        bar = window.menuBar()
        for name, title in MENU_TITLES.items():
            self.menus[name] = bar.addMenu(title)
        for spec in specs:
            menu = self._menu(spec.menu)
            if spec.separator:
                menu.addSeparator()
            if spec.submenu:
                self._menu(f"{spec.menu}/{spec.text}")
                continue
            if spec.command not in commands:
                raise KeyError(f"menu item {spec.text!r}: no command {spec.command!r}")
            self.actions[spec.key] = self._action(menu, spec, commands[spec.command])
        self.refresh()

    def _menu(self, path: str) -> QtWidgets.QMenu:
        if path not in self.menus:
            parent, _, title = path.rpartition("/")
            menu = self._menu(parent).addMenu(title)
            menu.setToolTipsVisible(True)
            self.menus[path] = menu
        return self.menus[path]

    def _action(self, menu: QtWidgets.QMenu, spec: ActionSpec, command: Callable):
        act = QtGui.QAction(spec.text, self.window)
        if spec.shortcut is not None:
            act.setShortcut(QtGui.QKeySequence(spec.shortcut))
        if spec.tip:
            act.setStatusTip(spec.tip)
            act.setToolTip(spec.tip)
        act.setCheckable(spec.checkable)
        if spec.group:
            if spec.group not in self._groups:
                group = QtGui.QActionGroup(self.window)
                # Optional: user limits, for one, check none of the limit items.
                group.setExclusionPolicy(QtGui.QActionGroup.ExclusionPolicy.ExclusiveOptional)
                self._groups[spec.group] = group
            self._groups[spec.group].addAction(act)
        if spec.arg is not _NO_ARG:
            act.triggered.connect(lambda _checked=False, a=spec.arg: command(a))
        elif spec.checkable:
            act.triggered.connect(lambda checked: command(bool(checked)))
        else:
            act.triggered.connect(lambda _checked=False: command())
        menu.addAction(act)
        return act

    def refresh(self) -> None:
        """Set every check box and enabled flag from its state function."""
        for spec in self.specs:
            act = self.actions.get(spec.key)
            if act is None:
                continue
            if spec.state is not None:
                fn = self.states[spec.state]
                checked = fn(spec.arg) if spec.arg is not _NO_ARG else fn()
                if act.isChecked() != bool(checked):
                    act.setChecked(bool(checked))
            if spec.enabled is not None:
                act.setEnabled(bool(self.states[spec.enabled]()))

    def __getitem__(self, key: str) -> QtGui.QAction:
        return self.actions[key]
