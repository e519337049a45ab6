"""Small widget makers the panels share."""

from __future__ import annotations

from PySide6 import QtWidgets


def combo(items, tip: str) -> QtWidgets.QComboBox:
    """A combo box of ``(text, data)`` items with a tooltip."""
    box = QtWidgets.QComboBox()
    for text, data in items:
        box.addItem(text, data)
    box.setToolTip(tip)
    return box
