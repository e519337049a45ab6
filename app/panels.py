"""Dock panels as data: each :class:`PanelSpec` is one dock of the window.

The composition root builds every dock from this table (and the Window menu from the
docks), so a new panel is one ``PANELS.register(PanelSpec(...))`` call: its factory gets
the window's :class:`PanelContext` and returns the widget. A panel that shows per-frame state has a
``set_frame(state)`` method, called whenever another frame becomes current.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from skyglass.processing.registries import Registry

AREAS = {
    "left": QtCore.Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": QtCore.Qt.DockWidgetArea.RightDockWidgetArea,
    "bottom": QtCore.Qt.DockWidgetArea.BottomDockWidgetArea,
}


@dataclass(frozen=True)
class PanelContext:
    """What panel factories may use: the model and the shell's services."""

    window: QtWidgets.QMainWindow
    workspace: object
    runner: object
    canvas: object
    files: object
    editing: object
    overlays: object
    modes: object
    show_error: Callable[[str], None]


@dataclass(frozen=True)
class PanelSpec:
    """One dock.

    Attributes
    ----------
    key : str
        Name used by menus and tests (``window.docks[key]``); also the dock's object name.
    title : str
        The dock's title (a literal ``&``, no mnemonic).
    factory : callable
        ``factory(context) -> QWidget``.
    area : str
        ``left``, ``right`` or ``bottom``.
    group : str or None
        Docks of one group share a place as tabs.
    visible : bool
        Shown on first start.
    scroll : bool
        Put the widget in a scroll area (long forms).
    """

    key: str
    title: str
    factory: Callable
    area: str = "right"
    group: str | None = None
    visible: bool = False
    scroll: bool = False


def _load_builtin() -> None:
    from skyglass import builtin_panels  # noqa: F401 - registers the built-in docks


#: Every dock panel by key (windows built afterwards have it).
PANELS: Registry[PanelSpec] = Registry("panel", key=lambda spec: spec.key, load=_load_builtin)


def panels() -> list[PanelSpec]:
    """Every panel, the built-in ones first."""
    return PANELS.values()


def build_docks(window: QtWidgets.QMainWindow, context: PanelContext):
    """Create every registered dock; returns ``(docks, widgets)`` by key."""
    docks: dict[str, QtWidgets.QDockWidget] = {}
    widgets: dict[str, QtWidgets.QWidget] = {}
    first_of_group: dict[str, QtWidgets.QDockWidget] = {}
    for spec in panels():
        widget = spec.factory(context)
        dock = QtWidgets.QDockWidget(spec.title, window)
        dock.setObjectName(spec.key.capitalize() + "Dock")
        if spec.scroll:
            area = QtWidgets.QScrollArea()
            area.setWidget(widget)
            area.setWidgetResizable(True)
            # Long forms scroll down, never sideways: the widgets shrink to the dock.
            area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            dock.setWidget(area)
        else:
            dock.setWidget(widget)
        window.addDockWidget(AREAS[spec.area], dock)
        if spec.group is not None:
            if spec.group in first_of_group:
                window.tabifyDockWidget(first_of_group[spec.group], dock)
            else:
                first_of_group[spec.group] = dock
        dock.setVisible(spec.visible)
        docks[spec.key] = dock
        widgets[spec.key] = widget
    for dock in first_of_group.values():
        if dock.isVisible():
            dock.raise_()
    return docks, widgets
